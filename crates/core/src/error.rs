//! Error types of the core crate.

use std::path::PathBuf;

/// Result alias of the core crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JSON document could not be parsed or does not have the expected shape.
    #[error("invalid JSON at {path}: {message}")]
    Json {
        /// JSON path of the problem (`.` for the root).
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A document parsed but breaks a rule of the format.
    #[error("invalid {what} at {path}: {message}")]
    Validation {
        /// Kind of document (cryptoconf, cryptainer, keystore metadata...).
        what: &'static str,
        /// JSON path of the problem.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// An input is larger or deeper than the limits allow.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// An algorithm name is unknown or not usable where it was given.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// A feature of the format that this build does not support yet.
    #[error("not supported yet: {0}")]
    NotSupported(String),
    /// Encryption failed (bad key material...).
    #[error("encryption failed: {0}")]
    Encryption(String),
    /// Decryption failed for a reason other than integrity.
    #[error("decryption failed: {0}")]
    Decryption(String),
    /// An authentication tag or padding check failed: the data was altered or the key is wrong.
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// A signature did not verify.
    #[error("signature verification failed: {0}")]
    Signature(String),
    /// A key could not be parsed or generated.
    #[error("key error: {0}")]
    Key(String),
    /// The passphrase does not open the private key.
    #[error("wrong passphrase (or no passphrase given) for private key {0}")]
    WrongPassphrase(String),
    /// A keystore does not exist.
    #[error("keystore {0} not found")]
    KeystoreNotFound(String),
    /// A keystore already exists.
    #[error("keystore {0} already exists")]
    KeystoreExists(String),
    /// A key does not exist in a keystore.
    #[error("key {0} not found")]
    KeyNotFound(String),
    /// A key already exists in a keystore.
    #[error("key {0} already exists")]
    KeyExists(String),
    /// The payload could not be decrypted; the report says why for each guardian and shard.
    #[error("decryption failed:\n{0}")]
    DecryptionReport(crate::report::OperationReport),
    /// Talking to the gateway failed.
    #[error(transparent)]
    Gateway(#[from] crate::gateway::protocol::GatewayError),
    /// A filesystem operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// On which path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error on a stream.
    #[error(transparent)]
    Stream(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { op, path, source }
    }

    pub(crate) fn validation(what: &'static str, path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Validation { what, path: path.into(), message: message.into() }
    }
}
