//! What each command does. Each function adapts arguments to the core crate and prints the outcome.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use flightbox::cryptainer::{Passphrases, Unwrapper};
use flightbox::ejson::DateTimeMs;
use flightbox::keystore::{self, FilesystemKeystore, KeystorePool, NewAuthenticator};
use flightbox::model::{self, Cryptainer, CryptainerState, Cryptoconf, PayloadCiphertextStruct, Trustee};
use flightbox::storage::CryptainerStorage;
use flightbox::stream::{self, EncryptOptions};
use serde_json::{json, Value};

use crate::cli::*;
use crate::ui;

/// Errors of the command line, printed as one line (plus the report of a failed decryption).
#[derive(Debug)]
pub enum CliError {
    /// From the core crate.
    Core(flightbox::Error),
    /// Bad input given on the command line.
    Input(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Core(flightbox::Error::DecryptionReport(r)) => {
                writeln!(f, "the cryptainer could not be decrypted:")?;
                let problems: Vec<_> = r.problems().collect();
                for e in problems {
                    let who = e.trustee.as_ref().map(|t| format!("{t}: ")).unwrap_or_default();
                    writeln!(f, "  - {who}{} [{}]", e.message, e.location)?;
                }
                write!(f, "nothing was written")
            }
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Input(m) => f.write_str(m),
        }
    }
}

impl From<flightbox::Error> for CliError {
    fn from(e: flightbox::Error) -> Self {
        CliError::Core(e)
    }
}

type Result<T> = std::result::Result<T, CliError>;

fn data_dir(sub: &str) -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("flightbox").join(sub))
        .ok_or_else(|| CliError::Input(format!("no per-user data folder here: give the {sub} folder explicitly")))
}

struct Ctx {
    cli_pool: Option<PathBuf>,
    cli_cryptainers: Option<PathBuf>,
    gateway_url: Option<String>,
    verbose: u8,
}

impl Ctx {
    fn pool(&self) -> Result<KeystorePool> {
        let dir = match &self.cli_pool {
            Some(d) => d.clone(),
            None => data_dir("keystore_pool")?,
        };
        Ok(KeystorePool::open(dir)?)
    }
    fn gateway(&self) -> Result<flightbox::gateway::client::GatewayClient> {
        let url = self.gateway_url.as_deref().ok_or_else(|| {
            CliError::Input("this command needs the gateway: -g URL (or FLIGHTBOX_GATEWAY_URL)".into())
        })?;
        flightbox::gateway::client::GatewayClient::new(url).map_err(|e| CliError::Core(e.into()))
    }
    fn storage(&self) -> Result<CryptainerStorage> {
        let dir = match &self.cli_cryptainers {
            Some(d) => d.clone(),
            None => data_dir("cryptainers")?,
        };
        Ok(CryptainerStorage::open(dir)?)
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        cli_pool: cli.keystore_pool,
        cli_cryptainers: cli.cryptainer_dir,
        gateway_url: cli.gateway_url,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Authenticator(c) => authenticator(&ctx, c),
        Command::ForeignKeystore(c) => foreign_keystore(&ctx, c),
        Command::RevelationRequest(c) => crate::gateway_cmds::revelation_request(&ctx_parts(&ctx)?, c),
        Command::Cryptoconf(c) => cryptoconf(&ctx, c),
        Command::Encrypt(a) => encrypt(&ctx, a),
        Command::Cryptainer(c) => cryptainer(&ctx, c),
    }
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).expect("JSON values serialize"));
}

pub(crate) fn open_authenticator(dir: &Path) -> Result<(FilesystemKeystore, keystore::KeystoreMetadata)> {
    let ks =
        FilesystemKeystore::open(dir).map_err(|_| CliError::Input(format!("{} is not a folder", dir.display())))?;
    let meta = ks.metadata().map_err(|e| match e {
        flightbox::Error::KeystoreNotFound(_) => {
            CliError::Input(format!("{} is not an authenticator (no keystore_metadata.json)", dir.display()))
        }
        other => other.into(),
    })?;
    Ok((ks, meta))
}

fn authenticator(ctx: &Ctx, cmd: AuthenticatorCmd) -> Result<()> {
    match cmd {
        AuthenticatorCmd::Create { dir, owner, passphrase_hint, keypair_count, key_size, passphrase_file } => {
            if dir.join(keystore::METADATA_FILENAME).exists() || dir.join(keystore::LEGACY_METADATA_FILENAME).exists() {
                return Err(CliError::Input(format!("{} is already an authenticator", dir.display())));
            }
            if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
                return Err(CliError::Input(format!("{} exists and is not empty", dir.display())));
            }
            match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() && !p.is_dir() => {
                    return Err(CliError::Input(format!("parent folder {} does not exist", p.display())))
                }
                _ => {}
            }
            let passphrase = match &passphrase_file {
                Some(f) => ui::passphrase_from_file(f)?,
                None => {
                    let p = ui::ask_passphrase("Passphrase of the new authenticator: ")?;
                    if *ui::ask_passphrase("Same passphrase again: ")? != *p {
                        return Err(CliError::Input("the two passphrases differ; nothing was created".into()));
                    }
                    p
                }
            };
            let params = NewAuthenticator {
                owner: &owner,
                passphrase_hint: &passphrase_hint,
                keypair_count: keypair_count as usize,
                key_bits: key_size,
            };
            let bar = ui::count_progress(keypair_count as u64, "Generating keypairs");
            let result = keystore::create_authenticator(&dir, &params, &passphrase, |i, _| bar.set_position(i as u64));
            bar.finish_and_clear();
            let meta = match result {
                Ok(m) => m,
                Err(e) => {
                    // Leave nothing half-made behind (the folder was empty or absent).
                    if dir.join(keystore::METADATA_FILENAME).exists() {
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                    return Err(e.into());
                }
            };
            println!(
                "Authenticator {} of {} created in {} with {keypair_count} keypairs",
                meta.keystore_uid,
                owner,
                dir.display()
            );
            Ok(())
        }
        AuthenticatorCmd::Validate { dir, passphrase_file } => {
            let (ks, meta) = open_authenticator(&dir)?;
            let passphrase = ui::authenticator_passphrase(passphrase_file.as_deref(), &meta)?;
            let check = keystore::check_passphrase(&ks, &passphrase)?;
            println!(
                "Authenticator {} of {}: {} keypair(s)",
                meta.keystore_uid,
                meta.keystore_owner,
                check.valid.len() + check.missing_private_keys.len() + check.undecodable.len()
            );
            for k in &check.valid {
                println!("  ok       {} {}", k.keychain_uid, k.key_algo);
            }
            for k in &check.missing_private_keys {
                println!("  missing  {} {} (no private key)", k.keychain_uid, k.key_algo);
            }
            for (k, why) in &check.undecodable {
                println!("  failed   {} {} ({why})", k.keychain_uid, k.key_algo);
            }
            if check.is_ok() {
                println!("The passphrase opens every private key.");
                Ok(())
            } else if check.valid.is_empty() && check.missing_private_keys.is_empty() && check.undecodable.is_empty() {
                Err(CliError::Input("the authenticator has no keypair".into()))
            } else {
                Err(CliError::Input(format!(
                    "{} key(s) missing, {} key(s) not opened by this passphrase",
                    check.missing_private_keys.len(),
                    check.undecodable.len()
                )))
            }
        }
        c @ (AuthenticatorCmd::Publish { .. }
        | AuthenticatorCmd::Requests { .. }
        | AuthenticatorCmd::Accept { .. }
        | AuthenticatorCmd::Reject { .. }) => crate::gateway_cmds::authenticator(&ctx.gateway()?, c),
        AuthenticatorCmd::Journal(JournalCmd::Verify { path, public_key, list, format }) => {
            journal_verify(&path, public_key.as_deref(), list, format)
        }
        AuthenticatorCmd::View { dir, format } => {
            let (ks, meta) = open_authenticator(&dir)?;
            view_keystore(&ks, &meta, format)
        }
        AuthenticatorCmd::Delete { dir } => {
            let (_, meta) = open_authenticator(&dir)?;
            std::fs::remove_dir_all(&dir)
                .map_err(|e| CliError::Input(format!("cannot delete {}: {e}", dir.display())))?;
            if ctx.verbose > 0 {
                eprintln!("deleted {}", dir.display());
            }
            println!("Authenticator {} of {} deleted", meta.keystore_uid, meta.keystore_owner);
            Ok(())
        }
    }
}

fn keystore_json(ks: &FilesystemKeystore, meta: &keystore::KeystoreMetadata) -> Result<Value> {
    let keys = ks.list_keypairs()?;
    Ok(json!({
        "keystore_uid": meta.keystore_uid.to_string(),
        "keystore_type": meta.keystore_type,
        "keystore_owner": meta.keystore_owner,
        "keystore_creation_datetime": meta.keystore_creation_datetime.map(|d| d.to_string()),
        "keystore_passphrase_hint": meta.keystore_passphrase_hint,
        "keypairs": keys,
    }))
}

fn view_keystore(ks: &FilesystemKeystore, meta: &keystore::KeystoreMetadata, format: Format) -> Result<()> {
    if format == Format::Json {
        print_json(&keystore_json(ks, meta)?);
        return Ok(());
    }
    println!("Owner:       {}", meta.keystore_owner);
    println!("Uid:         {}", meta.keystore_uid);
    println!("Type:        {:?}", meta.keystore_type);
    if let Some(d) = meta.keystore_creation_datetime {
        println!("Created:     {d}");
    }
    if let Some(h) = &meta.keystore_passphrase_hint {
        println!("Hint:        {h}");
    }
    let keys = ks.list_keypairs()?;
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.keychain_uid.to_string(),
                k.key_algo.to_string(),
                if k.private_key_present { "yes" } else { "MISSING" }.into(),
            ]
        })
        .collect();
    print!("{}", ui::table(&["KEYCHAIN UID", "ALGO", "PRIVATE KEY"], &rows));
    Ok(())
}

fn foreign_keystore(ctx: &Ctx, cmd: ForeignKeystoreCmd) -> Result<()> {
    let pool = ctx.pool()?;
    match cmd {
        ForeignKeystoreCmd::Import { from_path, from_gateway, include_private_keys } => {
            if let Some(uid) = from_gateway {
                let meta = flightbox::gateway::ops::import_from_gateway(&ctx.gateway()?, &pool, &uid)?;
                println!(
                    "Keystore {} of {} imported from the gateway (public keys)",
                    meta.keystore_uid, meta.keystore_owner
                );
                return Ok(());
            }
            let dir = from_path.expect("clap requires --from-path or --from-gateway");
            open_authenticator(&dir)?;
            let (meta, existed) = pool.import_authenticator(&dir, include_private_keys)?;
            println!(
                "Keystore {} of {} {} ({} private keys)",
                meta.keystore_uid,
                meta.keystore_owner,
                if existed { "updated" } else { "imported" },
                if include_private_keys { "with" } else { "without" }
            );
            Ok(())
        }
        ForeignKeystoreCmd::List { format } => {
            let mut rows = Vec::new();
            let mut all = Vec::new();
            for uid in pool.foreign_keystore_uids()? {
                let ks = pool.foreign_keystore(&uid)?;
                let meta = ks.metadata()?;
                let keys = ks.list_keypairs()?;
                let private = keys.iter().filter(|k| k.private_key_present).count();
                rows.push(vec![
                    uid.to_string(),
                    meta.keystore_owner.clone(),
                    keys.len().to_string(),
                    private.to_string(),
                ]);
                all.push(keystore_json(&ks, &meta)?);
            }
            match format {
                Format::Json => print_json(&Value::Array(all)),
                Format::Text if rows.is_empty() => println!("No keystore imported in {}", pool.root().display()),
                Format::Text => print!("{}", ui::table(&["KEYSTORE UID", "OWNER", "KEYS", "PRIVATE"], &rows)),
            }
            Ok(())
        }
        ForeignKeystoreCmd::View { keystore_uid, format } => {
            let ks = pool.foreign_keystore(&keystore_uid)?;
            let meta = ks.metadata()?;
            view_keystore(&ks, &meta, format)
        }
        ForeignKeystoreCmd::Delete { keystore_uid } => {
            pool.delete_foreign_keystore(&keystore_uid)?;
            println!("Keystore {keystore_uid} deleted");
            Ok(())
        }
    }
}

fn read_conf(file: &Path) -> Result<Cryptoconf> {
    let bytes = std::fs::read(file).map_err(|e| CliError::Input(format!("cannot read {}: {e}", file.display())))?;
    Cryptoconf::from_json(&bytes).map_err(|e| CliError::Input(format!("{}: {e}", file.display())))
}

fn cryptoconf(ctx: &Ctx, cmd: CryptoconfCmd) -> Result<()> {
    match cmd {
        CryptoconfCmd::Validate { file } => {
            let conf = read_conf(&file)?;
            let additions = conf.payload_cipher_layers.iter().any(|l| !l.payload_cipher_algo.wacryptolib_compatible());
            println!(
                "{}: valid cryptoconf ({} payload layer(s)){}",
                file.display(),
                conf.payload_cipher_layers.len(),
                if additions { "; uses AES_GCM or ED25519, which wacryptolib cannot read" } else { "" }
            );
            Ok(())
        }
        CryptoconfCmd::Summarize { file } => {
            print!("{}", model::summary(&read_conf(&file)?.payload_cipher_layers));
            Ok(())
        }
        CryptoconfCmd::GenerateSimple { keychain_uid, output, force, items } => {
            let pool = ctx.pool()?;
            let conf = crate::conf_builder::build(&items, keychain_uid, &pool)?;
            let value = serde_json::to_value(&conf).map_err(|e| CliError::Input(e.to_string()))?;
            let mut text = Vec::new();
            flightbox::ejson::write_value_pretty(&value, &mut text, 4, 0);
            text.push(b'\n');
            match output {
                Some(path) => {
                    if path.exists() && !force {
                        return Err(CliError::Input(format!("{} exists (use --force to replace it)", path.display())));
                    }
                    std::fs::write(&path, &text)
                        .map_err(|e| CliError::Input(format!("cannot write {}: {e}", path.display())))?;
                    eprintln!("Cryptoconf written to {}", path.display());
                }
                None => std::io::stdout().write_all(&text).map_err(|e| CliError::Input(e.to_string()))?,
            }
            Ok(())
        }
    }
}

fn encrypt(ctx: &Ctx, a: EncryptArgs) -> Result<()> {
    let conf = read_conf(&a.cryptoconf)?;
    let metadata = match &a.metadata {
        Some(f) => {
            let bytes = std::fs::read(f).map_err(|e| CliError::Input(format!("cannot read {}: {e}", f.display())))?;
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| CliError::Input(format!("{}: invalid JSON: {e}", f.display())))?;
            if !v.is_object() {
                return Err(CliError::Input(format!("{}: metadata must be a JSON object", f.display())));
            }
            Some(v)
        }
        None => None,
    };
    let stdin = a.input == Path::new("-");
    let name = match (&a.output_basename, stdin) {
        (Some(n), _) => n.trim_end_matches(stream::CRYPTAINER_SUFFIX).to_string(),
        (None, true) => return Err(CliError::Input("reading stdin needs a name: -o/--output-basename NAME".into())),
        (None, false) => a
            .input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::Input(format!("{} has no file name", a.input.display())))?,
    };
    let storage = ctx.storage()?;
    let path = storage.path_of(&name)?;
    if !a.force && (path.exists() || stream::payload_path(&path).exists()) {
        return Err(CliError::Input(format!("cryptainer {} exists (use --force to replace it)", path.display())));
    }
    let pool = ctx.pool()?;
    let (mut reader, total): (Box<dyn std::io::Read>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let f = std::fs::File::open(&a.input)
            .map_err(|e| CliError::Input(format!("cannot read {}: {e}", a.input.display())))?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(CliError::Input(format!("{} is a folder", a.input.display())));
        }
        let len = f.metadata().ok().map(|m| m.len());
        (Box::new(f), len)
    };
    let bar = ui::byte_progress(total, "Encrypting");
    let opts = EncryptOptions { inline: a.bundle, overwrite: a.force };
    let keys = flightbox::gateway::remote::PoolWithRemoteTrustees::new(&pool);
    let result = stream::encrypt_to_files(&mut reader, &conf, metadata.as_ref(), &keys, &path, opts, &mut |n| {
        bar.set_position(n)
    });
    bar.finish_and_clear();
    let c = result?;
    if ctx.verbose > 0 {
        eprintln!("cryptainer {} written to {}", c.cryptainer_uid, path.display());
    }
    println!("{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    Ok(())
}

pub(crate) fn load(storage: &CryptainerStorage, name: &str) -> Result<(PathBuf, Cryptainer)> {
    let path = storage.existing(name)?;
    let c = stream::load_cryptainer(&path).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    Ok((path, c))
}

fn cryptainer(ctx: &Ctx, cmd: CryptainerCmd) -> Result<()> {
    let storage = ctx.storage()?;
    match cmd {
        CryptainerCmd::List { format, all } => {
            let list = storage.list(all)?;
            match format {
                Format::Json => print_json(&serde_json::to_value(&list).expect("serializable")),
                Format::Text if list.is_empty() => println!("No cryptainer in {}", storage.dir().display()),
                Format::Text => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|c| {
                            vec![
                                c.name.clone(),
                                ui::size(c.size),
                                if c.offloaded { "offloaded" } else { "bundled" }.into(),
                                DateTimeMs(c.created_ms).to_string(),
                            ]
                        })
                        .collect();
                    print!("{}", ui::table(&["NAME", "SIZE", "PAYLOAD", "CREATED"], &rows));
                }
            }
            Ok(())
        }
        CryptainerCmd::Summarize { name } => {
            let (path, c) = load(&storage, &name)?;
            println!("Cryptainer:  {}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
            println!("Uid:         {}", c.cryptainer_uid);
            println!("Keychain:    {}", c.keychain_uid);
            println!(
                "State:       {}",
                if c.cryptainer_state == CryptainerState::Finished { "finished" } else { "unfinished" }
            );
            let location = match &c.payload_ciphertext_struct {
                Some(PayloadCiphertextStruct::Inline { ciphertext_value }) => {
                    format!("bundled, {}", ui::size(ciphertext_value.len() as u64))
                }
                Some(PayloadCiphertextStruct::Offloaded) => {
                    let size = std::fs::metadata(stream::payload_path(&path))
                        .map(|m| ui::size(m.len()))
                        .unwrap_or_else(|_| "MISSING".into());
                    format!("offloaded, {size}")
                }
                None => "none".into(),
            };
            println!("Payload:     {location}");
            if let Some(m) = &c.cryptainer_metadata {
                println!("Metadata:    {m}");
            }
            print!("{}", model::summary(&c.payload_cipher_layers));
            Ok(())
        }
        CryptainerCmd::Validate { name } => {
            let (path, c) = load(&storage, &name)?;
            if c.cryptainer_state != CryptainerState::Finished {
                return Err(CliError::Input(format!("{} is not finished", path.display())));
            }
            if c.payload_ciphertext_struct == Some(PayloadCiphertextStruct::Offloaded)
                && !stream::payload_path(&path).is_file()
            {
                return Err(CliError::Input(format!(
                    "{} is missing its payload file {}",
                    path.display(),
                    stream::payload_path(&path).display()
                )));
            }
            println!("{}: valid cryptainer", path.display());
            Ok(())
        }
        CryptainerCmd::Delete { name } => {
            let path = storage.existing(&name)?;
            storage.delete(&name)?;
            println!("{} deleted", path.display());
            Ok(())
        }
        CryptainerCmd::Purge { max_age, max_count, max_quota } => {
            if max_age.is_none() && max_count.is_none() && max_quota.is_none() {
                return Err(CliError::Input("give at least one of --max-age, --max-count, --max-quota".into()));
            }
            let deleted = storage.purge(max_age, max_count, max_quota.map(|m| m * 1024 * 1024))?;
            for d in &deleted {
                if ctx.verbose > 0 {
                    eprintln!("deleted {d}");
                }
            }
            println!("{} cryptainer(s) deleted", deleted.len());
            Ok(())
        }
        CryptainerCmd::Decrypt { name, output_file, passphrase_file, force, use_gateway } => {
            decrypt(ctx, &storage, &name, output_file, &passphrase_file, force, use_gateway)
        }
    }
}

fn decrypt(
    ctx: &Ctx,
    storage: &CryptainerStorage,
    name: &str,
    output: Option<PathBuf>,
    files: &[PathBuf],
    force: bool,
    use_gateway: bool,
) -> Result<()> {
    let (path, c) = load(storage, name)?;
    let pool = ctx.pool()?;
    let mut gateway_report = flightbox::report::OperationReport::default();
    let answers = if use_gateway {
        Some(flightbox::gateway::ops::gateway_answers(&ctx.gateway()?, &pool, &c, &mut gateway_report)?)
    } else {
        None
    };
    if let Some(a) = &answers {
        eprintln!("{} key(s) revealed by guardians through the gateway", a.len());
    }
    let mut passphrases = Passphrases::new();
    for f in files {
        passphrases.add_common(&ui::passphrase_from_file(f)?);
    }
    if files.is_empty() && !use_gateway && ui::can_ask() {
        // Ask each guardian whose private keys are here.
        for t in model::key_trustees(&c.payload_cipher_layers) {
            if let Trustee::Authenticator { keystore_uid, .. } = &t {
                let Ok(ks) = pool.foreign_keystore(&keystore_uid.0) else { continue };
                if !ks.list_keypairs()?.iter().any(|k| k.private_key_present) {
                    continue;
                }
                let meta = ks.metadata()?;
                let prompt = format!(
                    "Passphrase of {} (hint: {}; empty to skip): ",
                    meta.keystore_owner,
                    meta.keystore_passphrase_hint.as_deref().unwrap_or("none")
                );
                let p = ui::ask_passphrase(&prompt)?;
                if !p.is_empty() {
                    passphrases.add_for(&t, &p);
                }
            }
        }
    }
    let to_stdout = output.as_deref() == Some(Path::new("-"));
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(CliError::Input(
            "refusing to write binary data to a terminal: redirect stdout or use -o FILE".into(),
        ));
    }
    let target = match &output {
        Some(p) if !to_stdout => p.clone(),
        // Decrypted into a private temporary file beside the cryptainer, streamed out once verified.
        Some(_) => storage.dir().join(format!(".{}.{}.stdout", name, std::process::id())),
        None => PathBuf::from(
            path.file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(stream::CRYPTAINER_SUFFIX).to_string())
                .unwrap_or_default(),
        ),
    };
    if !to_stdout && target.exists() && !force {
        return Err(CliError::Input(format!("{} exists (use --force to replace it)", target.display())));
    }
    let bar = ui::byte_progress(None, "Decrypting");
    let keys = flightbox::gateway::remote::PoolWithRemoteTrustees::new(&pool);
    let unwrapper = Unwrapper { keys: &keys, passphrases: &passphrases, predecrypted: answers.as_ref() };
    let result = stream::decrypt_to_file(&path, &target, &unwrapper, force || to_stdout, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let report = result.map_err(|e| match e {
        flightbox::Error::DecryptionReport(mut r) => {
            r.entries.extend(gateway_report.entries.clone());
            CliError::Core(flightbox::Error::DecryptionReport(r))
        }
        other => other.into(),
    })?;
    if ctx.verbose > 0 {
        eprint!("{report}");
    }
    for w in report.problems() {
        eprintln!("warning: {}", w.message);
    }
    if to_stdout {
        let copied =
            std::fs::File::open(&target).and_then(|mut f| std::io::copy(&mut f, &mut std::io::stdout().lock()));
        let _ = std::fs::remove_file(&target);
        copied.map_err(|e| CliError::Input(format!("cannot write to stdout: {e}")))?;
    } else {
        eprintln!("Decrypted into {}", target.display());
    }
    Ok(())
}

/// What the gateway commands need from the context.
pub struct CtxParts {
    pub pool: KeystorePool,
    pub storage: CryptainerStorage,
    pub gateway: flightbox::gateway::client::GatewayClient,
}

fn ctx_parts(ctx: &Ctx) -> Result<CtxParts> {
    Ok(CtxParts { pool: ctx.pool()?, storage: ctx.storage()?, gateway: ctx.gateway()? })
}

fn journal_verify(path: &Path, public_key: Option<&Path>, list: bool, format: Format) -> Result<()> {
    use flightbox::identity::JOURNAL_PUBLIC_KEY_FILENAME;
    use flightbox::journal::{self, JOURNAL_FILENAME};
    let (file, folder) = if path.is_dir() {
        (path.join(JOURNAL_FILENAME), path.to_path_buf())
    } else {
        (path.to_path_buf(), path.parent().unwrap_or(Path::new(".")).to_path_buf())
    };
    if !file.is_file() {
        return Err(CliError::Input(format!("no journal at {}", file.display())));
    }
    let key_path = public_key.map_or_else(|| folder.join(JOURNAL_PUBLIC_KEY_FILENAME), Path::to_path_buf);
    let pem = std::fs::read(&key_path)
        .map_err(|e| CliError::Input(format!("cannot read the journal's public key {}: {e}", key_path.display())))?;
    let key = match flightbox::keys::PublicKey::from_pem(&pem, flightbox::keys::KeyAlgo::Ed25519)? {
        flightbox::keys::PublicKey::Ed25519(k) => k,
        _ => return Err(CliError::Input(format!("{} is not an Ed25519 public key", key_path.display()))),
    };
    let report = journal::verify(&file, &key)?;
    let entries = if list { journal::Journal::new(&file).entries()? } else { Vec::new() };
    if format == Format::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"report": report, "entries": entries})).unwrap_or_default()
        );
    } else {
        for e in &entries {
            let keys: Vec<String> =
                e.record.keys.iter().map(|k| format!("{} {}", k.cryptainer_name, k.status)).collect();
            println!(
                "#{} {} {:?} request {} from {}: {:?} [{}]",
                e.sequence,
                DateTimeMs(e.recorded_at_ms),
                e.record.decision,
                e.record.revelation_request_uid,
                e.record.revelation_requestor_uid,
                e.record.request_description,
                keys.join(", ")
            );
        }
        if report.is_ok() {
            println!("Journal intact: {} entries, chain and signatures verified ({})", report.entries, file.display());
        }
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(CliError::Input(format!(
            "journal {} is NOT intact ({} entries):\n  - {}",
            file.display(),
            report.entries,
            report.problems.join("\n  - ")
        )))
    }
}
