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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
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
    let app = flightbox_gateway::router(store);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
