//! Keystores on disk, laid out exactly as wacryptolib does.
//!
//! A keystore is a folder of `<keychain_uid>_<KEY_ALGO>_public_key.pem` and
//! `<keychain_uid>_<KEY_ALGO>_private_key.pem` files, with an optional `keystore_metadata.json`
//! (legacy name `.keystore.json`). An authenticator (guardian identity) is such a folder with
//! `keystore_type` "authenticator" and passphrase-protected private keys. A keystore pool holds
//! `local_keyfactory/` and `foreign_keystores/keystore_<uid>/`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ejson::{DateTimeMs, Uid};
use crate::error::{Error, Result};
use crate::fsutil::{read_limited, write_atomic};
use crate::keys::{KeyAlgo, KeygenOptions, PrivateKey, PublicKey};

/// Name of the metadata file.
pub const METADATA_FILENAME: &str = "keystore_metadata.json";
/// Legacy name of the metadata file.
pub const LEGACY_METADATA_FILENAME: &str = ".keystore.json";
/// Format marker of keystores.
pub const KEYSTORE_FORMAT: &str = "keystore_1.0";
const PUBLIC_SUFFIX: &str = "_public_key.pem";
const PRIVATE_SUFFIX: &str = "_private_key.pem";

/// Kind of keystore.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeystoreType {
    /// A guardian identity.
    #[serde(rename = "authenticator")]
    Authenticator,
    /// A key factory.
    #[serde(rename = "keyfactory")]
    Keyfactory,
}

/// Content of `keystore_metadata.json`. `Debug` hides the gateway secret.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeystoreMetadata {
    /// Kind.
    pub keystore_type: KeystoreType,
    /// Always `keystore_1.0`.
    pub keystore_format: String,
    /// Uid of the keystore (and of the authenticator).
    pub keystore_uid: Uid,
    /// Owner name.
    pub keystore_owner: String,
    /// Creation date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore_creation_datetime: Option<DateTimeMs>,
    /// Gateway credential (86 URL-safe characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore_secret: Option<String>,
    /// Passphrase hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystore_passphrase_hint: Option<String>,
}

impl std::fmt::Debug for KeystoreMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoreMetadata")
            .field("keystore_type", &self.keystore_type)
            .field("keystore_uid", &self.keystore_uid)
            .field("keystore_owner", &self.keystore_owner)
            .field("keystore_creation_datetime", &self.keystore_creation_datetime)
            .field("keystore_secret", &self.keystore_secret.as_ref().map(|_| "<redacted>"))
            .field("keystore_passphrase_hint", &self.keystore_passphrase_hint)
            .finish()
    }
}

impl KeystoreMetadata {
    /// Checks the rules of wacryptolib's metadata schema.
    pub fn validate(&self) -> Result<()> {
        const W: &str = "keystore metadata";
        if self.keystore_format != KEYSTORE_FORMAT {
            return Err(Error::validation(W, "keystore_format", format!("unknown format {:?}", self.keystore_format)));
        }
        if self.keystore_owner.is_empty() {
            return Err(Error::validation(W, "keystore_owner", "must not be empty"));
        }
        if self.keystore_passphrase_hint.as_deref() == Some("") {
            return Err(Error::validation(W, "keystore_passphrase_hint", "must not be empty"));
        }
        Ok(())
    }
}

/// A keypair present in a keystore.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeypairIdentifier {
    /// Keychain uid.
    pub keychain_uid: uuid::Uuid,
    /// Algorithm.
    pub key_algo: KeyAlgo,
    /// Whether the private key file exists.
    pub private_key_present: bool,
}

/// A keystore folder.
#[derive(Clone, Debug)]
pub struct FilesystemKeystore {
    dir: PathBuf,
}

fn uid_str(u: &uuid::Uuid) -> String {
    u.hyphenated().to_string()
}

impl FilesystemKeystore {
    /// Opens an existing folder.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(Error::KeystoreNotFound(dir.display().to_string()));
        }
        Ok(FilesystemKeystore { dir })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_path(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo, public: bool) -> PathBuf {
        let suffix = if public { PUBLIC_SUFFIX } else { PRIVATE_SUFFIX };
        self.dir.join(format!("{}_{}{}", uid_str(keychain_uid), algo, suffix))
    }

    /// Reads the metadata file (or its legacy name).
    pub fn metadata(&self) -> Result<KeystoreMetadata> {
        let mut path = self.dir.join(METADATA_FILENAME);
        if !path.exists() {
            path = self.dir.join(LEGACY_METADATA_FILENAME);
            if !path.exists() {
                return Err(Error::KeystoreNotFound(format!("{} (no {METADATA_FILENAME})", self.dir.display())));
            }
        }
        let bytes = read_limited(&path, 1 << 20)?;
        let m: KeystoreMetadata = crate::ejson::from_slice(&bytes)?;
        m.validate()?;
        Ok(m)
    }

    /// Writes the metadata file atomically.
    pub fn set_metadata(&self, metadata: &KeystoreMetadata) -> Result<()> {
        metadata.validate()?;
        write_atomic(&self.dir.join(METADATA_FILENAME), &crate::ejson::to_vec(metadata)?, true)
    }

    /// PEM bytes of a public key.
    pub fn public_key_pem(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo) -> Result<Vec<u8>> {
        let p = self.key_path(keychain_uid, algo, true);
        if !p.is_file() {
            return Err(Error::KeyNotFound(format!("{algo}/{}", uid_str(keychain_uid))));
        }
        read_limited(&p, crate::keys::MAX_PEM_BYTES as u64)
    }

    /// PEM bytes of a private key.
    pub fn private_key_pem(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let p = self.key_path(keychain_uid, algo, false);
        if !p.is_file() {
            return Err(Error::KeyNotFound(format!("private {algo}/{}", uid_str(keychain_uid))));
        }
        read_limited(&p, crate::keys::MAX_PEM_BYTES as u64).map(zeroize::Zeroizing::new)
    }

    /// Whether a public key exists.
    pub fn has_public_key(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo) -> bool {
        self.key_path(keychain_uid, algo, true).is_file()
    }

    /// Loads and decrypts a private key, trying no passphrase then each given one (as wacryptolib).
    pub fn private_key(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo, passphrases: &[&str]) -> Result<PrivateKey> {
        let pem = self.private_key_pem(keychain_uid, algo)?;
        let name = format!("{algo}/{}", uid_str(keychain_uid));
        match PrivateKey::from_pem(&pem, algo, None, &name) {
            Err(Error::WrongPassphrase(_)) => {}
            other => return other,
        }
        for p in passphrases {
            match PrivateKey::from_pem(&pem, algo, Some(p), &name) {
                Err(Error::WrongPassphrase(_)) => continue,
                other => return other,
            }
        }
        Err(Error::WrongPassphrase(name))
    }

    /// Stores a public key; fails if one exists.
    pub fn set_public_key(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo, pem: &[u8]) -> Result<()> {
        if self.has_public_key(keychain_uid, algo) {
            return Err(Error::KeyExists(format!("{algo}/{}", uid_str(keychain_uid))));
        }
        write_atomic(&self.key_path(keychain_uid, algo, true), pem, false)
    }

    /// Stores a private key (whose public key must exist); fails if one exists.
    pub fn set_private_key(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo, pem: &[u8]) -> Result<()> {
        let p = self.key_path(keychain_uid, algo, false);
        if p.exists() {
            return Err(Error::KeyExists(format!("private {algo}/{}", uid_str(keychain_uid))));
        }
        if !self.has_public_key(keychain_uid, algo) {
            return Err(Error::KeyNotFound(format!(
                "public {algo}/{} (needed before its private key)",
                uid_str(keychain_uid)
            )));
        }
        write_atomic(&p, pem, true)
    }

    /// Stores a keypair; fails if it exists.
    pub fn set_keypair(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        public_pem: &[u8],
        private_pem: &[u8],
    ) -> Result<()> {
        self.set_public_key(keychain_uid, algo, public_pem)?;
        self.set_private_key(keychain_uid, algo, private_pem)
    }

    /// Generates and stores a keypair, its private key protected by `passphrase` when given.
    pub fn generate_keypair(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        opts: KeygenOptions,
        passphrase: Option<&str>,
    ) -> Result<PublicKey> {
        let private = crate::keys::generate(algo, opts)?;
        let public = private.public_key();
        self.set_keypair(keychain_uid, algo, &public.to_pem()?, &private.to_pem(passphrase)?)?;
        Ok(public)
    }

    /// Lists keypairs by their public key files (abnormal names are skipped, as wacryptolib does).
    pub fn list_keypairs(&self) -> Result<Vec<KeypairIdentifier>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(Error::io("listing", &self.dir))? {
            let entry = entry.map_err(Error::io("listing", &self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(PUBLIC_SUFFIX) else {
                continue;
            };
            // The uid is hyphenated hex; the algo may itself contain underscores.
            let Some((uid, algo)) = stem.split_once('_') else {
                continue;
            };
            let (Ok(uid), Ok(algo)) = (uuid::Uuid::parse_str(uid), algo.parse::<KeyAlgo>()) else {
                continue;
            };
            let private_key_present = self.key_path(&uid, algo, false).is_file();
            out.push(KeypairIdentifier { keychain_uid: uid, key_algo: algo, private_key_present });
        }
        out.sort();
        Ok(out)
    }
}

/// A new random uid.
pub fn new_uid() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

/// A new gateway secret: 64 random bytes as 86 URL-safe characters (Python's `token_urlsafe(64)`).
pub fn new_keystore_secret() -> String {
    use base64::Engine as _;
    let mut b = zeroize::Zeroizing::new([0u8; 64]);
    crate::primitives::random_bytes(&mut b[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b[..])
}

/// Parameters of a new authenticator.
#[derive(Clone, Debug)]
pub struct NewAuthenticator<'a> {
    /// Owner name.
    pub owner: &'a str,
    /// Passphrase hint (must not contain the passphrase).
    pub passphrase_hint: &'a str,
    /// Number of RSA_OAEP keypairs (wacryptolib and the reference app: 3).
    pub keypair_count: usize,
    /// RSA size.
    pub key_bits: usize,
}

/// Creates an authenticator folder as wacryptolib's `create_authenticator` does: the folder (its parent
/// must exist), the metadata first, then `keypair_count` RSA_OAEP keypairs protected by the passphrase.
/// `progress(i, n)` is called after each keypair.
pub fn create_authenticator(
    dir: &Path,
    params: &NewAuthenticator<'_>,
    passphrase: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<KeystoreMetadata> {
    if params.owner.trim().is_empty() {
        return Err(Error::validation("authenticator", "keystore_owner", "the owner name must not be empty"));
    }
    if params.passphrase_hint.trim().is_empty() {
        return Err(Error::validation(
            "authenticator",
            "keystore_passphrase_hint",
            "the passphrase hint must not be empty",
        ));
    }
    if !passphrase.trim().is_empty() && params.passphrase_hint.contains(passphrase.trim()) {
        return Err(Error::validation(
            "authenticator",
            "keystore_passphrase_hint",
            "the hint must not contain the passphrase",
        ));
    }
    if params.keypair_count == 0 || params.keypair_count > 100 {
        return Err(Error::validation("authenticator", "keypair_count", "must be between 1 and 100"));
    }
    if dir.join(METADATA_FILENAME).exists() || dir.join(LEGACY_METADATA_FILENAME).exists() {
        return Err(Error::KeystoreExists(dir.display().to_string()));
    }
    if dir.exists() && std::fs::read_dir(dir).map_err(Error::io("listing", dir))?.next().is_some() {
        return Err(Error::KeystoreExists(format!("{} (folder not empty)", dir.display())));
    }
    if !dir.exists() {
        std::fs::create_dir(dir).map_err(Error::io("creating", dir))?;
    }
    let metadata = KeystoreMetadata {
        keystore_type: KeystoreType::Authenticator,
        keystore_format: KEYSTORE_FORMAT.into(),
        keystore_uid: Uid(new_uid()),
        keystore_owner: params.owner.to_string(),
        keystore_creation_datetime: Some(DateTimeMs::now()),
        keystore_secret: Some(new_keystore_secret()),
        keystore_passphrase_hint: Some(params.passphrase_hint.to_string()),
    };
    let ks = FilesystemKeystore::open(dir)?;
    ks.set_metadata(&metadata)?;
    let opts = KeygenOptions { bits: params.key_bits, ..Default::default() };
    for i in 0..params.keypair_count {
        ks.generate_keypair(&new_uid(), KeyAlgo::RsaOaep, opts, Some(passphrase))?;
        progress(i + 1, params.keypair_count);
    }
    Ok(metadata)
}

/// Outcome of checking a passphrase against an authenticator's keys.
#[derive(Serialize, Clone, Debug, Default)]
pub struct PassphraseCheck {
    /// Keys the passphrase opens.
    pub valid: Vec<KeypairIdentifier>,
    /// Keys whose private half is missing.
    pub missing_private_keys: Vec<KeypairIdentifier>,
    /// Keys the passphrase does not open (or that are undecodable), with the reason.
    pub undecodable: Vec<(KeypairIdentifier, String)>,
}

impl PassphraseCheck {
    /// Whether every key is present and opens.
    pub fn is_ok(&self) -> bool {
        self.missing_private_keys.is_empty() && self.undecodable.is_empty() && !self.valid.is_empty()
    }
}

/// Checks a passphrase against every private key of a keystore.
pub fn check_passphrase(ks: &FilesystemKeystore, passphrase: &str) -> Result<PassphraseCheck> {
    let mut check = PassphraseCheck::default();
    for kp in ks.list_keypairs()? {
        if !kp.private_key_present {
            check.missing_private_keys.push(kp);
            continue;
        }
        let pem = ks.private_key_pem(&kp.keychain_uid, kp.key_algo)?;
        let name = format!("{}/{}", kp.key_algo, kp.keychain_uid);
        match PrivateKey::from_pem(&pem, kp.key_algo, Some(passphrase), &name) {
            Ok(_) => check.valid.push(kp),
            Err(e) => check.undecodable.push((kp, e.to_string())),
        }
    }
    Ok(check)
}

/// The requestor's keystore pool.
#[derive(Clone, Debug)]
pub struct KeystorePool {
    root: PathBuf,
}

/// Folder of the local key factory inside a pool.
pub const LOCAL_KEYFACTORY_DIRNAME: &str = "local_keyfactory";
/// Folder of imported keystores inside a pool.
pub const FOREIGN_KEYSTORES_DIRNAME: &str = "foreign_keystores";
/// Prefix of each imported keystore folder.
pub const FOREIGN_KEYSTORE_PREFIX: &str = "keystore_";

impl KeystorePool {
    /// Opens (and creates) a pool folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(Error::io("creating", &root))?;
        Ok(KeystorePool { root })
    }

    /// The pool folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The local key factory (created on first use).
    pub fn local_keyfactory(&self) -> Result<FilesystemKeystore> {
        let dir = self.root.join(LOCAL_KEYFACTORY_DIRNAME);
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        FilesystemKeystore::open(dir)
    }

    fn foreign_dir(&self, keystore_uid: &uuid::Uuid) -> PathBuf {
        self.root.join(FOREIGN_KEYSTORES_DIRNAME).join(format!("{FOREIGN_KEYSTORE_PREFIX}{}", uid_str(keystore_uid)))
    }

    /// An imported keystore.
    pub fn foreign_keystore(&self, keystore_uid: &uuid::Uuid) -> Result<FilesystemKeystore> {
        let dir = self.foreign_dir(keystore_uid);
        if !dir.is_dir() {
            return Err(Error::KeystoreNotFound(uid_str(keystore_uid)));
        }
        FilesystemKeystore::open(dir)
    }

    /// Uids of imported keystores, sorted.
    pub fn foreign_keystore_uids(&self) -> Result<Vec<uuid::Uuid>> {
        let dir = self.root.join(FOREIGN_KEYSTORES_DIRNAME);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(Error::io("listing", &dir))? {
            let name = entry.map_err(Error::io("listing", &dir))?.file_name().to_string_lossy().into_owned();
            if let Some(u) = name.strip_prefix(FOREIGN_KEYSTORE_PREFIX).and_then(|u| uuid::Uuid::parse_str(u).ok()) {
                out.push(u);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Imports an authenticator folder: metadata (without its gateway secret), public keys, and private keys
    /// when asked. Existing keystores are completed with missing keys. Returns the metadata and whether the
    /// keystore already existed.
    pub fn import_authenticator(&self, src: &Path, include_private_keys: bool) -> Result<(KeystoreMetadata, bool)> {
        let source = FilesystemKeystore::open(src)?;
        let mut metadata = source.metadata()?;
        let keypairs = source.list_keypairs()?;
        if keypairs.is_empty() {
            return Err(Error::KeyNotFound(format!("no keypair in {}", src.display())));
        }
        let (target, existed) = self.foreign_keystore_for_import(&metadata)?;
        metadata.keystore_secret = None;
        for kp in keypairs {
            if !target.has_public_key(&kp.keychain_uid, kp.key_algo) {
                target.set_public_key(
                    &kp.keychain_uid,
                    kp.key_algo,
                    &source.public_key_pem(&kp.keychain_uid, kp.key_algo)?,
                )?;
            }
            if include_private_keys && kp.private_key_present {
                let pem = source.private_key_pem(&kp.keychain_uid, kp.key_algo)?;
                match target.set_private_key(&kp.keychain_uid, kp.key_algo, &pem) {
                    Ok(()) | Err(Error::KeyExists(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok((metadata, existed))
    }

    /// Imports an identity from its metadata and public keys (e.g. fetched from a gateway); an existing
    /// keystore of that uid is completed with missing keys.
    pub fn import_public_keys(
        &self,
        metadata: &KeystoreMetadata,
        keys: &[(uuid::Uuid, KeyAlgo, Vec<u8>)],
    ) -> Result<bool> {
        let (target, existed) = self.foreign_keystore_for_import(metadata)?;
        for (keychain_uid, algo, pem) in keys {
            if !target.has_public_key(keychain_uid, *algo) {
                target.set_public_key(keychain_uid, *algo, pem)?;
            }
        }
        Ok(existed)
    }

    /// The imported keystore of this identity, created (metadata without the gateway secret) when missing.
    /// Returns it and whether it existed. A new one is built in a temporary folder then renamed, so that
    /// a crash leaves no half-imported keystore.
    fn foreign_keystore_for_import(&self, metadata: &KeystoreMetadata) -> Result<(FilesystemKeystore, bool)> {
        let uid = metadata.keystore_uid.0;
        let dir = self.foreign_dir(&uid);
        let existed = dir.is_dir();
        if existed {
            let current = FilesystemKeystore::open(&dir)?.metadata()?;
            if current.keystore_uid != metadata.keystore_uid {
                return Err(Error::validation("keystore", "keystore_uid", "imported keystore uid mismatch"));
            }
        } else {
            let parent = self.root.join(FOREIGN_KEYSTORES_DIRNAME);
            std::fs::create_dir_all(&parent).map_err(Error::io("creating", &parent))?;
            let tmp = parent.join(format!(".import_{}", uid_str(&uid)));
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir(&tmp).map_err(Error::io("creating", &tmp))?;
            let mut m = metadata.clone();
            m.keystore_secret = None;
            FilesystemKeystore::open(&tmp)?.set_metadata(&m)?;
            std::fs::rename(&tmp, &dir).map_err(Error::io("renaming", &tmp))?;
        }
        Ok((FilesystemKeystore::open(&dir)?, existed))
    }

    /// Deletes an imported keystore.
    pub fn delete_foreign_keystore(&self, keystore_uid: &uuid::Uuid) -> Result<()> {
        let dir = self.foreign_dir(keystore_uid);
        if !dir.is_dir() {
            return Err(Error::KeystoreNotFound(uid_str(keystore_uid)));
        }
        std::fs::remove_dir_all(&dir).map_err(Error::io("deleting", &dir))
    }
}
