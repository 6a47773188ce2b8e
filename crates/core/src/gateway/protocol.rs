//! Messages of the Witness Angel gateway's JSON-RPC API (`<base>/gateway/jsonrpc/`), in Extended JSON.
//!
//! Parameters go by name only; responses carry `id` and `result` or `error`. A functional error comes with
//! HTTP 200 and `error.data = {"status_slugs": [...], "message_untranslated": ...}`, the slugs naming the
//! wacryptolib exception class and its ancestors.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ejson::{Bin, DateTimeMs, Uid};

/// Path of the endpoint under the gateway's base URL (the trailing slash is needed).
pub const JSONRPC_PATH: &str = "/gateway/jsonrpc/";

/// Status of a revelation request.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevelationRequestStatus {
    /// Waiting for the guardian.
    #[serde(rename = "PENDING")]
    Pending,
    /// Answered (final).
    #[serde(rename = "ACCEPTED")]
    Accepted,
    /// Refused (final).
    #[serde(rename = "REJECTED")]
    Rejected,
}

impl RevelationRequestStatus {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Accepted => "ACCEPTED",
            Self::Rejected => "REJECTED",
        }
    }
}

/// Status of one key decryption inside a request.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymkeyDecryptionStatus {
    /// Not answered yet.
    #[serde(rename = "PENDING")]
    Pending,
    /// Decrypted and re-encrypted for the requestor.
    #[serde(rename = "DECRYPTED")]
    Decrypted,
    /// The guardian no longer has the private key.
    #[serde(rename = "PRIVATE_KEY_MISSING")]
    PrivateKeyMissing,
    /// The key ciphertext does not decrypt.
    #[serde(rename = "CORRUPTED")]
    Corrupted,
    /// The metadata inside the key differs from the request's.
    #[serde(rename = "METADATA_MISMATCH")]
    MetadataMismatch,
}

impl SymkeyDecryptionStatus {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Decrypted => "DECRYPTED",
            Self::PrivateKeyMissing => "PRIVATE_KEY_MISSING",
            Self::Corrupted => "CORRUPTED",
            Self::MetadataMismatch => "METADATA_MISMATCH",
        }
    }
}

/// A published public key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PublicKeyEntry {
    /// Keychain uid.
    pub keychain_uid: Uid,
    /// Algorithm (RSA_OAEP).
    pub key_algo: String,
    /// PEM bytes, as given.
    pub key_value: Bin,
}

/// A published guardian identity.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PublicAuthenticator {
    /// Keystore uid.
    pub keystore_uid: Uid,
    /// Owner.
    pub keystore_owner: String,
    /// Creation date, when known.
    #[serde(default)]
    pub keystore_creation_datetime: Option<DateTimeMs>,
    /// Public keys.
    pub public_keys: Vec<PublicKeyEntry>,
}

/// One key to decrypt, as submitted by a requestor.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymkeyDecryptionRequestInput {
    /// Cryptainer uid.
    pub cryptainer_uid: Uid,
    /// Cryptainer name, for display.
    pub cryptainer_name: String,
    /// Cryptainer metadata (dict or null).
    pub cryptainer_metadata: Option<Value>,
    /// The key ciphertext (an RSA_OAEP cipherdict), compared byte for byte later.
    pub symkey_decryption_request_data: Bin,
    /// Keychain uid of the guardian's key.
    pub keychain_uid: Uid,
    /// Its algorithm.
    pub key_algo: String,
}

/// One key to decrypt, as listed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SymkeyDecryption {
    /// The guardian's key it targets.
    pub target_public_authenticator_key: PublicKeyEntry,
    /// Cryptainer name.
    pub cryptainer_name: String,
    /// Cryptainer uid.
    pub cryptainer_uid: Uid,
    /// Cryptainer metadata.
    pub cryptainer_metadata: Option<Value>,
    /// Request blob.
    pub symkey_decryption_request_data: Bin,
    /// Response blob (empty until decrypted).
    pub symkey_decryption_response_data: Bin,
    /// Status.
    pub symkey_decryption_status: SymkeyDecryptionStatus,
}

/// A revelation request, as listed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RevelationRequest {
    /// The guardian asked.
    pub target_public_authenticator: PublicAuthenticator,
    /// Uid of the request.
    pub revelation_request_uid: Uid,
    /// Uid of the requestor.
    pub revelation_requestor_uid: Uid,
    /// Why.
    pub revelation_request_description: String,
    /// Key to encrypt the answers for (PEM).
    pub revelation_response_public_key: Bin,
    /// Its keychain uid in the requestor's key factory.
    pub revelation_response_keychain_uid: Uid,
    /// Its algorithm.
    pub revelation_response_key_algo: String,
    /// Status.
    pub revelation_request_status: RevelationRequestStatus,
    /// The keys to decrypt.
    pub symkey_decryption_requests: Vec<SymkeyDecryption>,
    /// Creation date.
    pub created_at: DateTimeMs,
}

/// One answer of an acceptance.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymkeyDecryptionResult {
    /// The request blob, unchanged.
    pub symkey_decryption_request_data: Bin,
    /// The re-encrypted key struct (empty unless DECRYPTED).
    pub symkey_decryption_response_data: Bin,
    /// Status.
    pub symkey_decryption_status: SymkeyDecryptionStatus,
}

/// Kinds of functional errors, from the most specific wacryptolib exception class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A keystore does not exist.
    KeystoreDoesNotExist,
    /// A keystore already exists (already published).
    KeystoreAlreadyExists,
    /// A key does not exist.
    KeyDoesNotExist,
    /// Something does not exist (e.g. a revelation request).
    ExistenceError,
    /// Wrong secret.
    AuthenticationError,
    /// Invalid parameters.
    ValidationError,
    /// Not authorized (e.g. a remote trustee's decryption without prior authorization).
    AuthorizationError,
    /// Any other functional error.
    FunctionalError,
}

impl ErrorKind {
    /// The full slug list, ancestors first, as the Witness Angel gateway sends it.
    pub fn status_slugs(self) -> Vec<&'static str> {
        const F: &str = "wacryptolib.exceptions.FunctionalError";
        const E: &str = "wacryptolib.exceptions.ExistenceError";
        match self {
            Self::KeystoreDoesNotExist => vec![F, E, "wacryptolib.exceptions.KeystoreDoesNotExist"],
            Self::KeystoreAlreadyExists => vec![F, E, "wacryptolib.exceptions.KeystoreAlreadyExists"],
            Self::KeyDoesNotExist => vec![F, E, "wacryptolib.exceptions.KeyDoesNotExist"],
            Self::ExistenceError => vec![F, E],
            Self::AuthenticationError => vec![F, "wacryptolib.exceptions.AuthenticationError"],
            Self::ValidationError => vec![F, "wacryptolib.exceptions.ValidationError"],
            Self::AuthorizationError => vec![F, "wacryptolib.exceptions.AuthorizationError"],
            Self::FunctionalError => vec![F],
        }
    }

    /// The kind named by the most specific slug present.
    pub fn from_slugs(slugs: &[String]) -> Self {
        for s in slugs.iter().rev() {
            let name = s.rsplit('.').next().unwrap_or(s);
            let kind = match name {
                "KeystoreDoesNotExist" | "KeystoreMetadataDoesNotExist" => Self::KeystoreDoesNotExist,
                "KeystoreAlreadyExists" => Self::KeystoreAlreadyExists,
                "KeyDoesNotExist" => Self::KeyDoesNotExist,
                "ExistenceError" => Self::ExistenceError,
                "AuthenticationError" => Self::AuthenticationError,
                "ValidationError" | "SchemaValidationError" => Self::ValidationError,
                "AuthorizationError" => Self::AuthorizationError,
                "FunctionalError" => Self::FunctionalError,
                _ => continue,
            };
            return kind;
        }
        Self::FunctionalError
    }
}

/// What can go wrong talking to a gateway.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// No answer (connection refused, DNS, timeout, TLS).
    #[error("the gateway at {url} cannot be reached: {message}")]
    Unreachable {
        /// Endpoint.
        url: String,
        /// Transport error.
        message: String,
    },
    /// A functional error answered by the gateway.
    #[error("{message}")]
    Functional {
        /// Most specific kind.
        kind: ErrorKind,
        /// The gateway's message.
        message: String,
    },
    /// An HTTP error status (server bug, unknown method, bad request).
    #[error("the gateway answered HTTP {status}: {message}")]
    Http {
        /// Status code.
        status: u16,
        /// Error message, if any.
        message: String,
    },
    /// An answer that is not what the protocol says.
    #[error("unexpected answer from the gateway: {0}")]
    Protocol(String),
}

impl GatewayError {
    /// The functional kind, if this is a functional error.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            GatewayError::Functional { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}
