//! Where the app keeps each identity's secrets (gateway credential and journal key): the platform keychain when
//! there is one, else a file only the user can read — and the app says which.

use std::path::PathBuf;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{AppError, AppResult};

/// Which kind of storage holds the secrets.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SecretStorageKind {
    /// The platform keychain (Secret Service, Keychain, Android Keystore, Credential Manager).
    Keychain,
    /// A file readable only by the user, in the app's data folder.
    File,
}

/// One identity's secrets, by identity uid.
pub trait SecretStore: Send + Sync {
    /// Which storage this is.
    fn kind(&self) -> SecretStorageKind;
    /// Stores (or replaces) the secrets of an identity.
    fn put(&self, identity: &uuid::Uuid, secret: &str) -> AppResult<()>;
    /// Reads them.
    fn get(&self, identity: &uuid::Uuid) -> AppResult<Zeroizing<String>>;
    /// Forgets them (no error if absent).
    fn delete(&self, identity: &uuid::Uuid) -> AppResult<()>;
}

/// Service name of the keychain entries.
pub const SERVICE: &str = "org.flightbox.guardian";

/// The platform keychain through `keyring-core`.
pub struct KeychainStore;

impl KeychainStore {
    /// Sets up the platform's store and checks that it works (write, read, delete a probe entry).
    pub fn open() -> Result<Self, String> {
        keyring_core::set_default_store(platform_store().map_err(|e| e.to_string())?);
        let probe = keyring_core::Entry::new(SERVICE, "probe").map_err(|e| e.to_string())?;
        probe.set_password("probe").map_err(|e| e.to_string())?;
        let back = probe.get_password().map_err(|e| e.to_string())?;
        let _ = probe.delete_credential();
        if back != "probe" {
            return Err("the keychain gave back another value".into());
        }
        Ok(KeychainStore)
    }

    fn entry(identity: &uuid::Uuid) -> AppResult<keyring_core::Entry> {
        keyring_core::Entry::new(SERVICE, &identity.hyphenated().to_string())
            .map_err(|e| AppError::Keychain(e.to_string()))
    }
}

impl SecretStore for KeychainStore {
    fn kind(&self) -> SecretStorageKind {
        SecretStorageKind::Keychain
    }
    fn put(&self, identity: &uuid::Uuid, secret: &str) -> AppResult<()> {
        Self::entry(identity)?.set_password(secret).map_err(|e| AppError::Keychain(e.to_string()))
    }
    fn get(&self, identity: &uuid::Uuid) -> AppResult<Zeroizing<String>> {
        Self::entry(identity)?.get_password().map(Zeroizing::new).map_err(|e| match e {
            keyring_core::Error::NoEntry => {
                AppError::NotFound(format!("the secrets of identity {identity} are not in the keychain"))
            }
            e => AppError::Keychain(e.to_string()),
        })
    }
    fn delete(&self, identity: &uuid::Uuid) -> AppResult<()> {
        match Self::entry(identity)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(AppError::Keychain(e.to_string())),
        }
    }
}

/// The platform's keychain, as a `keyring-core` store.
fn platform_store() -> keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>> {
    // Linux desktops: the Secret Service (GNOME Keyring, KWallet) over D-Bus.
    #[cfg(all(target_os = "linux", not(target_os = "android")))]
    let store = zbus_secret_service_keyring_store::Store::new();
    // The Android Keystore (an AES key that never leaves it) encrypting SharedPreferences entries; the JNI context
    // comes from the one Tauri's runtime registers.
    #[cfg(target_os = "android")]
    let store = android_native_keyring_store::Store::new();
    // iOS: the data-protection keychain, in the app's own access group (the entitlement comes with the
    // provisioning profile); items are readable while the device is unlocked.
    #[cfg(target_os = "ios")]
    let store = apple_native_keyring_store::protected::Store::new();
    // macOS: the user's login keychain (works for apps that are not provisioned too).
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new();
    // Windows: the Credential Manager (generic credentials of the user).
    #[cfg(windows)]
    let store = windows_native_keyring_store::Store::new();
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "ios", target_os = "macos", windows)))]
    let store: keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>> =
        Err(keyring_core::Error::NotSupportedByStore("no keychain support built for this platform".into()));
    Ok(store?)
}

/// Files `<dir>/<uid>.secret`, mode 0600, written atomically.
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// Opens (and creates, 0700) the folder.
    pub fn open(dir: PathBuf) -> AppResult<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
        }
        Ok(FileStore { dir })
    }

    fn path(&self, identity: &uuid::Uuid) -> PathBuf {
        self.dir.join(format!("{}.secret", identity.hyphenated()))
    }
}

impl SecretStore for FileStore {
    fn kind(&self) -> SecretStorageKind {
        SecretStorageKind::File
    }
    fn put(&self, identity: &uuid::Uuid, secret: &str) -> AppResult<()> {
        crate::state::write_private(&self.path(identity), secret.as_bytes())
    }
    fn get(&self, identity: &uuid::Uuid) -> AppResult<Zeroizing<String>> {
        let p = self.path(identity);
        std::fs::read_to_string(&p).map(Zeroizing::new).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                AppError::NotFound(format!("the secrets of identity {identity} are missing ({})", p.display()))
            }
            _ => AppError::Internal(format!("{}: {e}", p.display())),
        })
    }
    fn delete(&self, identity: &uuid::Uuid) -> AppResult<()> {
        match std::fs::remove_file(self.path(identity)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AppError::Internal(e.to_string())),
            _ => Ok(()),
        }
    }
}

/// The keychain when it works, unless `FLIGHTBOX_SECRET_STORE=file`; else the file store, with the reason.
pub fn open_best(data_dir: &std::path::Path) -> AppResult<(Box<dyn SecretStore>, Option<String>)> {
    let forced_file = std::env::var("FLIGHTBOX_SECRET_STORE").is_ok_and(|v| v == "file");
    let why = if forced_file {
        "FLIGHTBOX_SECRET_STORE=file".to_string()
    } else {
        match KeychainStore::open() {
            Ok(k) => return Ok((Box::new(k), None)),
            Err(e) => e,
        }
    };
    Ok((Box::new(FileStore::open(data_dir.join("secrets"))?), Some(why)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn SecretStore) {
        let uid = uuid::Uuid::new_v4();
        assert!(matches!(store.get(&uid), Err(AppError::NotFound(_))));
        store.put(&uid, "s3cret").unwrap();
        assert_eq!(&*store.get(&uid).unwrap(), "s3cret");
        store.put(&uid, "other").unwrap();
        assert_eq!(&*store.get(&uid).unwrap(), "other");
        store.delete(&uid).unwrap();
        store.delete(&uid).unwrap();
        assert!(matches!(store.get(&uid), Err(AppError::NotFound(_))));
    }

    #[test]
    fn file_store() {
        let tmp = tempfile::tempdir().unwrap();
        let store = FileStore::open(tmp.path().join("secrets")).unwrap();
        exercise(&store);
        let uid = uuid::Uuid::new_v4();
        store.put(&uid, "x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path(&uid)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    /// Runs where a Secret Service answers: `.ci/run` starts gnome-keyring in a private D-Bus session and sets
    /// FLIGHTBOX_REQUIRE_KEYCHAIN, so that it must. Elsewhere (plain `cargo test`) it says so and passes, the
    /// app then using the file store, tested above.
    #[test]
    fn keychain_store_when_available() {
        match KeychainStore::open() {
            Ok(k) => exercise(&k),
            Err(e) if std::env::var("FLIGHTBOX_REQUIRE_KEYCHAIN").is_ok() => panic!("keychain required: {e}"),
            Err(e) => eprintln!("no keychain here ({e}): the file store is used instead"),
        }
    }
}
