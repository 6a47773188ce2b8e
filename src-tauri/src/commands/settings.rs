//! Settings and what the app knows about its platform.

use serde::Serialize;
use tauri::State;

use crate::error::AppResult;
use crate::secrets::SecretStorageKind;
use crate::state::{AppState, Settings};

/// What the app runs on and where it keeps things.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// `linux`, `android`, `ios`...
    pub platform: String,
    /// Where identity secrets are kept.
    pub secret_storage: SecretStorageKind,
    /// Why they are in a file, when they are.
    pub secret_storage_note: Option<String>,
    /// The app's data folder.
    pub data_dir: String,
    /// Shortest passphrase accepted for a new identity.
    pub min_passphrase_chars: u32,
}

/// The app's version, platform and secret storage.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        platform: std::env::consts::OS.into(),
        secret_storage: state.secrets.kind(),
        secret_storage_note: state.secret_storage_note.clone(),
        data_dir: state.data_dir.display().to_string(),
        min_passphrase_chars: flightbox::identity::MIN_PASSPHRASE_CHARS as u32,
    }
}

/// Current settings.
#[tauri::command]
#[specta::specta]
pub fn settings_get(state: State<'_, AppState>) -> Settings {
    state.settings()
}

/// Saves settings (the gateway URL must be http(s), the key size 2048, 3072 or 4096).
#[tauri::command]
#[specta::specta]
pub fn settings_set(state: State<'_, AppState>, settings: Settings) -> AppResult<Settings> {
    state.set_settings(settings)
}
