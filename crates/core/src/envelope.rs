//! Passphrase envelopes for secrets at rest (the authenticator app keeps its private keys in them).
//!
//! Argon2id derives an AES-256-GCM key from the passphrase (stripped and NFKC-normalized like wacryptolib's);
//! its parameters and salt travel with the envelope and are capped before use, so that a hostile file cannot
//! make us allocate gigabytes or spin for minutes. Associated data binds an envelope to its context (for a
//! private key: its keystore and keychain uids), so that an envelope moved elsewhere does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ejson::Bin;
use crate::error::{Error, Result};

/// Format marker.
pub const ENVELOPE_FORMAT: &str = "flightbox-envelope-1";
/// Most memory (KiB) an envelope may ask Argon2id for.
pub const MAX_MEMORY_KIB: u32 = 1 << 20;
/// Most Argon2id passes an envelope may ask for.
pub const MAX_ITERATIONS: u32 = 16;
/// Most Argon2id lanes an envelope may ask for.
pub const MAX_PARALLELISM: u32 = 8;

/// Argon2id parameters, stored with the envelope.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Always `argon2id`.
    pub algorithm: String,
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Random salt (16 bytes when we make it).
    pub salt: Bin,
}

/// How much an envelope's key derivation costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfCost {
    /// Desktop: 256 MiB, 3 passes.
    pub const DESKTOP: KdfCost = KdfCost { memory_kib: 256 * 1024, iterations: 3, parallelism: 1 };
    /// Phones: 64 MiB, 3 passes, within the memory an app may use comfortably.
    pub const MOBILE: KdfCost = KdfCost { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
    /// OWASP's minimum for Argon2id (19 MiB, 2 passes): for tests and constrained devices only.
    pub const MINIMUM: KdfCost = KdfCost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };
}

/// A sealed secret. `Debug` shows only sizes and parameters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Always `flightbox-envelope-1`.
    pub format: String,
    /// Key derivation.
    pub kdf: KdfParams,
    /// AES-GCM nonce (12 bytes).
    pub nonce: Bin,
    /// Ciphertext and tag.
    pub ciphertext: Bin,
}

/// Associated data binding a private key's envelope to its keystore and keychain.
pub fn private_key_context(keystore_uid: &uuid::Uuid, keychain_uid: &uuid::Uuid, key_algo: &str) -> Vec<u8> {
    format!("flightbox private key|{}|{}|{key_algo}", keystore_uid.hyphenated(), keychain_uid.hyphenated()).into_bytes()
}

fn derive(passphrase: &str, kdf: &KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    if kdf.algorithm != "argon2id" {
        return Err(Error::UnsupportedAlgorithm(kdf.algorithm.clone()));
    }
    if kdf.memory_kib > MAX_MEMORY_KIB || kdf.iterations > MAX_ITERATIONS || kdf.parallelism > MAX_PARALLELISM {
        return Err(Error::Limit(format!(
            "envelope asks Argon2id for {} KiB, {} passes, {} lanes (at most {MAX_MEMORY_KIB}, {MAX_ITERATIONS}, {MAX_PARALLELISM})",
            kdf.memory_kib, kdf.iterations, kdf.parallelism
        )));
    }
    if kdf.salt.len() < 16 || kdf.salt.len() > 64 {
        return Err(Error::Limit("envelope salt must have 16 to 64 bytes".into()));
    }
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| Error::Key(format!("bad Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let pass = crate::keys::normalize_passphrase(passphrase);
    let mut key = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(pass.as_bytes(), &kdf.salt, &mut key[..]).map_err(|e| Error::Key(e.to_string()))?;
    Ok(key)
}

impl Envelope {
    /// Seals a secret under a passphrase, bound to `context`.
    pub fn seal(secret: &[u8], passphrase: &str, context: &[u8], cost: KdfCost) -> Result<Envelope> {
        let mut salt = vec![0u8; 16];
        crate::primitives::random_bytes(&mut salt);
        let kdf = KdfParams {
            algorithm: "argon2id".into(),
            memory_kib: cost.memory_kib,
            iterations: cost.iterations,
            parallelism: cost.parallelism,
            salt: Bin(salt),
        };
        let key = derive(passphrase, &kdf)?;
        let mut nonce = [0u8; 12];
        crate::primitives::random_bytes(&mut nonce);
        let cipher = aes_gcm::Aes256Gcm::new((&*key).into());
        let ciphertext = cipher
            .encrypt((&nonce).into(), Payload { msg: secret, aad: context })
            .map_err(|_| Error::Encryption("AES-GCM sealing failed".into()))?;
        Ok(Envelope { format: ENVELOPE_FORMAT.into(), kdf, nonce: Bin(nonce.to_vec()), ciphertext: Bin(ciphertext) })
    }

    /// Opens the envelope; a wrong passphrase, or an envelope that belongs to another context, gives
    /// `Error::WrongPassphrase`.
    pub fn open(&self, passphrase: &str, context: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if self.format != ENVELOPE_FORMAT {
            return Err(Error::validation("envelope", "format", format!("unknown format {:?}", self.format)));
        }
        if self.nonce.len() != 12 {
            return Err(Error::validation("envelope", "nonce", "must have 12 bytes"));
        }
        let key = derive(passphrase, &self.kdf)?;
        let cipher = aes_gcm::Aes256Gcm::new((&*key).into());
        cipher
            .decrypt(self.nonce[..].into(), Payload { msg: &self.ciphertext, aad: context })
            .map(Zeroizing::new)
            .map_err(|_| {
                Error::WrongPassphrase(
                    "the passphrase does not open this envelope (or it belongs to another key)".into(),
                )
            })
    }

    /// Extended JSON bytes.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        crate::ejson::to_vec(self)
    }

    /// Parses an envelope.
    pub fn from_json(bytes: &[u8]) -> Result<Envelope> {
        crate::ejson::from_slice_limited(bytes, 1 << 20)
    }
}

/// Format marker of [`KeyEnvelope`].
pub const KEY_ENVELOPE_FORMAT: &str = "flightbox-key-envelope-1";

/// A secret sealed under a random 256-bit key (no key derivation): AES-256-GCM with associated data. The app
/// uses it for biometric approval, the key itself being kept by the platform's biometric-protected keystore.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyEnvelope {
    /// Always `flightbox-key-envelope-1`.
    pub format: String,
    /// AES-GCM nonce (12 bytes).
    pub nonce: Bin,
    /// Ciphertext and tag.
    pub ciphertext: Bin,
}

impl KeyEnvelope {
    /// Seals a secret under `key`, bound to `context`.
    pub fn seal(secret: &[u8], key: &[u8; 32], context: &[u8]) -> Result<KeyEnvelope> {
        let mut nonce = [0u8; 12];
        crate::primitives::random_bytes(&mut nonce);
        let ciphertext = aes_gcm::Aes256Gcm::new(key.into())
            .encrypt((&nonce).into(), Payload { msg: secret, aad: context })
            .map_err(|_| Error::Encryption("AES-GCM sealing failed".into()))?;
        Ok(KeyEnvelope { format: KEY_ENVELOPE_FORMAT.into(), nonce: Bin(nonce.to_vec()), ciphertext: Bin(ciphertext) })
    }

    /// Opens it; another key or context gives `Error::WrongPassphrase` (the unlock key is the passphrase here).
    pub fn open(&self, key: &[u8; 32], context: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if self.format != KEY_ENVELOPE_FORMAT || self.nonce.len() != 12 {
            return Err(Error::validation("key envelope", "format", "unknown format or bad nonce"));
        }
        aes_gcm::Aes256Gcm::new(key.into())
            .decrypt(self.nonce[..].into(), Payload { msg: &self.ciphertext, aad: context })
            .map(Zeroizing::new)
            .map_err(|_| Error::WrongPassphrase("the unlock key does not open this envelope".into()))
    }

    /// Extended JSON bytes.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        crate::ejson::to_vec(self)
    }

    /// Parses one.
    pub fn from_json(bytes: &[u8]) -> Result<KeyEnvelope> {
        crate::ejson::from_slice_limited(bytes, 1 << 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_failures() {
        let ctx = private_key_context(&uuid::Uuid::new_v4(), &uuid::Uuid::new_v4(), "RSA_OAEP");
        let env = Envelope::seal(b"private key bytes", " pässphrase ﬁne ", &ctx, KdfCost::MINIMUM).unwrap();
        let back = Envelope::from_json(&env.to_json().unwrap()).unwrap();
        assert_eq!(&*back.open("pässphrase fine", &ctx).unwrap(), b"private key bytes", "NFKC + strip");
        assert!(matches!(back.open("wrong", &ctx), Err(Error::WrongPassphrase(_))));
        let other = private_key_context(&uuid::Uuid::new_v4(), &uuid::Uuid::new_v4(), "RSA_OAEP");
        assert!(matches!(back.open("pässphrase fine", &other), Err(Error::WrongPassphrase(_))), "bound to its key");
        let mut tampered = back.clone();
        tampered.ciphertext.0[0] ^= 1;
        assert!(tampered.open("pässphrase fine", &ctx).is_err());
        assert!(!format!("{back:?}").contains("private key bytes"));
    }

    #[test]
    fn hostile_parameters_are_refused_before_use() {
        let ctx = b"ctx";
        let mut env = Envelope::seal(b"s", "p", ctx, KdfCost::MINIMUM).unwrap();
        env.kdf.memory_kib = 64 << 20; // 64 GiB
        let started = std::time::Instant::now();
        assert!(matches!(env.open("p", ctx), Err(Error::Limit(_))));
        assert!(started.elapsed().as_secs() < 1);
        env.kdf.memory_kib = KdfCost::MINIMUM.memory_kib;
        env.kdf.iterations = 1000;
        assert!(matches!(env.open("p", ctx), Err(Error::Limit(_))));
        env.kdf.iterations = 2;
        env.kdf.algorithm = "scrypt".into();
        assert!(matches!(env.open("p", ctx), Err(Error::UnsupportedAlgorithm(_))));
    }
}
