//! The app's commands: thin adapters from the UI to the core crate. Each one is behind its own permission
//! (declared in build.rs, granted in capabilities/).

pub mod approval;
pub mod gateway;
pub mod identities;
pub mod settings;

use flightbox::identity::{Identity, IdentitySecrets};
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Runs blocking work (key generation, Argon2id, HTTP) off the UI thread.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| AppError::Internal(format!("task failed: {e}")))?
}

pub(crate) fn parse_uid(s: &str) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::Invalid(format!("{s:?} is not an identity uid")))
}

pub(crate) fn identity(state: &AppState, uid: &str) -> AppResult<Identity> {
    let uid = parse_uid(uid)?;
    state.store.get(&uid).map_err(|e| match e {
        flightbox::Error::KeystoreNotFound(_) => AppError::NotFound(format!("identity {uid}")),
        e => e.into(),
    })
}

pub(crate) fn secrets(state: &AppState, identity: &Identity) -> AppResult<IdentitySecrets> {
    let json = state.secrets.get(&identity.uid())?;
    Ok(IdentitySecrets::from_json(&json)?)
}

/// A passphrase from the UI, wiped when dropped.
pub(crate) fn passphrase(p: String) -> Zeroizing<String> {
    Zeroizing::new(p)
}
