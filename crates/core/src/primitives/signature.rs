//! Payload signatures. Every algorithm signs the SHA-512 hash of the message (a layer's ciphertext
//! digest) followed by the ASCII decimal UTC timestamp:
//!
//! - `RSA_PSS`: PSS with MGF1-SHA-512, salt length 64;
//! - `ECC_DSS`: ECDSA as FIPS 186-3 (hash truncated to the curve order), signature raw `r‖s`;
//! - `DSA_DSS`: DSA as FIPS 186-3, raw `r‖s`;
//! - `ED25519` (ours): Ed25519 over the 64 hash bytes.

use sha2::{Digest as _, Sha512};

use crate::ejson::{Bin, Int};
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, PublicKey};
use crate::model::{SignatureAlgo, SignatureStruct};

/// SHA-512 of the message then the ASCII timestamp.
pub fn timestamped_hash(message: &[u8], timestamp_utc: i64) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(message);
    h.update(timestamp_utc.to_string().as_bytes());
    h.finalize().into()
}

fn now_utc() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn pss() -> rsa::pss::Pss {
    rsa::pss::Pss::new_with_salt::<Sha512>(64)
}

fn bad(algo: SignatureAlgo) -> Error {
    Error::Key(format!("the key does not suit {algo}"))
}

/// Signs a message (a digest) now.
pub fn sign(key: &PrivateKey, algo: SignatureAlgo, message: &[u8]) -> Result<SignatureStruct> {
    sign_at(key, algo, message, now_utc())
}

/// Signs a message with the given timestamp.
pub fn sign_at(key: &PrivateKey, algo: SignatureAlgo, message: &[u8], timestamp_utc: i64) -> Result<SignatureStruct> {
    use ecdsa::signature::hazmat::PrehashSigner;
    let hash = timestamped_hash(message, timestamp_utc);
    let mut rng = rand_core::OsRng;
    let e = |e: ecdsa::Error| Error::Encryption(format!("signature failed: {e}"));
    let value = match (algo, key) {
        (SignatureAlgo::RsaPss, PrivateKey::Rsa(k)) => {
            k.sign_with_rng(&mut rng, pss(), &hash).map_err(|e| Error::Encryption(e.to_string()))?
        }
        (SignatureAlgo::EccDss, PrivateKey::P256(k)) => {
            let s: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(k).sign_prehash(&hash).map_err(e)?;
            s.to_bytes().to_vec()
        }
        (SignatureAlgo::EccDss, PrivateKey::P384(k)) => {
            let s: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(k).sign_prehash(&hash).map_err(e)?;
            s.to_bytes().to_vec()
        }
        (SignatureAlgo::EccDss, PrivateKey::P521(k)) => {
            let sk = p521::ecdsa::SigningKey::from_bytes(&k.to_bytes()).map_err(e)?;
            let s: p521::ecdsa::Signature = sk.sign_prehash(&hash).map_err(e)?;
            s.to_bytes().to_vec()
        }
        (SignatureAlgo::DsaDss, PrivateKey::Dsa(k)) => {
            use ecdsa::signature::hazmat::RandomizedPrehashSigner;
            let s = k.sign_prehash_with_rng(&mut rng, &hash).map_err(e)?;
            let q_len = k.verifying_key().components().q().bits().div_ceil(8);
            let mut out = left_pad(&s.r().to_bytes_be(), q_len);
            out.extend(left_pad(&s.s().to_bytes_be(), q_len));
            out
        }
        (SignatureAlgo::Ed25519, PrivateKey::Ed25519(k)) => {
            use ed25519_dalek::Signer;
            k.sign(&hash).to_bytes().to_vec()
        }
        _ => return Err(bad(algo)),
    };
    Ok(SignatureStruct { signature_value: Bin(value), signature_timestamp_utc: Int(timestamp_utc) })
}

fn left_pad(b: &[u8], len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len.saturating_sub(b.len())];
    v.extend_from_slice(b);
    v
}

/// Verifies a signature struct over a message.
pub fn verify(key: &PublicKey, algo: SignatureAlgo, message: &[u8], sig: &SignatureStruct) -> Result<()> {
    use ecdsa::signature::hazmat::PrehashVerifier;
    let hash = timestamped_hash(message, sig.signature_timestamp_utc.0);
    let raw = &sig.signature_value.0;
    let fail = || Error::Signature(format!("{algo} signature does not match"));
    let ok = match (algo, key) {
        (SignatureAlgo::RsaPss, PublicKey::Rsa(k)) => k.verify(pss(), &hash, raw).is_ok(),
        (SignatureAlgo::EccDss, PublicKey::P256(k)) => p256::ecdsa::Signature::from_slice(raw)
            .map(|s| p256::ecdsa::VerifyingKey::from(k).verify_prehash(&hash, &s).is_ok())
            .unwrap_or(false),
        (SignatureAlgo::EccDss, PublicKey::P384(k)) => p384::ecdsa::Signature::from_slice(raw)
            .map(|s| p384::ecdsa::VerifyingKey::from(k).verify_prehash(&hash, &s).is_ok())
            .unwrap_or(false),
        (SignatureAlgo::EccDss, PublicKey::P521(k)) => {
            let vk = p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).map_err(|_| fail())?;
            p521::ecdsa::Signature::from_slice(raw).map(|s| vk.verify_prehash(&hash, &s).is_ok()).unwrap_or(false)
        }
        (SignatureAlgo::DsaDss, PublicKey::Dsa(k)) => {
            if raw.is_empty() || !raw.len().is_multiple_of(2) {
                false
            } else {
                let (r, s) = raw.split_at(raw.len() / 2);
                match dsa::Signature::from_components(dsa::BigUint::from_bytes_be(r), dsa::BigUint::from_bytes_be(s)) {
                    Ok(sig) => k.verify_prehash(&hash, &sig).is_ok(),
                    Err(_) => false,
                }
            }
        }
        (SignatureAlgo::Ed25519, PublicKey::Ed25519(k)) => {
            ed25519_dalek::Signature::from_slice(raw).map(|s| k.verify_strict(&hash, &s).is_ok()).unwrap_or(false)
        }
        _ => return Err(bad(algo)),
    };
    if ok {
        Ok(())
    } else {
        Err(fail())
    }
}
