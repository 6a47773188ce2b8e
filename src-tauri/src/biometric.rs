//! Biometric approval: the unlock key of an identity's quick envelopes is wrapped by the platform's
//! biometric-protected keystore, so that Accept can ask for a fingerprint or face instead of the passphrase.
//!
//! Android: `tauri-plugin-biometric`'s `biometric_cipher`, an AES key in the Android Keystore usable only after
//! a strong biometric authentication and invalidated when the enrolled biometrics change. Elsewhere the plugin
//! answers that biometrics are not available (desktop Linux), and the app says so.

use base64::Engine as _;
use flightbox::identity::QuickUnlock;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// Whether biometric approval can be used here.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, specta::Type)]
pub struct BiometricStatus {
    /// Usable on this device now.
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

/// The platform's biometric-protected keystore, as the app needs it.
pub trait BiometricGate: Send + Sync {
    /// Availability.
    fn status(&self) -> BiometricStatus;
    /// Asks for the biometric and wraps the unlock key with a key only it releases.
    fn wrap(&self, reason: &str, key: &[u8; 32]) -> AppResult<QuickUnlock>;
    /// Asks for the biometric and unwraps the unlock key. A changed enrolment, a failure or a cancel is an
    /// error: the app falls back to the passphrase.
    fn unwrap(&self, reason: &str, record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>>;
}

/// Method name recorded for Android's biometric cipher.
pub const ANDROID_METHOD: &str = "android-biometric-cipher";

/// The gate of `tauri-plugin-biometric`.
pub struct PluginGate<R: tauri::Runtime> {
    app: tauri::AppHandle<R>,
}

impl<R: tauri::Runtime> PluginGate<R> {
    /// Over the plugin registered in `app`.
    pub fn new(app: tauri::AppHandle<R>) -> Self {
        PluginGate { app }
    }
}

fn unavailable(why: impl Into<String>) -> AppError {
    AppError::BiometricUnavailable(why.into())
}

impl<R: tauri::Runtime> BiometricGate for PluginGate<R> {
    fn status(&self) -> BiometricStatus {
        use tauri_plugin_biometric::BiometricExt;
        match self.app.biometric().status() {
            Ok(s) if s.is_available && cfg!(target_os = "android") => BiometricStatus { available: true, reason: None },
            Ok(s) if s.is_available => BiometricStatus {
                available: false,
                reason: Some("biometric approval needs a key bound to the biometrics: Android only for now".into()),
            },
            Ok(s) => BiometricStatus {
                available: false,
                reason: Some(s.error.unwrap_or_else(|| "no biometrics enrolled".into())),
            },
            Err(e) => BiometricStatus { available: false, reason: Some(e.to_string()) },
        }
    }

    #[cfg(target_os = "android")]
    fn wrap(&self, reason: &str, key: &[u8; 32]) -> AppResult<QuickUnlock> {
        use tauri_plugin_biometric::{AuthOptions, BiometricExt};
        let plain = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key));
        let options = AuthOptions { data_to_encrypt: Some(plain.to_string()), ..Default::default() };
        let wrapped = self
            .app
            .biometric()
            .biometric_cipher(reason.into(), options)
            .map_err(|e| AppError::BiometricFailed(e.to_string()))?;
        Ok(QuickUnlock { method: ANDROID_METHOD.into(), wrapped_key: wrapped.data })
    }

    #[cfg(target_os = "android")]
    fn unwrap(&self, reason: &str, record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>> {
        use tauri_plugin_biometric::{AuthOptions, BiometricExt};
        if record.method != ANDROID_METHOD {
            return Err(unavailable(format!("unknown quick approval method {:?}", record.method)));
        }
        let options = AuthOptions { data_to_decrypt: Some(record.wrapped_key.clone()), ..Default::default() };
        let plain = self
            .app
            .biometric()
            .biometric_cipher(reason.into(), options)
            .map_err(|e| AppError::BiometricFailed(e.to_string()))?;
        decode_key(&Zeroizing::new(plain.data))
    }

    #[cfg(not(target_os = "android"))]
    fn wrap(&self, _reason: &str, _key: &[u8; 32]) -> AppResult<QuickUnlock> {
        Err(unavailable(self.status().reason.unwrap_or_default()))
    }

    #[cfg(not(target_os = "android"))]
    fn unwrap(&self, _reason: &str, _record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>> {
        Err(unavailable(self.status().reason.unwrap_or_default()))
    }
}

/// Decodes an unlock key released by the platform (base64 of 32 bytes).
pub fn decode_key(b64: &str) -> AppResult<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| AppError::BiometricFailed("the keystore gave back an unreadable key".into()))?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(AppError::BiometricFailed("the keystore gave back a key of the wrong size".into()));
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}
