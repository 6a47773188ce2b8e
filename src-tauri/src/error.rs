//! The app's error type: what the UI can branch on, serialized as `{type, data}`.

use serde::Serialize;

/// Errors the screens show. Each says what happened; none of them loses data.
#[derive(Debug, thiserror::Error, Serialize, specta::Type)]
#[serde(tag = "type", content = "data")]
#[non_exhaustive]
pub enum AppError {
    /// The passphrase does not open the identity's keys.
    #[error("wrong passphrase for identity {owner:?}")]
    WrongPassphrase {
        /// Owner of the identity.
        owner: String,
    },
    /// The gateway does not answer.
    #[error("the gateway at {url} cannot be reached: {detail}")]
    GatewayUnreachable {
        /// Its URL.
        url: String,
        /// The transport error.
        detail: String,
    },
    /// The gateway already holds this identity.
    #[error("identity {owner:?} is already published on this gateway")]
    AlreadyPublished {
        /// Owner.
        owner: String,
    },
    /// The request was accepted or rejected already (perhaps from another device).
    #[error("this request was already handled elsewhere")]
    RequestAlreadyHandled,
    /// Something asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The identity is already on this device.
    #[error("{0}")]
    AlreadyExists(String),
    /// Input refused, with the reason.
    #[error("{0}")]
    Invalid(String),
    /// The gateway answered with an error.
    #[error("the gateway refused: {0}")]
    Gateway(String),
    /// The platform keychain failed.
    #[error("the keychain failed: {0}")]
    Keychain(String),
    /// Biometric approval cannot be used here (the reason says why).
    #[error("biometric approval is not available: {0}")]
    BiometricUnavailable(String),
    /// The biometric check failed, was cancelled, or the enrolled biometrics changed: use the passphrase.
    #[error("biometric approval failed: {0}")]
    BiometricFailed(String),
    /// Anything else (files, bugs).
    #[error("{0}")]
    Internal(String),
}

/// Result of the app's commands.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Turns a core error into what the UI shows, naming the identity's owner and the gateway where useful.
    pub fn from_core(e: flightbox::Error, owner: &str, gateway_url: &str) -> AppError {
        use flightbox::gateway::protocol::{ErrorKind, GatewayError};
        use flightbox::Error as E;
        match e {
            E::WrongPassphrase(_) => AppError::WrongPassphrase { owner: owner.to_string() },
            E::Gateway(GatewayError::Unreachable { message, .. }) => {
                AppError::GatewayUnreachable { url: gateway_url.to_string(), detail: message }
            }
            E::Gateway(GatewayError::Functional { kind: ErrorKind::KeystoreAlreadyExists, .. }) => {
                AppError::AlreadyPublished { owner: owner.to_string() }
            }
            E::Gateway(GatewayError::Functional { kind: ErrorKind::ValidationError, message })
                if message.contains("in status") =>
            {
                AppError::RequestAlreadyHandled
            }
            E::Validation { path, .. } if path == "revelation_request_status" => AppError::RequestAlreadyHandled,
            E::Gateway(g) => AppError::Gateway(g.to_string()),
            E::KeystoreExists(m) => AppError::AlreadyExists(m),
            E::KeystoreNotFound(m) | E::KeyNotFound(m) => AppError::NotFound(m),
            e @ (E::Validation { .. } | E::Json { .. } | E::Limit(_) | E::UnsupportedAlgorithm(_)) => {
                AppError::Invalid(e.to_string())
            }
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl From<flightbox::Error> for AppError {
    fn from(e: flightbox::Error) -> Self {
        AppError::from_core(e, "", "")
    }
}
