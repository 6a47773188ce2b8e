//! Command line definition.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// Flightbox: encryption that nobody can open alone.
///
/// Guardians hold authenticators (key folders protected by a passphrase); requestors keep a keystore
/// pool with the guardians' public keys, and a folder of cryptainers. Everything is interchangeable with
/// wacryptolib 0.11 and its `flightbox` command.
#[derive(Parser, Debug)]
#[command(name = "flightbox", version, propagate_version = true, max_term_width = 110)]
pub struct Cli {
    /// Keystore pool folder (local_keyfactory/, foreign_keystores/) [default: per-user data folder]
    #[arg(short = 'k', long, global = true, env = "FLIGHTBOX_KEYSTORE_POOL", value_name = "DIR")]
    pub keystore_pool: Option<PathBuf>,
    /// Cryptainer folder [default: per-user data folder]
    #[arg(short = 'c', long, global = true, env = "FLIGHTBOX_CRYPTAINER_DIR", value_name = "DIR")]
    pub cryptainer_dir: Option<PathBuf>,
    /// URL of the gateway (web registry of guardians)
    #[arg(short = 'g', long, global = true, env = "FLIGHTBOX_GATEWAY_URL", value_name = "URL")]
    pub gateway_url: Option<String>,
    /// More output (repeat for more)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage authenticators (a guardian's key folder)
    #[command(subcommand)]
    Authenticator(AuthenticatorCmd),
    /// Manage the guardians' keystores imported into the keystore pool
    #[command(subcommand)]
    ForeignKeystore(ForeignKeystoreCmd),
    /// Validate, summarize and generate cryptoconfs
    #[command(subcommand)]
    Cryptoconf(CryptoconfCmd),
    /// Encrypt a file (or stdin) into a cryptainer of the cryptainer folder
    Encrypt(EncryptArgs),
    /// List, inspect, decrypt, delete and purge cryptainers
    #[command(subcommand)]
    Cryptainer(CryptainerCmd),
    /// Ask guardians to reveal cryptainers through the gateway, and follow the answers
    #[command(subcommand)]
    RevelationRequest(RevelationRequestCmd),
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// For people
    #[default]
    Text,
    /// For programs
    Json,
}

#[derive(Subcommand, Debug)]
pub enum AuthenticatorCmd {
    /// Create an authenticator folder with a set of RSA keypairs protected by a passphrase
    ///
    /// The folder must not exist or be empty; its parent must exist. The passphrase is asked without echo,
    /// or read from the first line of --passphrase-file.
    Create {
        /// Folder to create
        dir: PathBuf,
        /// Name of the owner
        #[arg(long)]
        owner: String,
        /// Hint to remember the passphrase (must not contain it)
        #[arg(long)]
        passphrase_hint: String,
        /// Number of keypairs
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
        keypair_count: u16,
        /// RSA key size in bits
        #[arg(long, default_value_t = 2048, value_parser = parse_key_size)]
        key_size: usize,
        /// Read the passphrase from the first line of this file ("-" for stdin)
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Check the passphrase against every private key, and list missing or undecodable keys
    Validate {
        /// Authenticator folder
        dir: PathBuf,
        /// Read the passphrase from the first line of this file ("-" for stdin)
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Show an authenticator's metadata and keys (never its secrets)
    View {
        /// Authenticator folder
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Delete an authenticator folder
    Delete {
        /// Authenticator folder
        dir: PathBuf,
    },
    /// Publish the authenticator's public keys to the gateway (-g), or say how it stands there
    Publish {
        /// Authenticator folder
        dir: PathBuf,
        /// Only show whether it is published, and identical to this folder
        #[arg(long)]
        check: bool,
    },
    /// List the revelation requests addressed to this authenticator on the gateway (-g), newest first
    Requests {
        /// Authenticator folder
        dir: PathBuf,
        #[arg(long, value_enum)]
        status: Option<RequestStatus>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Accept a request: decrypt its keys locally with the passphrase and send them re-encrypted for the requestor
    Accept {
        /// Authenticator folder
        dir: PathBuf,
        /// Uid of the revelation request
        request_uid: uuid::Uuid,
        /// Read the passphrase from the first line of this file ("-" for stdin)
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Reject a request
    Reject {
        /// Authenticator folder
        dir: PathBuf,
        /// Uid of the revelation request
        request_uid: uuid::Uuid,
    },
    /// The decision journal of an identity kept by the authenticator app
    #[command(subcommand)]
    Journal(JournalCmd),
}

#[derive(Subcommand, Debug)]
pub enum JournalCmd {
    /// Check that a decision journal is intact: sequence, hash chain and every Ed25519 signature
    ///
    /// Exits with 0 when it is intact, 1 when an entry was edited, removed, reordered or not signed by the
    /// identity's journal key.
    Verify {
        /// Identity folder of the app (holding journal.jsonl and journal_public_key.pem), or a journal file
        path: PathBuf,
        /// The journal's public key (PEM); by default journal_public_key.pem next to the journal
        #[arg(long, value_name = "PEM")]
        public_key: Option<PathBuf>,
        /// Also print every entry
        #[arg(long)]
        list: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Accepted,
    Rejected,
}

#[derive(Subcommand, Debug)]
pub enum RevelationRequestCmd {
    /// Ask the guardians of these cryptainers, through the gateway (-g), to reveal their keys
    Submit {
        /// Cryptainer names (in the cryptainer folder)
        #[arg(required = true)]
        names: Vec<String>,
        /// Why the revelation is needed (shown to the guardians)
        #[arg(long)]
        description: String,
    },
    /// List the requests made from this keystore pool and their answers
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum ForeignKeystoreCmd {
    /// Import a guardian's keystore into the keystore pool
    Import {
        /// Authenticator folder to import
        #[arg(long, value_name = "DIR", required_unless_present = "from_gateway", conflicts_with = "from_gateway")]
        from_path: Option<PathBuf>,
        /// Keystore uid to fetch from the gateway (-g)
        #[arg(long, value_name = "KEYSTORE_UID")]
        from_gateway: Option<uuid::Uuid>,
        /// Import private keys too (still protected by their passphrase)
        #[arg(long)]
        include_private_keys: bool,
    },
    /// List imported keystores
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show one imported keystore
    View {
        keystore_uid: uuid::Uuid,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Delete one imported keystore
    Delete { keystore_uid: uuid::Uuid },
}

#[derive(Subcommand, Debug)]
pub enum CryptoconfCmd {
    /// Check a cryptoconf file
    Validate { file: PathBuf },
    /// Show the layers of a cryptoconf as a tree
    Summarize { file: PathBuf },
    /// Build a cryptoconf from a sequence of items, printed as JSON
    ///
    /// Items, in order:
    ///   payload:ALGO          start a payload cipher layer (AES_CBC, AES_EAX, CHACHA20_POLY1305, AES_GCM)
    ///   key:TRUSTEE[+SYM]     add a key cipher layer (RSA_OAEP), optionally behind a symmetric sub-key
    ///   shared:K              add a shared secret needing K shards (the shard: items that follow)
    ///   shard:TRUSTEE[+SYM]   add a shard to the last shared secret
    ///   sign:DIGEST/ALGO      sign the layer's ciphertext with the local key factory (e.g. SHA256/RSA_PSS)
    ///
    /// TRUSTEE is local_keyfactory, or authenticator[=KEYSTORE_UID[/KEYCHAIN_UID]]: without a uid, the only
    /// imported keystore is used; without a keychain uid, the keystore's first RSA_OAEP key.
    ///
    /// Example: flightbox cryptoconf generate-simple payload:AES_EAX shared:2
    ///   shard:authenticator=UID1 shard:authenticator=UID2 shard:authenticator=UID3
    #[command(verbatim_doc_comment)]
    GenerateSimple {
        /// Default keychain uid of asymmetric keys
        #[arg(long)]
        keychain_uid: Option<uuid::Uuid>,
        /// Write to this file instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace an existing output file
        #[arg(long)]
        force: bool,
        /// Items (see above)
        #[arg(required = true, value_name = "ITEM")]
        items: Vec<String>,
    },
}

#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// File to encrypt, or "-" for stdin
    pub input: PathBuf,
    /// Cryptoconf (JSON) describing the layers and guardians
    #[arg(long, value_name = "FILE")]
    pub cryptoconf: PathBuf,
    /// Name of the cryptainer [default: the input's file name]
    #[arg(short, long, value_name = "NAME")]
    pub output_basename: Option<String>,
    /// Put the payload inside NAME.crypt instead of NAME.crypt.payload
    #[arg(long)]
    pub bundle: bool,
    /// JSON file of metadata stored in clear in the cryptainer
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Replace an existing cryptainer of the same name
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum CryptainerCmd {
    /// List the cryptainers of the cryptainer folder
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Include unfinished cryptainers (NAME.crypt~)
        #[arg(long)]
        all: bool,
    },
    /// Show a cryptainer's properties and layers
    Summarize { name: String },
    /// Check a cryptainer's structure (and that its payload file exists)
    Validate { name: String },
    /// Delete a cryptainer and its payload file
    Delete { name: String },
    /// Delete the oldest cryptainers by age, total size or count
    Purge {
        /// Delete cryptainers older than this many days
        #[arg(long, value_name = "DAYS")]
        max_age: Option<u64>,
        /// Keep at most this many cryptainers
        #[arg(long, value_name = "N")]
        max_count: Option<usize>,
        /// Keep at most this many MiB of cryptainers
        #[arg(long, value_name = "MB")]
        max_quota: Option<u64>,
    },
    /// Decrypt a cryptainer with the keystores of the pool
    ///
    /// Each --passphrase-file gives, on its first line, a passphrase tried for every guardian. Without
    /// any, on a terminal, the passphrase of each guardian whose private keys were imported is asked.
    Decrypt {
        name: String,
        /// Output file ("-" for stdout) [default: NAME without .crypt, in the current folder]
        #[arg(short, long, value_name = "FILE")]
        output_file: Option<PathBuf>,
        /// File whose first line is a passphrase to try (repeatable)
        #[arg(long, value_name = "FILE")]
        passphrase_file: Vec<PathBuf>,
        /// Replace an existing output file
        #[arg(long)]
        force: bool,
        /// Use the keys that guardians revealed through the gateway (-g)
        #[arg(long)]
        use_gateway: bool,
    },
}

fn parse_key_size(s: &str) -> Result<usize, String> {
    match s {
        "2048" | "3072" | "4096" => Ok(s.parse().expect("digits")),
        _ => Err("RSA key size must be 2048, 3072 or 4096".into()),
    }
}
