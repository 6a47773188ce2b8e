//! `flightbox-gateway`: the gateway server.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// A gateway (web registry of guardians) speaking the Witness Angel JSON-RPC protocol at /gateway/jsonrpc/.
#[derive(Parser, Debug)]
#[command(name = "flightbox-gateway", version)]
struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:9870", env = "FLIGHTBOX_GATEWAY_BIND")]
    bind: SocketAddr,
    /// SQLite database file (created if missing)
    #[arg(long, value_name = "FILE", default_value = "flightbox-gateway.sqlite3", conflicts_with = "database_url")]
    database: PathBuf,
    /// Database URL instead of a file: sqlite://PATH or postgres://USER:PASS@HOST/DB
    #[arg(long, value_name = "URL", env = "FLIGHTBOX_GATEWAY_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// File holding the secret that encrypts the remote trustee's private keys (created, mode 0600, if missing)
    /// [default: the database file name + ".trustee-secret"]
    #[arg(long, value_name = "FILE")]
    trustee_secret_file: Option<PathBuf>,
}

fn trustee_secret(path: &std::path::Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(path)?, secret.as_bytes())?;
    Ok(secret)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let secret_path = args.trustee_secret_file.clone().unwrap_or_else(|| {
        let mut p = args.database.clone().into_os_string();
        p.push(".trustee-secret");
        PathBuf::from(p)
    });
    let secret = match trustee_secret(&secret_path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read or create the trustee secret {}: {e}", secret_path.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    let url = args.database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", args.database.display()));
    let store = match flightbox_gateway::store::Store::connect(&url).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot open the database: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.bind);
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!(
        "flightbox-gateway listening on http://{}/gateway/jsonrpc/",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    let app = flightbox_gateway::router_with_trustee_secret(store, secret);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
