//! Biometric approval: the unlock key of an identity's quick envelopes is wrapped by the platform's
//! biometric-protected keystore, so that Accept can ask for a fingerprint or face instead of the passphrase.
//!
//! Android: `tauri-plugin-biometric`'s `biometric_cipher`, an AES key in the Android Keystore usable only after
//! a strong biometric authentication and invalidated when the enrolled biometrics change.
//!
//! iOS: the plugin's cipher is Android-only, so the unlock key goes into a keychain item of its own whose access
//! control is "biometry, current set" and "when a passcode is set, this device only": iOS asks for Face ID or
//! Touch ID on every read, and deletes the item's access when the enrolment changes or the passcode is removed.
//! The plugin is still what says whether biometrics are enrolled.
//!
//! Elsewhere the plugin answers that biometrics are not available (desktop Linux), and the app says so.

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
    /// Asks for the biometric and unwraps the unlock key. A failure or a cancel is `BiometricFailed` (ask the
    /// passphrase this time); a key that is gone for good (enrolment changed, passcode removed) is
    /// `BiometricUnavailable` (the app also turns biometric approval off).
    fn unwrap(&self, reason: &str, record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>>;
    /// Deletes what `wrap` left in the platform's keystore for this record, if anything.
    fn forget(&self, _record: &QuickUnlock) -> AppResult<()> {
        Ok(())
    }
}

/// Method name recorded for Android's biometric cipher.
pub const ANDROID_METHOD: &str = "android-biometric-cipher";

/// Method name recorded for iOS keychain items bound to the enrolled biometrics; the record's `wrapped_key` is
/// then the item's account name, under the service [`IOS_SERVICE`].
pub const IOS_METHOD: &str = "ios-keychain-biometry";

/// Keychain service of those items.
pub const IOS_SERVICE: &str = "org.flightbox.guardian.biometric";

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
            Ok(s) if s.is_available && cfg!(any(target_os = "android", target_os = "ios")) => {
                BiometricStatus { available: true, reason: None }
            }
            Ok(s) if s.is_available => BiometricStatus {
                available: false,
                reason: Some("biometric approval needs a key bound to the biometrics: Android and iOS only".into()),
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
            .map_err(|e| android_cipher_error(&e.to_string()))?;
        decode_key(&Zeroizing::new(plain.data))
    }

    #[cfg(target_os = "ios")]
    fn wrap(&self, _reason: &str, key: &[u8; 32]) -> AppResult<QuickUnlock> {
        let account = format!("quick-unlock-{}", uuid::Uuid::new_v4().hyphenated());
        let plain = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key));
        ios_items::put(&account, plain.as_bytes()).map_err(keychain_error)?;
        let record = QuickUnlock { method: IOS_METHOD.into(), wrapped_key: account };
        // Reading it back asks for the biometric now, as Android does when it wraps: approval is only turned on
        // once the guardian has passed it.
        match ios_items::get(&record.wrapped_key).map_err(keychain_error) {
            Ok(back) if back.as_slice() == plain.as_bytes() => Ok(record),
            Ok(_) => {
                let _ = ios_items::delete(&record.wrapped_key);
                Err(AppError::BiometricFailed("the keychain gave back another key".into()))
            }
            Err(e) => {
                let _ = ios_items::delete(&record.wrapped_key);
                Err(e)
            }
        }
    }

    #[cfg(target_os = "ios")]
    fn unwrap(&self, _reason: &str, record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>> {
        if record.method != IOS_METHOD {
            return Err(unavailable(format!("unknown quick approval method {:?}", record.method)));
        }
        let plain = ios_items::get(&record.wrapped_key).map_err(keychain_error)?;
        decode_key(std::str::from_utf8(&plain).unwrap_or(""))
    }

    #[cfg(target_os = "ios")]
    fn forget(&self, record: &QuickUnlock) -> AppResult<()> {
        if record.method != IOS_METHOD {
            return Ok(());
        }
        match ios_items::delete(&record.wrapped_key) {
            Ok(()) | Err(ERR_SEC_ITEM_NOT_FOUND) => Ok(()),
            Err(code) => Err(AppError::Keychain(format!("deleting the biometric key failed (OSStatus {code})"))),
        }
    }

    #[cfg(not(any(target_os = "android", target_os = "ios")))]
    fn wrap(&self, _reason: &str, _key: &[u8; 32]) -> AppResult<QuickUnlock> {
        Err(unavailable(self.status().reason.unwrap_or_default()))
    }

    #[cfg(not(any(target_os = "android", target_os = "ios")))]
    fn unwrap(&self, _reason: &str, _record: &QuickUnlock) -> AppResult<Zeroizing<[u8; 32]>> {
        Err(unavailable(self.status().reason.unwrap_or_default()))
    }
}

/// The iOS keychain items holding unlock keys, through security-framework (Apple's Keychain Services).
#[cfg(target_os = "ios")]
mod ios_items {
    use security_framework::access_control::{ProtectionMode, SecAccessControl};
    use security_framework::passwords::{
        delete_generic_password_options, generic_password, set_generic_password_options, AccessControlOptions,
        PasswordOptions,
    };
    use zeroize::Zeroizing;

    fn options(account: &str) -> PasswordOptions {
        let mut options = PasswordOptions::new_generic_password(super::IOS_SERVICE, account);
        options.use_protected_keychain();
        options
    }

    /// Adds the item, readable only after Face ID / Touch ID with the biometrics enrolled now, on this device,
    /// while a passcode is set.
    pub fn put(account: &str, secret: &[u8]) -> Result<(), i32> {
        let mut options = options(account);
        let access = SecAccessControl::create_with_protection(
            Some(ProtectionMode::AccessibleWhenPasscodeSetThisDeviceOnly),
            AccessControlOptions::BIOMETRY_CURRENT_SET.bits(),
        )
        .map_err(|e| e.code())?;
        options.set_access_control(access);
        set_generic_password_options(secret, options).map_err(|e| e.code())
    }

    /// Reads it (iOS shows the biometric prompt).
    pub fn get(account: &str) -> Result<Zeroizing<Vec<u8>>, i32> {
        generic_password(options(account)).map(Zeroizing::new).map_err(|e| e.code())
    }

    /// Deletes it.
    pub fn delete(account: &str) -> Result<(), i32> {
        delete_generic_password_options(options(account)).map_err(|e| e.code())
    }
}

/// What an error of the plugin's Android cipher means when unwrapping. The plugin reports a key it cannot use any
/// more (invalidated by an enrolment change or the removal of the lock screen, or replaced since) as a failure to
/// initialise the cipher or to decrypt: approval is then turned off. Anything else (cancel, not recognised,
/// lockout) only asks for the passphrase this time.
pub fn android_cipher_error(message: &str) -> AppError {
    if message.contains("Failed to initialize the cipher") || message.contains("Failed to decrypt the data") {
        unavailable(format!("the key bound to your biometrics no longer opens ({message})"))
    } else {
        AppError::BiometricFailed(message.to_string())
    }
}

/// `errSecItemNotFound`: the item is gone, or its biometric binding no longer matches.
pub const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;

/// What a Keychain Services status (OSStatus) means for biometric approval.
pub fn keychain_error(code: i32) -> AppError {
    match code {
        // errSecUserCanceled
        -128 => AppError::BiometricFailed("cancelled".into()),
        // errSecAuthFailed
        -25293 => AppError::BiometricFailed("not recognised".into()),
        // errSecInteractionNotAllowed: the device is locked
        -25308 => AppError::BiometricFailed("the device is locked".into()),
        ERR_SEC_ITEM_NOT_FOUND => unavailable(
            "the key bound to your biometrics is gone (the enrolled fingerprints or faces or the device passcode \
             changed)",
        ),
        // errSecMissingEntitlement: a build without the keychain entitlement
        -34018 => unavailable("this build has no keychain entitlement"),
        code => AppError::BiometricFailed(format!("the keychain answered OSStatus {code}")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_statuses_say_whether_to_retry_or_turn_off() {
        // cancel, wrong finger, locked device: this time only, ask the passphrase
        for code in [-128, -25293, -25308, -1] {
            assert!(matches!(keychain_error(code), AppError::BiometricFailed(_)), "{code}");
        }
        // the biometric-bound item is gone (enrolment or passcode changed), or cannot exist: turn approval off
        for code in [ERR_SEC_ITEM_NOT_FOUND, -34018] {
            assert!(matches!(keychain_error(code), AppError::BiometricUnavailable(_)), "{code}");
        }
    }

    #[test]
    fn android_cipher_errors_say_whether_to_retry_or_turn_off() {
        // messages of tauri-plugin-biometric 2.5's BiometricPlugin.kt / BiometricActivity.kt
        for gone in [
            "Failed to initialize the cipher: Key permanently invalidated",
            "[] Failed to initialize the cipher: KeyPermanentlyInvalidatedException",
            "Failed to decrypt the data: AEADBadTagException",
        ] {
            assert!(matches!(android_cipher_error(gone), AppError::BiometricUnavailable(_)), "{gone}");
        }
        for retry in ["[userCancel] Cancel button was pressed", "[systemCancel] The system canceled authentication"] {
            assert!(matches!(android_cipher_error(retry), AppError::BiometricFailed(_)), "{retry}");
        }
    }

    #[test]
    fn released_keys_are_checked() {
        let key = [7u8; 32];
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        assert_eq!(*decode_key(&b64).unwrap(), key);
        assert_eq!(*decode_key(&format!(" {b64}\n")).unwrap(), key);
        assert!(matches!(decode_key("not base64!"), Err(AppError::BiometricFailed(_))));
        assert!(matches!(decode_key(&b64[..20]), Err(AppError::BiometricFailed(_))));
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);
        assert!(matches!(decode_key(&short), Err(AppError::BiometricFailed(_))));
    }
}
