//! Asymmetric keys: generation, and PEM encoding compatible with pycryptodome.
//!
//! Public keys are SubjectPublicKeyInfo PEM (`PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY` also read). Private
//! keys are PKCS#8: `PRIVATE KEY` without passphrase, `ENCRYPTED PRIVATE KEY` (PBES2) with one. Reading
//! accepts PBKDF2-HMAC-SHA1/SHA-256/SHA-512 and scrypt with AES-CBC or 3DES (what pycryptodome and
//! wacryptolib write), with KDF costs capped before use. Writing uses scrypt (N=2^16, r=8, p=1) with
//! AES-256-CBC, which pycryptodome 3.x reads, instead of wacryptolib's 1000 PBKDF2-SHA1 iterations.
//! PKCS#1 `RSA PRIVATE KEY` and SEC1 `EC PRIVATE KEY` (unencrypted) are read too.

use der::pem::LineEnding;
use pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Largest PEM file read.
pub const MAX_PEM_BYTES: usize = 64 * 1024;
/// Highest PBKDF2 iteration count accepted when reading a key.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Highest scrypt memory (128 * N * r * p bytes) accepted when reading a key.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

macro_rules! key_algos {
    ($($v:ident = $s:literal),+) => {
        /// Asymmetric key algorithms, named as in keystores.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum KeyAlgo { $(#[doc = $s] #[serde(rename = $s)] $v),+ }
        impl KeyAlgo {
            /// Every algorithm.
            pub const ALL: &'static [KeyAlgo] = &[$(KeyAlgo::$v),+];
            /// Its name.
            pub fn as_str(self) -> &'static str { match self { $(KeyAlgo::$v => $s),+ } }
        }
        impl std::str::FromStr for KeyAlgo {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_uppercase().as_str() { $($s => Ok(KeyAlgo::$v),)+ _ => Err(Error::UnsupportedAlgorithm(s.into())) }
            }
        }
        impl std::fmt::Display for KeyAlgo {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
key_algos!(RsaOaep = "RSA_OAEP", RsaPss = "RSA_PSS", EccDss = "ECC_DSS", DsaDss = "DSA_DSS", Ed25519 = "ED25519");

impl From<crate::model::SignatureAlgo> for KeyAlgo {
    fn from(a: crate::model::SignatureAlgo) -> Self {
        use crate::model::SignatureAlgo as S;
        match a {
            S::RsaPss => KeyAlgo::RsaPss,
            S::EccDss => KeyAlgo::EccDss,
            S::DsaDss => KeyAlgo::DsaDss,
            S::Ed25519 => KeyAlgo::Ed25519,
        }
    }
}

/// A public key.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PublicKey {
    /// RSA.
    Rsa(RsaPublicKey),
    /// ECDSA P-256.
    P256(p256::PublicKey),
    /// ECDSA P-384.
    P384(p384::PublicKey),
    /// ECDSA P-521.
    P521(p521::PublicKey),
    /// DSA.
    Dsa(dsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A private key. Its `Debug` shows only the kind.
#[derive(Clone)]
#[non_exhaustive]
pub enum PrivateKey {
    /// RSA.
    Rsa(Box<RsaPrivateKey>),
    /// ECDSA P-256.
    P256(p256::SecretKey),
    /// ECDSA P-384.
    P384(p384::SecretKey),
    /// ECDSA P-521.
    P521(p521::SecretKey),
    /// DSA.
    Dsa(Box<dsa::SigningKey>),
    /// Ed25519.
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            PrivateKey::Rsa(_) => "Rsa",
            PrivateKey::P256(_) => "P256",
            PrivateKey::P384(_) => "P384",
            PrivateKey::P521(_) => "P521",
            PrivateKey::Dsa(_) => "Dsa",
            PrivateKey::Ed25519(_) => "Ed25519",
        };
        write!(f, "PrivateKey::{kind}(<redacted>)")
    }
}

/// Elliptic curves for `ECC_DSS` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Curve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521 (wacryptolib's default).
    #[default]
    P521,
}

/// Options of key generation.
#[derive(Clone, Copy, Debug)]
pub struct KeygenOptions {
    /// RSA and DSA modulus size in bits.
    pub bits: usize,
    /// Curve of ECC keys.
    pub curve: Curve,
}

impl Default for KeygenOptions {
    fn default() -> Self {
        KeygenOptions { bits: 2048, curve: Curve::P521 }
    }
}

/// Generates a key pair of the given algorithm.
pub fn generate(algo: KeyAlgo, opts: KeygenOptions) -> Result<PrivateKey> {
    let mut rng = rand_core::OsRng;
    Ok(match algo {
        KeyAlgo::RsaOaep | KeyAlgo::RsaPss => {
            if !matches!(opts.bits, 2048 | 3072 | 4096) {
                return Err(Error::Key(format!("RSA key size must be 2048, 3072 or 4096 bits, not {}", opts.bits)));
            }
            PrivateKey::Rsa(Box::new(RsaPrivateKey::new(&mut rng, opts.bits).map_err(|e| Error::Key(e.to_string()))?))
        }
        KeyAlgo::EccDss => match opts.curve {
            Curve::P256 => PrivateKey::P256(p256::SecretKey::random(&mut rng)),
            Curve::P384 => PrivateKey::P384(p384::SecretKey::random(&mut rng)),
            Curve::P521 => PrivateKey::P521(p521::SecretKey::random(&mut rng)),
        },
        KeyAlgo::DsaDss => {
            let size = match opts.bits {
                2048 => dsa::KeySize::DSA_2048_256,
                3072 => dsa::KeySize::DSA_3072_256,
                b => return Err(Error::Key(format!("DSA key size must be 2048 or 3072 bits, not {b}"))),
            };
            #[allow(deprecated)]
            let components = dsa::Components::generate(&mut rng, size);
            PrivateKey::Dsa(Box::new(dsa::SigningKey::generate(&mut rng, components)))
        }
        KeyAlgo::Ed25519 => PrivateKey::Ed25519(Box::new(ed25519_dalek::SigningKey::generate(&mut rng))),
    })
}

/// wacryptolib's passphrase encoding: stripped, NFKC-normalized, UTF-8.
pub fn normalize_passphrase(passphrase: &str) -> Zeroizing<String> {
    Zeroizing::new(passphrase.trim().nfkc().collect())
}

fn pem_decode(pem: &[u8]) -> Result<(String, Zeroizing<Vec<u8>>)> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(Error::Limit(format!("PEM of {} bytes, at most {MAX_PEM_BYTES}", pem.len())));
    }
    let text = std::str::from_utf8(pem).map_err(|_| Error::Key("PEM is not text".into()))?;
    let text = text.trim().replace("\r\n", "\n");
    let (label, der) = der::pem::decode_vec(text.as_bytes()).map_err(|e| Error::Key(format!("bad PEM: {e}")))?;
    Ok((label.to_string(), Zeroizing::new(der)))
}

fn pem_encode(label: &str, der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let s = der::pem::encode_string(label, LineEnding::LF, der).map_err(|e| Error::Key(e.to_string()))?;
    let s = Zeroizing::new(s);
    Ok(Zeroizing::new(s.trim_end().as_bytes().to_vec()))
}

fn mismatch(algo: KeyAlgo, found: &str) -> Error {
    Error::Key(format!("a {found} key cannot be used for {algo}"))
}

impl PublicKey {
    /// Parses a public key PEM, checking that it suits `algo`.
    pub fn from_pem(pem: &[u8], algo: KeyAlgo) -> Result<Self> {
        let (label, der) = pem_decode(pem)?;
        let key = match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der)?,
            "RSA PUBLIC KEY" => {
                use pkcs1::DecodeRsaPublicKey;
                PublicKey::Rsa(RsaPublicKey::from_pkcs1_der(&der).map_err(|e| Error::Key(e.to_string()))?)
            }
            other => return Err(Error::Key(format!("unexpected PEM label {other:?} for a public key"))),
        };
        key.check_algo(algo)?;
        Ok(key)
    }

    fn from_spki_der(der: &[u8]) -> Result<Self> {
        let k = |e: spki::Error| Error::Key(format!("bad public key: {e}"));
        let info =
            spki::SubjectPublicKeyInfoRef::try_from(der).map_err(|e| Error::Key(format!("bad public key: {e}")))?;
        Ok(match info.algorithm.oid.to_string().as_str() {
            "1.2.840.113549.1.1.1" => PublicKey::Rsa(RsaPublicKey::from_public_key_der(der).map_err(k)?),
            "1.2.840.10045.2.1" => {
                let curve = info.algorithm.parameters_oid().map_err(k)?.to_string();
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => PublicKey::P256(p256::PublicKey::from_public_key_der(der).map_err(k)?),
                    "1.3.132.0.34" => PublicKey::P384(p384::PublicKey::from_public_key_der(der).map_err(k)?),
                    "1.3.132.0.35" => PublicKey::P521(p521::PublicKey::from_public_key_der(der).map_err(k)?),
                    c => return Err(Error::Key(format!("unsupported elliptic curve {c}"))),
                }
            }
            "1.2.840.10040.4.1" => PublicKey::Dsa(dsa::VerifyingKey::from_public_key_der(der).map_err(k)?),
            "1.3.101.112" => PublicKey::Ed25519(ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(k)?),
            oid => return Err(Error::Key(format!("unsupported public key algorithm {oid}"))),
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "RSA",
            PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_) => "ECC",
            PublicKey::Dsa(_) => "DSA",
            PublicKey::Ed25519(_) => "Ed25519",
        }
    }

    fn check_algo(&self, algo: KeyAlgo) -> Result<()> {
        let ok = matches!(
            (self, algo),
            (PublicKey::Rsa(_), KeyAlgo::RsaOaep | KeyAlgo::RsaPss)
                | (PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::P521(_), KeyAlgo::EccDss)
                | (PublicKey::Dsa(_), KeyAlgo::DsaDss)
                | (PublicKey::Ed25519(_), KeyAlgo::Ed25519)
        );
        if ok {
            Ok(())
        } else {
            Err(mismatch(algo, self.kind()))
        }
    }

    /// SubjectPublicKeyInfo PEM, as pycryptodome writes it (LF, no final newline).
    pub fn to_pem(&self) -> Result<Vec<u8>> {
        let e = |e: spki::Error| Error::Key(e.to_string());
        let doc = match self {
            PublicKey::Rsa(k) => k.to_public_key_der().map_err(e)?,
            PublicKey::P256(k) => k.to_public_key_der().map_err(e)?,
            PublicKey::P384(k) => k.to_public_key_der().map_err(e)?,
            PublicKey::P521(k) => k.to_public_key_der().map_err(e)?,
            PublicKey::Dsa(k) => k.to_public_key_der().map_err(e)?,
            PublicKey::Ed25519(k) => k.to_public_key_der().map_err(e)?,
        };
        Ok(pem_encode("PUBLIC KEY", doc.as_bytes())?.to_vec())
    }

    /// The RSA key, for RSA_OAEP.
    pub fn as_rsa(&self) -> Result<&RsaPublicKey> {
        match self {
            PublicKey::Rsa(k) => Ok(k),
            other => Err(Error::Key(format!("expected an RSA key, got {}", other.kind()))),
        }
    }
}

impl PrivateKey {
    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
            PrivateKey::P256(k) => PublicKey::P256(k.public_key()),
            PrivateKey::P384(k) => PublicKey::P384(k.public_key()),
            PrivateKey::P521(k) => PublicKey::P521(k.public_key()),
            PrivateKey::Dsa(k) => PublicKey::Dsa(k.verifying_key().clone()),
            PrivateKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// The RSA key, for RSA_OAEP.
    pub fn as_rsa(&self) -> Result<&RsaPrivateKey> {
        match self {
            PrivateKey::Rsa(k) => Ok(k),
            _ => Err(Error::Key("expected an RSA private key".into())),
        }
    }

    /// Parses a private key PEM, with a passphrase when it is encrypted. `name` names the key in errors.
    pub fn from_pem(pem: &[u8], algo: KeyAlgo, passphrase: Option<&str>, name: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem)?;
        let k = |e: pkcs8::Error| Error::Key(format!("bad private key {name}: {e}"));
        let key = match label.as_str() {
            "ENCRYPTED PRIVATE KEY" => {
                let Some(passphrase) = passphrase else {
                    return Err(Error::WrongPassphrase(name.into()));
                };
                let (scheme, data) = match pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice()) {
                    Ok(info) => (info.encryption_algorithm, info.encrypted_data),
                    Err(e) => pycryptodome_pbes2(&der).map_err(|_| k(e))?,
                };
                check_kdf_cost(&scheme)?;
                let pass = normalize_passphrase(passphrase);
                let wrong = |_| Error::WrongPassphrase(name.into());
                let plain = Zeroizing::new(scheme.decrypt(pass.as_bytes(), data).map_err(wrong)?);
                Self::from_pkcs8_der(&plain).map_err(|_| Error::WrongPassphrase(name.into()))?
            }
            "PRIVATE KEY" => Self::from_pkcs8_der(&der).map_err(k)?,
            "RSA PRIVATE KEY" => {
                use pkcs1::DecodeRsaPrivateKey;
                PrivateKey::Rsa(Box::new(
                    RsaPrivateKey::from_pkcs1_der(&der)
                        .map_err(|e| Error::Key(format!("bad private key {name}: {e}")))?,
                ))
            }
            "EC PRIVATE KEY" => {
                let e = |e: elliptic_curve_error::E| Error::Key(format!("bad private key {name}: {e}"));
                p521::SecretKey::from_sec1_der(&der)
                    .map(PrivateKey::P521)
                    .or_else(|_| p384::SecretKey::from_sec1_der(&der).map(PrivateKey::P384))
                    .or_else(|_| p256::SecretKey::from_sec1_der(&der).map(PrivateKey::P256))
                    .map_err(e)?
            }
            other => return Err(Error::Key(format!("unexpected PEM label {other:?} for private key {name}"))),
        };
        key.public_key().check_algo(algo)?;
        Ok(key)
    }

    fn from_pkcs8_der(der: &[u8]) -> std::result::Result<Self, pkcs8::Error> {
        let info = pkcs8::PrivateKeyInfo::try_from(der)?;
        Ok(match info.algorithm.oid.to_string().as_str() {
            "1.2.840.113549.1.1.1" => PrivateKey::Rsa(Box::new(RsaPrivateKey::from_pkcs8_der(der)?)),
            "1.2.840.10045.2.1" => {
                let curve = info.algorithm.parameters_oid().map_err(|_| pkcs8::Error::KeyMalformed)?.to_string();
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => PrivateKey::P256(p256::SecretKey::from_pkcs8_der(der)?),
                    "1.3.132.0.34" => PrivateKey::P384(p384::SecretKey::from_pkcs8_der(der)?),
                    "1.3.132.0.35" => PrivateKey::P521(p521::SecretKey::from_pkcs8_der(der)?),
                    _ => return Err(pkcs8::Error::KeyMalformed),
                }
            }
            "1.2.840.10040.4.1" => PrivateKey::Dsa(Box::new(dsa::SigningKey::from_pkcs8_der(der)?)),
            "1.3.101.112" => PrivateKey::Ed25519(Box::new(ed25519_dalek::SigningKey::from_pkcs8_der(der)?)),
            _ => return Err(pkcs8::Error::KeyMalformed),
        })
    }

    fn to_pkcs8_der(&self) -> Result<pkcs8::SecretDocument> {
        let e = |e: pkcs8::Error| Error::Key(e.to_string());
        match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_der().map_err(e),
            PrivateKey::P256(k) => k.to_pkcs8_der().map_err(e),
            PrivateKey::P384(k) => k.to_pkcs8_der().map_err(e),
            PrivateKey::P521(k) => k.to_pkcs8_der().map_err(e),
            PrivateKey::Dsa(k) => k.to_pkcs8_der().map_err(e),
            PrivateKey::Ed25519(k) => k.to_pkcs8_der().map_err(e),
        }
    }

    /// PKCS#8 PEM: `ENCRYPTED PRIVATE KEY` with scrypt + AES-256-CBC when a passphrase is given, else
    /// `PRIVATE KEY`.
    pub fn to_pem(&self, passphrase: Option<&str>) -> Result<Zeroizing<Vec<u8>>> {
        self.to_pem_with(passphrase, PemProtection::default())
    }

    /// Same as [`PrivateKey::to_pem`] with explicit protection parameters.
    pub fn to_pem_with(&self, passphrase: Option<&str>, protection: PemProtection) -> Result<Zeroizing<Vec<u8>>> {
        let doc = self.to_pkcs8_der()?;
        let Some(passphrase) = passphrase else {
            return pem_encode("PRIVATE KEY", doc.as_bytes());
        };
        let pass = normalize_passphrase(passphrase);
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        crate::primitives::random_bytes(&mut salt);
        crate::primitives::random_bytes(&mut iv);
        let params = match protection {
            PemProtection::Scrypt { log_n, r, p } => {
                let sp = pkcs5::scrypt::Params::new(log_n, r, p, 32).map_err(|e| Error::Key(e.to_string()))?;
                pkcs5::pbes2::Parameters::scrypt_aes256cbc(sp, &salt, &iv)
            }
            PemProtection::Pbkdf2Sha256 { iterations } => {
                pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
            }
        }
        .map_err(|e| Error::Key(e.to_string()))?;
        let info = pkcs8::PrivateKeyInfo::try_from(doc.as_bytes()).map_err(|e| Error::Key(e.to_string()))?;
        let enc = info.encrypt_with_params(params, pass.as_bytes()).map_err(|e| Error::Key(e.to_string()))?;
        pem_encode("ENCRYPTED PRIVATE KEY", enc.as_bytes())
    }
}

/// Reads an `EncryptedPrivateKeyInfo` whose PBKDF2 PRF identifier has no NULL parameters, as pycryptodome
/// writes it for HMAC-SHA-256/512 (the `pkcs5` crate insists on the NULL).
fn pycryptodome_pbes2(der: &[u8]) -> der::Result<(pkcs5::EncryptionScheme<'_>, &[u8])> {
    use der::asn1::{ObjectIdentifier, OctetStringRef};
    use der::{Decode, Reader};
    const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
    const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
    let expect = |found: ObjectIdentifier, wanted: ObjectIdentifier| -> der::Result<()> {
        if found == wanted {
            Ok(())
        } else {
            Err(der::ErrorKind::OidUnknown { oid: found }.into())
        }
    };
    let mut reader = der::SliceReader::new(der)?;
    let result = reader.sequence(|r| {
        let params = r.sequence(|r| {
            expect(ObjectIdentifier::decode(r)?, PBES2)?;
            r.sequence(|r| {
                let kdf = r.sequence(|r| {
                    expect(ObjectIdentifier::decode(r)?, PBKDF2)?;
                    r.sequence(|r| {
                        let salt = OctetStringRef::decode(r)?.as_bytes();
                        let iteration_count = u32::decode(r)?;
                        let key_length = Option::<u16>::decode(r)?;
                        let prf = if r.is_finished() {
                            pkcs5::pbes2::Pbkdf2Prf::HmacWithSha1
                        } else {
                            let oid = r.sequence(|r| {
                                let oid = ObjectIdentifier::decode(r)?;
                                Option::<der::asn1::Null>::decode(r)?;
                                Ok(oid)
                            })?;
                            let alg = spki::AlgorithmIdentifierRef { oid, parameters: Some(der::asn1::AnyRef::NULL) };
                            pkcs5::pbes2::Pbkdf2Prf::try_from(alg)?
                        };
                        Ok(pkcs5::pbes2::Pbkdf2Params { salt, iteration_count, key_length, prf })
                    })
                })?;
                let encryption = pkcs5::pbes2::EncryptionScheme::try_from(spki::AlgorithmIdentifierRef::decode(r)?)?;
                Ok(pkcs5::pbes2::Parameters { kdf: pkcs5::pbes2::Kdf::Pbkdf2(kdf), encryption })
            })
        })?;
        let data = OctetStringRef::decode(r)?.as_bytes();
        Ok((pkcs5::EncryptionScheme::Pbes2(params), data))
    })?;
    reader.finish(result)
}

/// How private keys are protected by a passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PemProtection {
    /// scrypt with cost 2^log_n (default: N=2^16, r=8, p=1, 64 MiB), then AES-256-CBC.
    Scrypt {
        /// log2 of N.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// PBKDF2-HMAC-SHA256, then AES-256-CBC.
    Pbkdf2Sha256 {
        /// Iteration count.
        iterations: u32,
    },
}

impl Default for PemProtection {
    fn default() -> Self {
        PemProtection::Scrypt { log_n: 16, r: 8, p: 1 }
    }
}

fn check_kdf_cost(alg: &pkcs5::EncryptionScheme<'_>) -> Result<()> {
    match alg {
        pkcs5::EncryptionScheme::Pbes2(params) => match &params.kdf {
            pkcs5::pbes2::Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => Err(Error::Limit(format!(
                "PBKDF2 iteration count {} is above {MAX_PBKDF2_ITERATIONS}",
                p.iteration_count
            ))),
            pkcs5::pbes2::Kdf::Scrypt(s) => {
                let mem = 128u64 * s.cost_parameter * u64::from(s.block_size) * u64::from(s.parallelization);
                if mem > MAX_SCRYPT_MEMORY || s.cost_parameter > (1 << 22) {
                    Err(Error::Limit(format!("scrypt parameters need {mem} bytes, above {MAX_SCRYPT_MEMORY}")))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        },
        _ => Err(Error::Key("only PBES2-protected private keys are supported".into())),
    }
}

mod elliptic_curve_error {
    pub type E = p256::elliptic_curve::Error;
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn kdf_costs_from_files_are_capped_before_use() {
        let salt = [1u8; 16];
        let iv = [2u8; 16];
        let too_slow =
            pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(MAX_PBKDF2_ITERATIONS + 1, &salt, &iv).unwrap();
        let scrypt =
            pkcs5::pbes2::Parameters::scrypt_aes256cbc(pkcs5::scrypt::Params::new(24, 8, 1, 32).unwrap(), &salt, &iv)
                .unwrap();
        for params in [too_slow, scrypt] {
            let info =
                pkcs8::EncryptedPrivateKeyInfo { encryption_algorithm: params.into(), encrypted_data: &[0u8; 48] };
            let pem = pem_encode("ENCRYPTED PRIVATE KEY", &info.to_der().unwrap()).unwrap();
            let started = std::time::Instant::now();
            let err = PrivateKey::from_pem(&pem, KeyAlgo::RsaOaep, Some("x"), "k").unwrap_err();
            assert!(matches!(err, Error::Limit(_)), "{err}");
            assert!(started.elapsed().as_secs() < 2, "the KDF ran before the check");
        }
    }

    #[test]
    fn our_protection_round_trips_and_refuses_small_rsa() {
        let k = generate(KeyAlgo::EccDss, KeygenOptions { curve: Curve::P384, ..Default::default() }).unwrap();
        let pem = k.to_pem(Some(" secret ")).unwrap();
        let back = PrivateKey::from_pem(&pem, KeyAlgo::EccDss, Some("secret"), "k").unwrap();
        assert_eq!(back.public_key(), k.public_key());
        assert!(matches!(
            PrivateKey::from_pem(&pem, KeyAlgo::EccDss, Some("other"), "k"),
            Err(Error::WrongPassphrase(_))
        ));
        assert!(PrivateKey::from_pem(&pem, KeyAlgo::RsaOaep, Some("secret"), "k").is_err(), "algo mismatch is refused");
        assert!(generate(KeyAlgo::RsaOaep, KeygenOptions { bits: 1024, ..Default::default() }).is_err());
    }
}
