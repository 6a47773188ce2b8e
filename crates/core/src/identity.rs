//! Guardian identities kept by the authenticator app: wacryptolib authenticators whose private keys rest in
//! passphrase envelopes (Argon2id + AES-256-GCM, see [`crate::envelope`]) instead of 1000-iteration PBKDF2 PEM
//! files, and whose secrets (the gateway credential, the journal signing key) are handed to the caller to keep
//! in the platform's keychain.
//!
//! On disk, `<store>/<keystore_uid>/` holds `keystore_metadata.json` (without `keystore_secret`), the public keys
//! as `<keychain_uid>_<ALGO>_public_key.pem` (wacryptolib's names), one `<keychain_uid>_<ALGO>_private_key.envelope`
//! per private key, `journal_public_key.pem` and `journal.jsonl` (see [`crate::journal`]). Every write is atomic
//! (temporary file then rename) and every change happens under an exclusive lock of `<store>/.lock`, so that a
//! crash or a second app instance never leaves a half-written identity.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::ejson::{DateTimeMs, Uid};
use crate::envelope::{private_key_context, Envelope, KdfCost};
use crate::error::{Error, Result};
use crate::fsutil::{read_limited, write_atomic};
use crate::gateway::guardian::GuardianKeys;
use crate::keys::{KeyAlgo, KeygenOptions, PemProtection, PrivateKey, PublicKey};
use crate::keystore::{
    self, FilesystemKeystore, KeypairIdentifier, KeystoreMetadata, KeystoreType, NewAuthenticator, PassphraseCheck,
    KEYSTORE_FORMAT, METADATA_FILENAME,
};

const ENVELOPE_SUFFIX: &str = "_private_key.envelope";
const QUICK_ENVELOPE_SUFFIX: &str = "_private_key.quick-envelope";
/// File saying how the unlock key of quick (biometric) approval is kept, in an identity folder.
pub const QUICK_UNLOCK_FILENAME: &str = "quick_unlock.json";
/// File of the journal's Ed25519 public key in an identity folder.
pub const JOURNAL_PUBLIC_KEY_FILENAME: &str = "journal_public_key.pem";
const LOCK_FILENAME: &str = ".lock";
/// Largest authenticator zip accepted on import.
pub const MAX_IMPORT_ZIP_BYTES: u64 = 16 << 20;
const MAX_IMPORT_ENTRIES: usize = 1000;
const MAX_IMPORT_ENTRY_BYTES: u64 = 1 << 20;

/// The secrets of an identity that do not belong in its folder: the app keeps them in the platform keychain.
/// `Debug` shows nothing; dropped, they are wiped.
#[derive(Serialize, Deserialize, Clone, Zeroize, zeroize::ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
pub struct IdentitySecrets {
    /// Gateway credential (`keystore_secret`).
    pub keystore_secret: String,
    /// Ed25519 seed signing the decision journal.
    pub journal_signing_key: [u8; 32],
}

impl std::fmt::Debug for IdentitySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentitySecrets(<redacted>)")
    }
}

impl IdentitySecrets {
    fn new(keystore_secret: String) -> Self {
        let mut journal_signing_key = [0u8; 32];
        crate::primitives::random_bytes(&mut journal_signing_key);
        IdentitySecrets { keystore_secret, journal_signing_key }
    }

    /// Serialized form (JSON) for a keychain entry.
    pub fn to_json(&self) -> Zeroizing<String> {
        Zeroizing::new(serde_json::to_string(self).expect("a struct of a string and bytes serializes"))
    }

    /// Parses what [`IdentitySecrets::to_json`] produced.
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::Json { path: ".".into(), message: format!("identity secrets: {e}") })
    }

    /// The journal's signing key.
    pub fn journal_key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&self.journal_signing_key)
    }
}

/// A keypair of an identity.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct IdentityKey {
    /// Keychain uid.
    pub keychain_uid: uuid::Uuid,
    /// Algorithm.
    pub key_algo: KeyAlgo,
    /// Whether its private key (envelope) is here.
    pub private_key_present: bool,
}

/// A folder of identities, usually in the app's data folder.
#[derive(Clone, Debug)]
pub struct IdentityStore {
    root: PathBuf,
}

/// Held while the store changes; other processes wait for it.
#[derive(Debug)]
pub struct StoreLock(std::fs::File);

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl IdentityStore {
    /// Opens (and creates) the store folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(Error::io("creating", &root))?;
        Ok(IdentityStore { root })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the store's exclusive lock (blocking until another process releases it).
    pub fn lock(&self) -> Result<StoreLock> {
        let path = self.root.join(LOCK_FILENAME);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io("opening", &path))?;
        f.lock().map_err(Error::io("locking", &path))?;
        Ok(StoreLock(f))
    }

    /// Every identity, oldest first. Folders that are not identities (temporary ones) are skipped.
    pub fn list(&self) -> Result<Vec<Identity>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.root).map_err(Error::io("listing", &self.root))? {
            let entry = entry.map_err(Error::io("listing", &self.root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(uid) = uuid::Uuid::parse_str(&name) else { continue };
            if let Ok(identity) = self.get(&uid) {
                out.push(identity);
            }
        }
        out.sort_by_key(|i| (i.metadata.keystore_creation_datetime, i.metadata.keystore_owner.clone()));
        Ok(out)
    }

    /// One identity.
    pub fn get(&self, keystore_uid: &uuid::Uuid) -> Result<Identity> {
        let dir = self.root.join(keystore_uid.hyphenated().to_string());
        let metadata = FilesystemKeystore::open(&dir)?.metadata()?;
        if metadata.keystore_uid.0 != *keystore_uid {
            return Err(Error::validation("identity", "keystore_uid", "does not match its folder name"));
        }
        Ok(Identity { dir, metadata })
    }

    /// Creates an identity like wacryptolib's `create_authenticator` (same metadata, `keypair_count` RSA_OAEP
    /// keypairs), its private keys sealed with the passphrase. `progress(i, n)` is called after each keypair.
    /// Returns the identity and the secrets the caller must keep.
    pub fn create(
        &self,
        params: &NewAuthenticator<'_>,
        passphrase: &str,
        cost: KdfCost,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<(Identity, IdentitySecrets)> {
        check_new_identity(params, passphrase)?;
        let metadata = KeystoreMetadata {
            keystore_type: KeystoreType::Authenticator,
            keystore_format: KEYSTORE_FORMAT.into(),
            keystore_uid: Uid(keystore::new_uid()),
            keystore_owner: params.owner.trim().to_string(),
            keystore_creation_datetime: Some(DateTimeMs::now()),
            keystore_secret: None,
            keystore_passphrase_hint: Some(params.passphrase_hint.trim().to_string()),
        };
        let secrets = IdentitySecrets::new(keystore::new_keystore_secret());
        let opts = KeygenOptions { bits: params.key_bits, ..Default::default() };
        let mut keys = Vec::with_capacity(params.keypair_count);
        for i in 0..params.keypair_count {
            keys.push((keystore::new_uid(), KeyAlgo::RsaOaep, crate::keys::generate(KeyAlgo::RsaOaep, opts)?));
            progress(i + 1, params.keypair_count);
        }
        let identity = self.install(&metadata, &keys, &secrets, passphrase, cost)?;
        Ok((identity, secrets))
    }

    /// Imports a wacryptolib authenticator (a folder, or a zip of one as the reference app exports), opening
    /// each private key with the passphrase and sealing it in an envelope. A wrong passphrase stores nothing.
    pub fn import(&self, src: &Path, passphrase: &str, cost: KdfCost) -> Result<(Identity, IdentitySecrets)> {
        let (dir, _tmp) = if src.is_dir() {
            (src.to_path_buf(), None)
        } else {
            let tmp = TempDir::new(&self.root, "import")?;
            let dir = extract_authenticator_zip(src, tmp.path())?;
            (dir, Some(tmp))
        };
        let ks = FilesystemKeystore::open(&dir)?;
        let mut metadata = ks.metadata()?;
        metadata.validate()?;
        if metadata.keystore_type != KeystoreType::Authenticator {
            return Err(Error::validation(
                "keystore metadata",
                "keystore_type",
                "this keystore is not an authenticator",
            ));
        }
        let secrets =
            IdentitySecrets::new(metadata.keystore_secret.take().unwrap_or_else(keystore::new_keystore_secret));
        let mut keys = Vec::new();
        for kp in ks.list_keypairs()? {
            if !kp.private_key_present {
                return Err(Error::KeyNotFound(format!(
                    "private {}/{} (a backup must hold every private key)",
                    kp.key_algo, kp.keychain_uid
                )));
            }
            keys.push((kp.keychain_uid, kp.key_algo, ks.private_key(&kp.keychain_uid, kp.key_algo, &[passphrase])?));
        }
        if keys.is_empty() {
            return Err(Error::KeyNotFound(format!("no keypair in {}", src.display())));
        }
        let identity = self.install(&metadata, &keys, &secrets, passphrase, cost)?;
        Ok((identity, secrets))
    }

    /// Writes a complete identity into a temporary folder, then renames it into place under the lock.
    fn install(
        &self,
        metadata: &KeystoreMetadata,
        keys: &[(uuid::Uuid, KeyAlgo, PrivateKey)],
        secrets: &IdentitySecrets,
        passphrase: &str,
        cost: KdfCost,
    ) -> Result<Identity> {
        let uid = metadata.keystore_uid.0;
        let tmp = TempDir::new(&self.root, "new")?;
        let ks = FilesystemKeystore::open(tmp.path())?;
        let mut stored = metadata.clone();
        stored.keystore_secret = None;
        ks.set_metadata(&stored)?;
        for (keychain_uid, algo, private) in keys {
            ks.set_public_key(keychain_uid, *algo, &private.public_key().to_pem()?)?;
            let pem = private.to_pem(None)?;
            let envelope =
                Envelope::seal(&pem, passphrase, &private_key_context(&uid, keychain_uid, algo.as_str()), cost)?;
            write_atomic(&envelope_path(tmp.path(), keychain_uid, *algo), &envelope.to_json()?, true)?;
        }
        let journal_public = secrets.journal_key().verifying_key();
        write_atomic(
            &tmp.path().join(JOURNAL_PUBLIC_KEY_FILENAME),
            &PublicKey::Ed25519(journal_public).to_pem()?,
            false,
        )?;
        let _lock = self.lock()?;
        let dest = self.root.join(uid.hyphenated().to_string());
        if dest.exists() {
            return Err(Error::KeystoreExists(format!(
                "identity {uid} ({}) is already on this device",
                metadata.keystore_owner
            )));
        }
        std::fs::rename(tmp.path(), &dest).map_err(Error::io("renaming into", &dest))?;
        tmp.forget();
        self.get(&uid)
    }

    /// Deletes an identity folder (its keychain secrets are the caller's to delete).
    pub fn delete(&self, keystore_uid: &uuid::Uuid) -> Result<()> {
        let identity = self.get(keystore_uid)?;
        let _lock = self.lock()?;
        let trash = self.root.join(format!(".deleted-{}", keystore_uid.hyphenated()));
        std::fs::rename(&identity.dir, &trash).map_err(Error::io("removing", &identity.dir))?;
        std::fs::remove_dir_all(&trash).map_err(Error::io("removing", &trash))
    }
}

fn check_new_identity(params: &NewAuthenticator<'_>, passphrase: &str) -> Result<()> {
    const W: &str = "identity";
    if params.owner.trim().is_empty() {
        return Err(Error::validation(W, "keystore_owner", "the name must not be empty"));
    }
    if params.owner.chars().count() > 200 {
        return Err(Error::validation(W, "keystore_owner", "the name must have at most 200 characters"));
    }
    let pass = crate::keys::normalize_passphrase(passphrase);
    if pass.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::validation(
            W,
            "passphrase",
            format!("the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    if params.passphrase_hint.trim().is_empty() {
        return Err(Error::validation(W, "keystore_passphrase_hint", "the passphrase hint must not be empty"));
    }
    if params.passphrase_hint.to_lowercase().contains(&pass.to_lowercase()) {
        return Err(Error::validation(W, "keystore_passphrase_hint", "the hint must not contain the passphrase"));
    }
    if params.keypair_count == 0 || params.keypair_count > 10 {
        return Err(Error::validation(W, "keypair_count", "must be between 1 and 10"));
    }
    if ![2048, 3072, 4096].contains(&params.key_bits) {
        return Err(Error::validation(W, "key_bits", "must be 2048, 3072 or 4096"));
    }
    Ok(())
}

/// Shortest passphrase of a new identity (as the reference app).
pub const MIN_PASSPHRASE_CHARS: usize = 20;

fn envelope_path(dir: &Path, keychain_uid: &uuid::Uuid, algo: KeyAlgo) -> PathBuf {
    dir.join(format!("{}_{algo}{ENVELOPE_SUFFIX}", keychain_uid.hyphenated()))
}

fn quick_envelope_path(dir: &Path, keychain_uid: &uuid::Uuid, algo: KeyAlgo) -> PathBuf {
    dir.join(format!("{}_{algo}{QUICK_ENVELOPE_SUFFIX}", keychain_uid.hyphenated()))
}

/// How the unlock key of quick approval is kept by the platform (`method`) and its wrapped form, which only the
/// platform's biometric-protected keystore can unwrap. Not secret by itself.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct QuickUnlock {
    /// Platform mechanism (e.g. `android-biometric-cipher`).
    pub method: String,
    /// The unlock key as wrapped by that mechanism.
    pub wrapped_key: String,
}

/// An identity folder.
#[derive(Clone, Debug)]
pub struct Identity {
    dir: PathBuf,
    metadata: KeystoreMetadata,
}

impl Identity {
    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its uid.
    pub fn uid(&self) -> uuid::Uuid {
        self.metadata.keystore_uid.0
    }

    /// Its metadata (without the gateway secret).
    pub fn metadata(&self) -> &KeystoreMetadata {
        &self.metadata
    }

    /// The public half as a wacryptolib keystore folder.
    pub fn public_keystore(&self) -> FilesystemKeystore {
        FilesystemKeystore::open(&self.dir).expect("an identity's folder exists once listed")
    }

    /// Its keypairs, flagging missing private keys.
    pub fn keys(&self) -> Result<Vec<IdentityKey>> {
        Ok(self
            .public_keystore()
            .list_keypairs()?
            .into_iter()
            .map(|kp| IdentityKey {
                private_key_present: envelope_path(&self.dir, &kp.keychain_uid, kp.key_algo).is_file(),
                keychain_uid: kp.keychain_uid,
                key_algo: kp.key_algo,
            })
            .collect())
    }

    /// Opens one private key with the passphrase.
    pub fn private_key(&self, keychain_uid: &uuid::Uuid, algo: KeyAlgo, passphrase: &str) -> Result<PrivateKey> {
        let path = envelope_path(&self.dir, keychain_uid, algo);
        if !path.is_file() {
            return Err(Error::KeyNotFound(format!("private {algo}/{}", keychain_uid.hyphenated())));
        }
        let envelope = Envelope::from_json(&read_limited(&path, 1 << 20)?)?;
        let pem =
            envelope.open(passphrase, &private_key_context(&self.uid(), keychain_uid, algo.as_str())).map_err(|e| {
                match e {
                    Error::WrongPassphrase(_) => Error::WrongPassphrase(format!(
                        "of identity {:?} ({algo}/{})",
                        self.metadata.keystore_owner,
                        keychain_uid.hyphenated()
                    )),
                    e => e,
                }
            })?;
        PrivateKey::from_pem(&pem, algo, None, &format!("{algo}/{keychain_uid}"))
    }

    /// Checks the passphrase against every private key (the same report as for an authenticator folder).
    pub fn check_passphrase(&self, passphrase: &str) -> Result<PassphraseCheck> {
        let mut check = PassphraseCheck::default();
        for k in self.keys()? {
            let id = KeypairIdentifier {
                keychain_uid: k.keychain_uid,
                key_algo: k.key_algo,
                private_key_present: k.private_key_present,
            };
            if !k.private_key_present {
                check.missing_private_keys.push(id);
                continue;
            }
            match self.private_key(&k.keychain_uid, k.key_algo, passphrase) {
                Ok(_) => check.valid.push(id),
                Err(e) => check.undecodable.push((id, e.to_string())),
            }
        }
        Ok(check)
    }

    /// This identity with its secrets, for gateway operations (private keys opened with the passphrase given).
    pub fn with_secrets<'a>(&'a self, secrets: &'a IdentitySecrets) -> Guardian<'a> {
        Guardian { identity: self, secrets, unlock_key: None }
    }

    /// This identity with its secrets, private keys opened with the quick-approval unlock key.
    pub fn with_unlock_key<'a>(&'a self, secrets: &'a IdentitySecrets, key: &'a [u8; 32]) -> Guardian<'a> {
        Guardian { identity: self, secrets, unlock_key: Some(key) }
    }

    /// Enables quick (biometric) approval: opens every private key with the passphrase (a wrong one changes
    /// nothing), seals each again under a new random unlock key, and returns that key for the platform to wrap;
    /// then [`Identity::set_quick_unlock`] records the wrapped form. The caller holds the store's lock.
    pub fn enable_quick_unlock(&self, passphrase: &str) -> Result<Zeroizing<[u8; 32]>> {
        let mut opened = Vec::new();
        for k in self.keys()? {
            if k.private_key_present {
                opened.push((k.keychain_uid, k.key_algo, self.private_key(&k.keychain_uid, k.key_algo, passphrase)?));
            }
        }
        if opened.is_empty() {
            return Err(Error::KeyNotFound("no private key to approve with".into()));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        crate::primitives::random_bytes(&mut key[..]);
        for (keychain_uid, algo, private) in opened {
            let pem = private.to_pem(None)?;
            let ctx = private_key_context(&self.uid(), &keychain_uid, algo.as_str());
            let sealed = crate::envelope::KeyEnvelope::seal(&pem, &key, &ctx)?;
            write_atomic(&quick_envelope_path(&self.dir, &keychain_uid, algo), &sealed.to_json()?, true)?;
        }
        Ok(key)
    }

    /// Records how the unlock key is kept (after [`Identity::enable_quick_unlock`]).
    pub fn set_quick_unlock(&self, record: &QuickUnlock) -> Result<()> {
        let bytes =
            serde_json::to_vec_pretty(record).map_err(|e| Error::Json { path: ".".into(), message: e.to_string() })?;
        write_atomic(&self.dir.join(QUICK_UNLOCK_FILENAME), &bytes, true)
    }

    /// How quick approval is set up, if it is.
    pub fn quick_unlock(&self) -> Result<Option<QuickUnlock>> {
        let path = self.dir.join(QUICK_UNLOCK_FILENAME);
        if !path.exists() {
            return Ok(None);
        }
        serde_json::from_slice(&read_limited(&path, 64 * 1024)?)
            .map(Some)
            .map_err(|e| Error::Json { path: QUICK_UNLOCK_FILENAME.into(), message: e.to_string() })
    }

    /// Turns quick approval off: removes its record and every key sealed under the unlock key.
    pub fn disable_quick_unlock(&self) -> Result<()> {
        let record = self.dir.join(QUICK_UNLOCK_FILENAME);
        if record.exists() {
            std::fs::remove_file(&record).map_err(Error::io("removing", &record))?;
        }
        for k in self.keys()? {
            let p = quick_envelope_path(&self.dir, &k.keychain_uid, k.key_algo);
            if p.exists() {
                std::fs::remove_file(&p).map_err(Error::io("removing", &p))?;
            }
        }
        Ok(())
    }

    /// Opens one private key with the quick-approval unlock key.
    pub fn private_key_with_unlock_key(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        key: &[u8; 32],
    ) -> Result<PrivateKey> {
        let path = quick_envelope_path(&self.dir, keychain_uid, algo);
        if !path.is_file() {
            return Err(Error::KeyNotFound(format!("private {algo}/{} (quick approval)", keychain_uid.hyphenated())));
        }
        let sealed = crate::envelope::KeyEnvelope::from_json(&read_limited(&path, 1 << 20)?)?;
        let pem = sealed.open(key, &private_key_context(&self.uid(), keychain_uid, algo.as_str()))?;
        PrivateKey::from_pem(&pem, algo, None, &format!("{algo}/{keychain_uid}"))
    }

    /// The journal's public key.
    pub fn journal_public_key(&self) -> Result<ed25519_dalek::VerifyingKey> {
        let pem = read_limited(&self.dir.join(JOURNAL_PUBLIC_KEY_FILENAME), 4096)?;
        match PublicKey::from_pem(&pem, KeyAlgo::Ed25519)? {
            PublicKey::Ed25519(k) => Ok(k),
            _ => Err(Error::Key("the journal key is not an Ed25519 key".into())),
        }
    }

    /// Its decision journal.
    pub fn journal(&self) -> crate::journal::Journal {
        crate::journal::Journal::new(self.dir.join(crate::journal::JOURNAL_FILENAME))
    }

    /// Writes a wacryptolib authenticator folder (metadata with the gateway secret, public keys, private keys as
    /// PKCS#8 PEM protected by the same passphrase, with scrypt), readable by wacryptolib and the reference app.
    /// `dest` must not exist or be empty.
    pub fn export_authenticator(&self, dest: &Path, passphrase: &str, secrets: &IdentitySecrets) -> Result<()> {
        if dest.exists() && std::fs::read_dir(dest).map_err(Error::io("listing", dest))?.next().is_some() {
            return Err(Error::KeystoreExists(format!("{} (folder not empty)", dest.display())));
        }
        let files = self.authenticator_files(passphrase, secrets)?;
        std::fs::create_dir_all(dest).map_err(Error::io("creating", dest))?;
        for (name, data) in files {
            write_atomic(&dest.join(name), &data, true)?;
        }
        Ok(())
    }

    /// Writes the authenticator as a zip (its files at the zip's root), atomically; `dest` must not exist
    /// unless `overwrite`.
    pub fn export_zip(&self, dest: &Path, passphrase: &str, secrets: &IdentitySecrets, overwrite: bool) -> Result<()> {
        if dest.exists() && !overwrite {
            return Err(Error::Io {
                op: "creating",
                path: dest.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the file already exists"),
            });
        }
        let files = self.authenticator_files(passphrase, secrets)?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        for (name, data) in files {
            zip.start_file(name, options).map_err(|e| Error::Encryption(format!("zip: {e}")))?;
            zip.write_all(&data).map_err(Error::Stream)?;
        }
        let bytes = zip.finish().map_err(|e| Error::Encryption(format!("zip: {e}")))?.into_inner();
        write_atomic(dest, &bytes, true)
    }

    fn authenticator_files(
        &self,
        passphrase: &str,
        secrets: &IdentitySecrets,
    ) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        let mut metadata = self.metadata.clone();
        metadata.keystore_secret = Some(secrets.keystore_secret.clone());
        let mut files = vec![(METADATA_FILENAME.to_string(), Zeroizing::new(crate::ejson::to_vec(&metadata)?))];
        let ks = self.public_keystore();
        for k in self.keys()? {
            let stem = format!("{}_{}", k.keychain_uid.hyphenated(), k.key_algo);
            files.push((
                format!("{stem}_public_key.pem"),
                Zeroizing::new(ks.public_key_pem(&k.keychain_uid, k.key_algo)?),
            ));
            let private = self.private_key(&k.keychain_uid, k.key_algo, passphrase)?;
            let pem = private.to_pem_with(Some(passphrase), PemProtection::default())?;
            files.push((format!("{stem}_private_key.pem"), pem));
        }
        Ok(files)
    }
}

/// An identity with its secrets: what the gateway operations of [`crate::gateway::ops`] take.
#[derive(Debug)]
pub struct Guardian<'a> {
    identity: &'a Identity,
    secrets: &'a IdentitySecrets,
    unlock_key: Option<&'a [u8; 32]>,
}

impl GuardianKeys for Guardian<'_> {
    fn guardian_metadata(&self) -> Result<KeystoreMetadata> {
        let mut m = self.identity.metadata.clone();
        m.keystore_secret = Some(self.secrets.keystore_secret.clone());
        Ok(m)
    }

    fn guardian_public_keys(&self) -> Result<Vec<(uuid::Uuid, KeyAlgo, Vec<u8>)>> {
        self.identity.public_keystore().guardian_public_keys()
    }

    fn guardian_private_key(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrase: &str,
    ) -> Result<Option<PrivateKey>> {
        let opened = match self.unlock_key {
            Some(key) => self.identity.private_key_with_unlock_key(keychain_uid, algo, key),
            None => self.identity.private_key(keychain_uid, algo, passphrase),
        };
        match opened {
            Ok(k) => Ok(Some(k)),
            Err(Error::KeyNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A temporary folder inside the store, removed on drop unless kept.
struct TempDir(Option<PathBuf>);

impl TempDir {
    fn new(root: &Path, what: &str) -> Result<Self> {
        let mut rnd = [0u8; 8];
        crate::primitives::random_bytes(&mut rnd);
        let hex: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
        let path = root.join(format!(".{what}-{hex}.tmp"));
        std::fs::create_dir(&path).map_err(Error::io("creating", &path))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                .map_err(Error::io("restricting", &path))?;
        }
        Ok(TempDir(Some(path)))
    }

    fn path(&self) -> &Path {
        self.0.as_deref().expect("present until forgotten")
    }

    fn forget(mut self) {
        self.0 = None;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Extracts the authenticator files of a zip into `dest` (flat: only the metadata and key files, found at the
/// root or in one folder; any path, size or count beyond the limits is refused). Returns `dest`.
fn extract_authenticator_zip(src: &Path, dest: &Path) -> Result<PathBuf> {
    let bytes = read_limited(src, MAX_IMPORT_ZIP_BYTES)?;
    let bad = |m: String| Error::validation("authenticator zip", src.display().to_string(), m);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(format!("not a zip: {e}")))?;
    if zip.len() > MAX_IMPORT_ENTRIES {
        return Err(Error::Limit(format!("{} has {} entries, at most {MAX_IMPORT_ENTRIES}", src.display(), zip.len())));
    }
    let mut prefix: Option<String> = None;
    let mut taken = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| bad(format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().replace('\\', "/");
        let (folder, base) = match name.rsplit_once('/') {
            Some((f, b)) => (f.to_string(), b.to_string()),
            None => (String::new(), name.clone()),
        };
        let wanted = base == METADATA_FILENAME
            || base == keystore::LEGACY_METADATA_FILENAME
            || base.ends_with("_public_key.pem")
            || base.ends_with("_private_key.pem");
        if !wanted || base.starts_with("..") || base.contains('\0') || folder.contains('/') || folder == ".." {
            continue;
        }
        match &prefix {
            None => prefix = Some(folder.clone()),
            Some(p) if *p != folder => return Err(bad("authenticator files in more than one folder".into())),
            Some(_) => {}
        }
        if entry.size() > MAX_IMPORT_ENTRY_BYTES {
            return Err(Error::Limit(format!("{name} in {} is larger than 1 MiB", src.display())));
        }
        let mut data = Zeroizing::new(Vec::new());
        (&mut entry).take(MAX_IMPORT_ENTRY_BYTES + 1).read_to_end(&mut data).map_err(Error::Stream)?;
        if data.len() as u64 > MAX_IMPORT_ENTRY_BYTES {
            return Err(Error::Limit(format!("{name} in {} is larger than 1 MiB", src.display())));
        }
        write_atomic(&dest.join(&base), &data, true)?;
        taken += 1;
    }
    if taken == 0 {
        return Err(bad("no authenticator inside (no keystore_metadata.json nor key files)".into()));
    }
    Ok(dest.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "a passphrase of more than twenty characters";

    fn params() -> NewAuthenticator<'static> {
        NewAuthenticator { owner: "Zoé", passphrase_hint: "the long one", keypair_count: 2, key_bits: 2048 }
    }

    #[test]
    fn create_check_export_import() {
        let tmp = tempfile::tempdir().unwrap();
        let store = IdentityStore::open(tmp.path().join("ids")).unwrap();
        let mut steps = Vec::new();
        let (id, secrets) = store.create(&params(), PASS, KdfCost::MINIMUM, |i, n| steps.push((i, n))).unwrap();
        assert_eq!(steps, vec![(1, 2), (2, 2)]);
        assert_eq!(secrets.keystore_secret.len(), 86);
        assert!(id.metadata().keystore_secret.is_none(), "no secret in the folder");
        let on_disk = std::fs::read_to_string(id.dir().join(METADATA_FILENAME)).unwrap();
        assert!(!on_disk.contains(&secrets.keystore_secret));
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(id.check_passphrase(PASS).unwrap().is_ok());
        let bad = id.check_passphrase("wrong").unwrap();
        assert_eq!(bad.undecodable.len(), 2);
        assert!(bad.undecodable[0].1.contains("wrong passphrase"), "{}", bad.undecodable[0].1);
        // No private key material in clear anywhere in the folder.
        for f in std::fs::read_dir(id.dir()).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
            assert!(!text.contains("PRIVATE KEY"));
        }

        // Zip backup, then restore into another store.
        let zip = tmp.path().join("backup.zip");
        store.list().unwrap()[0].export_zip(&zip, PASS, &secrets, false).unwrap();
        assert!(id.export_zip(&zip, PASS, &secrets, false).is_err(), "no silent overwrite");
        assert!(matches!(id.export_zip(&zip, "wrong", &secrets, true), Err(Error::WrongPassphrase(_))));
        let other = IdentityStore::open(tmp.path().join("other")).unwrap();
        assert!(matches!(other.import(&zip, "wrong", KdfCost::MINIMUM), Err(Error::WrongPassphrase(_))));
        assert!(other.list().unwrap().is_empty(), "a failed import leaves nothing");
        let (back, back_secrets) = other.import(&zip, PASS, KdfCost::MINIMUM).unwrap();
        assert_eq!(back.metadata(), id.metadata());
        assert_eq!(back_secrets.keystore_secret, secrets.keystore_secret);
        assert_eq!(back.keys().unwrap(), id.keys().unwrap());
        assert!(matches!(other.import(&zip, PASS, KdfCost::MINIMUM), Err(Error::KeystoreExists(_))));
        // Only the identity folder and the lock remain (no temporary folder).
        let names: Vec<_> =
            std::fs::read_dir(other.root()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names.len(), 2, "{names:?}");

        // Folder export is a wacryptolib authenticator our keystore code opens.
        let folder = tmp.path().join("exported");
        id.export_authenticator(&folder, PASS, &secrets).unwrap();
        let ks = FilesystemKeystore::open(&folder).unwrap();
        assert_eq!(ks.metadata().unwrap().keystore_secret.as_deref(), Some(secrets.keystore_secret.as_str()));
        assert!(keystore::check_passphrase(&ks, PASS).unwrap().is_ok());
        store.delete(&id.uid()).unwrap();
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn the_lock_serializes_writers_and_half_written_folders_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let store = IdentityStore::open(tmp.path()).unwrap();
        // What a crash in the middle of an install leaves: a temporary folder, never listed.
        std::fs::create_dir(tmp.path().join(".new-0123456789abcdef.tmp")).unwrap();
        std::fs::write(tmp.path().join(".new-0123456789abcdef.tmp").join(METADATA_FILENAME), b"{").unwrap();
        assert!(store.list().unwrap().is_empty());
        // A second process (here: a thread with its own file handle) waits for the lock.
        use std::sync::atomic::{AtomicBool, Ordering};
        let released = std::sync::Arc::new(AtomicBool::new(false));
        let held = store.lock().unwrap();
        let (other, flag) = (store.clone(), released.clone());
        let waiter = std::thread::spawn(move || {
            let _l = other.lock().unwrap();
            flag.load(Ordering::SeqCst)
        });
        std::thread::sleep(std::time::Duration::from_millis(200));
        released.store(true, Ordering::SeqCst);
        drop(held);
        assert!(waiter.join().unwrap(), "the second writer got the lock only once the first released it");
    }

    #[test]
    fn quick_unlock_opens_the_same_keys_and_turns_off() {
        let tmp = tempfile::tempdir().unwrap();
        let store = IdentityStore::open(tmp.path()).unwrap();
        let (id, _) = store.create(&params(), PASS, KdfCost::MINIMUM, |_, _| {}).unwrap();
        assert!(matches!(id.enable_quick_unlock("wrong"), Err(Error::WrongPassphrase(_))));
        assert_eq!(id.quick_unlock().unwrap(), None);
        let key = id.enable_quick_unlock(PASS).unwrap();
        let record = QuickUnlock { method: "test".into(), wrapped_key: "opaque".into() };
        id.set_quick_unlock(&record).unwrap();
        assert_eq!(id.quick_unlock().unwrap(), Some(record));
        for k in id.keys().unwrap() {
            let a = id.private_key(&k.keychain_uid, k.key_algo, PASS).unwrap();
            let b = id.private_key_with_unlock_key(&k.keychain_uid, k.key_algo, &key).unwrap();
            assert_eq!(a.to_pem(None).unwrap(), b.to_pem(None).unwrap());
            assert!(matches!(
                id.private_key_with_unlock_key(&k.keychain_uid, k.key_algo, &[9; 32]),
                Err(Error::WrongPassphrase(_))
            ));
        }
        id.disable_quick_unlock().unwrap();
        assert_eq!(id.quick_unlock().unwrap(), None);
        let k = &id.keys().unwrap()[0];
        assert!(matches!(
            id.private_key_with_unlock_key(&k.keychain_uid, k.key_algo, &key),
            Err(Error::KeyNotFound(_))
        ));
    }

    #[test]
    fn creation_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let store = IdentityStore::open(tmp.path()).unwrap();
        let c = |p: NewAuthenticator<'_>, pass: &str| store.create(&p, pass, KdfCost::MINIMUM, |_, _| {}).unwrap_err();
        assert!(c(params(), "too short").to_string().contains("at least 20"));
        let hint =
            NewAuthenticator { passphrase_hint: "it is A PASSPHRASE OF MORE THAN TWENTY CHARACTERS", ..params() };
        assert!(c(hint, PASS).to_string().contains("must not contain the passphrase"));
        assert!(c(NewAuthenticator { owner: " ", ..params() }, PASS).to_string().contains("name"));
        assert!(c(NewAuthenticator { keypair_count: 0, ..params() }, PASS).to_string().contains("keypair_count"));
        assert!(c(NewAuthenticator { key_bits: 1024, ..params() }, PASS).to_string().contains("key_bits"));
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn hostile_zips_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let store = IdentityStore::open(tmp.path().join("ids")).unwrap();
        let write_zip = |entries: &[(&str, &[u8])]| {
            let p = tmp.path().join("x.zip");
            let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
            for (n, d) in entries {
                z.start_file(*n, zip::write::SimpleFileOptions::default()).unwrap();
                z.write_all(d).unwrap();
            }
            z.finish().unwrap();
            p
        };
        std::fs::write(tmp.path().join("not.zip"), b"hello").unwrap();
        assert!(store.import(&tmp.path().join("not.zip"), PASS, KdfCost::MINIMUM).is_err());
        let p = write_zip(&[("../../evil_public_key.pem", b"x"), ("README", b"x")]);
        assert!(store.import(&p, PASS, KdfCost::MINIMUM).is_err());
        assert!(!tmp.path().join("evil_public_key.pem").exists());
        let p = write_zip(&[("a/keystore_metadata.json", b"{}"), ("b/x_public_key.pem", b"x")]);
        assert!(store.import(&p, PASS, KdfCost::MINIMUM).unwrap_err().to_string().contains("more than one folder"));
        let big = vec![b'a'; (MAX_IMPORT_ENTRY_BYTES + 10) as usize];
        let p = write_zip(&[("keystore_metadata.json", &big)]);
        assert!(matches!(store.import(&p, PASS, KdfCost::MINIMUM), Err(Error::Limit(_))));
        assert_eq!(std::fs::read_dir(store.root()).unwrap().count(), 0, "no leftovers");
    }
}
