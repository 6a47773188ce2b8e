//! What the app keeps between commands: the identity store, the secret store and the settings.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flightbox::envelope::KdfCost;
use flightbox::identity::IdentityStore;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::secrets::SecretStore;

/// Interface language.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

/// The guardian's settings, saved in `settings.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, specta::Type)]
#[serde(default)]
pub struct Settings {
    /// Gateway base URL.
    pub gateway_url: String,
    /// Interface language.
    pub language: Language,
    /// RSA size of new identities (2048, 3072 or 4096).
    pub key_bits: u32,
}

/// The gateway of the Witness Angel project, used when nothing else is set.
pub const DEFAULT_GATEWAY_URL: &str = "https://api.witnessangel.com";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            gateway_url: std::env::var("FLIGHTBOX_GATEWAY_URL").unwrap_or_else(|_| DEFAULT_GATEWAY_URL.into()),
            language: Language::En,
            key_bits: 2048,
        }
    }
}

impl Settings {
    /// Checks values before saving.
    pub fn validate(&self) -> AppResult<()> {
        let url = self.gateway_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 || url.contains(' ') {
            return Err(AppError::Invalid(format!("{url:?} is not an http(s) URL")));
        }
        if ![2048, 3072, 4096].contains(&self.key_bits) {
            return Err(AppError::Invalid("the key size must be 2048, 3072 or 4096".into()));
        }
        Ok(())
    }
}

/// Shared state of the commands.
pub struct AppState {
    /// Identities.
    pub store: IdentityStore,
    /// Their secrets.
    pub secrets: Box<dyn SecretStore>,
    /// Why secrets are in a file rather than the keychain, if they are.
    pub secret_storage_note: Option<String>,
    /// Settings.
    pub settings: Mutex<Settings>,
    settings_path: PathBuf,
    /// Cost of the private-key envelopes made here.
    pub kdf_cost: KdfCost,
    /// Data folder.
    pub data_dir: PathBuf,
    biometric: std::sync::RwLock<Option<std::sync::Arc<dyn crate::biometric::BiometricGate>>>,
}

impl AppState {
    /// Opens the app's data folder: `identities/`, `secrets/` (if no keychain), `settings.json`.
    /// `FLIGHTBOX_KDF_COST=minimum` lowers the envelope cost (for tests only).
    pub fn open(data_dir: &Path) -> AppResult<Self> {
        let store = IdentityStore::open(data_dir.join("identities"))?;
        let (secrets, secret_storage_note) = crate::secrets::open_best(data_dir)?;
        let settings_path = data_dir.join("settings.json");
        let settings = match std::fs::read(&settings_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) => Settings::default(),
        };
        let kdf_cost = match std::env::var("FLIGHTBOX_KDF_COST").as_deref() {
            Ok("minimum") => KdfCost::MINIMUM,
            _ if cfg!(mobile) => KdfCost::MOBILE,
            _ => KdfCost::DESKTOP,
        };
        Ok(AppState {
            store,
            secrets,
            secret_storage_note,
            settings: Mutex::new(settings),
            settings_path,
            kdf_cost,
            data_dir: data_dir.to_path_buf(),
            biometric: std::sync::RwLock::new(None),
        })
    }

    /// Sets the platform's biometric gate (the plugin's in the app; a software one in tests).
    pub fn set_biometric_gate(&self, gate: std::sync::Arc<dyn crate::biometric::BiometricGate>) {
        *self.biometric.write().unwrap_or_else(|p| p.into_inner()) = Some(gate);
    }

    /// The biometric gate, if one is set.
    pub fn biometric_gate(&self) -> AppResult<std::sync::Arc<dyn crate::biometric::BiometricGate>> {
        self.biometric
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| AppError::BiometricUnavailable("no biometric support in this build".into()))
    }

    /// Current settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Saves new settings.
    pub fn set_settings(&self, mut new: Settings) -> AppResult<Settings> {
        new.gateway_url = new.gateway_url.trim().trim_end_matches('/').to_string();
        new.validate()?;
        let bytes = serde_json::to_vec_pretty(&new).map_err(|e| AppError::Internal(e.to_string()))?;
        write_private(&self.settings_path, &bytes)?;
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = new.clone();
        Ok(new)
    }
}

/// Writes a file atomically (temporary file, sync, rename), readable by the user only.
pub fn write_private(path: &Path, data: &[u8]) -> AppResult<()> {
    Ok(flightbox::fsutil::write_atomic(path, data, true)?)
}
