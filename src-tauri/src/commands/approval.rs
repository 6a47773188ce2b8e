//! Biometric approval per identity: status, enable (after the passphrase), disable.

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use super::{blocking, identity, passphrase};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Biometric approval for one identity.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct BiometricView {
    /// Whether this device can do it.
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// Whether it is on for this identity.
    pub enabled: bool,
}

/// Whether biometric approval is available here and on for this identity.
#[tauri::command]
#[specta::specta]
pub fn biometric_status(state: State<'_, AppState>, uid: String) -> AppResult<BiometricView> {
    let id = identity(&state, &uid)?;
    let enabled = id.quick_unlock()?.is_some();
    Ok(match state.biometric_gate() {
        Ok(gate) => {
            let s = gate.status();
            BiometricView { available: s.available, reason: s.reason, enabled }
        }
        Err(e) => BiometricView { available: false, reason: Some(e.to_string()), enabled },
    })
}

/// Turns biometric approval on: the passphrase must open every private key; then the keys are sealed again
/// under a new unlock key, which the platform's biometric-protected keystore wraps.
#[tauri::command]
#[specta::specta]
pub async fn biometric_enable<R: Runtime>(
    app: AppHandle<R>,
    uid: String,
    passphrase_value: String,
) -> AppResult<BiometricView> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let gate = state.biometric_gate()?;
        let status = gate.status();
        if !status.available {
            return Err(AppError::BiometricUnavailable(status.reason.unwrap_or_default()));
        }
        let id = identity(&state, &uid)?;
        let owner = id.metadata().keystore_owner.clone();
        let _lock = state.store.lock()?;
        let previous = id.quick_unlock()?;
        let key = id.enable_quick_unlock(&pass).map_err(|e| AppError::from_core(e, &owner, ""))?;
        let record = gate.wrap(&format!("Approve requests for {owner} with your biometrics"), &key);
        match record.and_then(|r| Ok(id.set_quick_unlock(&r)?)) {
            Ok(()) => {
                if let Some(old) = previous {
                    let _ = gate.forget(&old);
                }
                Ok(BiometricView { available: true, reason: None, enabled: true })
            }
            Err(e) => {
                let _ = id.disable_quick_unlock();
                Err(e)
            }
        }
    })
    .await
}

/// Turns biometric approval off for this identity (the passphrase is needed again), and deletes the key the
/// platform kept for it.
#[tauri::command]
#[specta::specta]
pub fn biometric_disable(state: State<'_, AppState>, uid: String) -> AppResult<()> {
    let id = identity(&state, &uid)?;
    let _lock = state.store.lock()?;
    turn_off(&state, &id)
}

/// Deletes the quick envelopes, then what the platform keeps for them (the envelopes are useless without it, and
/// the other way round).
pub(crate) fn turn_off(state: &AppState, id: &flightbox::identity::Identity) -> AppResult<()> {
    let record = id.quick_unlock()?;
    id.disable_quick_unlock()?;
    match (record, state.biometric_gate()) {
        (Some(record), Ok(gate)) => gate.forget(&record),
        _ => Ok(()),
    }
}
