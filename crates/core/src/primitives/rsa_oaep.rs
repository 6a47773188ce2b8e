//! `RSA_OAEP`: PKCS#1 OAEP with SHA-512 for the hash and MGF1, empty label. The plaintext is cut into
//! 60-byte chunks, each encrypted on its own; the cipherdict is `{"ciphertext_chunks": [bytes...]}`
//! (`digest_list` in old documents). Decryption is blinded.

use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::ejson::Bin;
use crate::error::{Error, Result};

/// Size of plaintext chunks.
pub const CHUNK_SIZE: usize = 60;
/// Smallest RSA modulus accepted (as wacryptolib).
pub const MIN_BITS: usize = 2048;
/// Most chunks accepted in one cipherdict.
pub const MAX_CHUNKS: usize = 4096;

/// An RSA-OAEP cipherdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OaepCipherdict {
    /// One ciphertext per 60-byte chunk.
    pub ciphertext_chunks: Vec<Vec<u8>>,
}

impl OaepCipherdict {
    /// Extended JSON bytes.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        #[derive(Serialize)]
        struct D {
            ciphertext_chunks: Vec<Bin>,
        }
        crate::ejson::to_vec(&D { ciphertext_chunks: self.ciphertext_chunks.iter().cloned().map(Bin).collect() })
    }

    /// Parses the cipherdict (also with the legacy `digest_list` name).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct D {
            #[serde(alias = "digest_list")]
            ciphertext_chunks: Vec<Bin>,
        }
        let d: D = crate::ejson::from_slice(bytes)?;
        if d.ciphertext_chunks.len() > MAX_CHUNKS {
            return Err(Error::Limit(format!("more than {MAX_CHUNKS} RSA chunks")));
        }
        Ok(OaepCipherdict { ciphertext_chunks: d.ciphertext_chunks.into_iter().map(|b| b.0).collect() })
    }
}

fn check_size(bits: usize) -> Result<()> {
    if bits < MIN_BITS {
        return Err(Error::Key(format!("RSA keys of {bits} bits are refused (at least {MIN_BITS})")));
    }
    Ok(())
}

/// Encrypts bytes for a public key.
pub fn encrypt(key: &RsaPublicKey, plaintext: &[u8]) -> Result<OaepCipherdict> {
    use rsa::traits::PublicKeyParts;
    check_size(key.n().bits())?;
    let mut rng = rand_core::OsRng;
    let chunks = plaintext
        .chunks(CHUNK_SIZE)
        .map(|c| key.encrypt(&mut rng, Oaep::new::<Sha512>(), c).map_err(|e| Error::Encryption(e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    Ok(OaepCipherdict { ciphertext_chunks: chunks })
}

/// Decrypts with a private key (blinded).
pub fn decrypt(key: &RsaPrivateKey, cipherdict: &OaepCipherdict) -> Result<Zeroizing<Vec<u8>>> {
    use rsa::traits::PublicKeyParts;
    check_size(key.n().bits())?;
    let mut rng = rand_core::OsRng;
    let mut out = Zeroizing::new(Vec::new());
    for chunk in &cipherdict.ciphertext_chunks {
        let pt = Zeroizing::new(
            key.decrypt_blinded(&mut rng, Oaep::new::<Sha512>(), chunk)
                .map_err(|_| Error::Decryption("RSA-OAEP decryption failed (wrong key or corrupted data)".into()))?,
        );
        out.extend_from_slice(&pt);
    }
    Ok(out)
}
