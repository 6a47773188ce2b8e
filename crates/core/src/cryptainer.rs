//! Assembly of cryptainers: wrapping payload keys through key cipher layers (asymmetric, symmetric
//! sub-keys, shared secrets, in any nesting) and unwrapping them with a report, as wacryptolib's
//! `CryptainerEncryptor` and `CryptainerDecryptor` do; streaming of payload layers; signatures.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::ejson::{Bin, Int, SecretBin, Uid};
use crate::error::{Error, Result};
use crate::keys::{KeyAlgo, KeygenOptions, PrivateKey, PublicKey};
use crate::keystore::KeystorePool;
use crate::model::*;
use crate::primitives::digest::Hasher;
use crate::primitives::symmetric::{self, Cipherdict, SymKey};
use crate::primitives::{rsa_oaep, shamir, signature};
use crate::report::{Level, OperationReport, Problem};

/// Where asymmetric keys of trustees come from.
pub trait TrusteeKeys {
    /// Public key of a trustee; `create` lets a local key factory generate it when missing.
    fn public_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        create: bool,
    ) -> Result<PublicKey>;

    /// Private key of a trustee, opened with one of the passphrases if it is protected.
    fn private_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrases: &[&str],
    ) -> Result<PrivateKey>;

    /// Signs a message (a digest) with a trustee's key, creating it if the trustee does that.
    fn sign(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: SignatureAlgo,
        message: &[u8],
    ) -> Result<SignatureStruct> {
        let key_algo = KeyAlgo::from(algo);
        self.public_key(trustee, keychain_uid, key_algo, true)?;
        let private = self.private_key(trustee, keychain_uid, key_algo, &[])?;
        signature::sign(&private, algo, message)
    }

    /// Has a remote trustee decrypt an RSA_OAEP cipherdict (its JSON bytes); returns the key struct bytes.
    fn remote_decrypt(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        cipherdict: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let _ = (keychain_uid, cipherdict);
        Err(Error::NotSupported(format!("{} can only be reached through a gateway client", trustee.label())))
    }

    /// Called once before a cryptainer's keys are unwrapped (remote trustees ask for authorization here).
    fn prepare_decryption(&self, cryptainer: &Cryptainer, report: &mut OperationReport) {
        let _ = (cryptainer, report);
    }
}

impl TrusteeKeys for KeystorePool {
    fn public_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        create: bool,
    ) -> Result<PublicKey> {
        match trustee {
            Trustee::LocalKeyfactory => {
                let ks = self.local_keyfactory()?;
                if !ks.has_public_key(keychain_uid, algo) {
                    if !create {
                        return Err(Error::KeyNotFound(format!("{algo}/{keychain_uid} in the local key factory")));
                    }
                    match ks.generate_keypair(keychain_uid, algo, KeygenOptions::default(), None) {
                        Ok(k) => return Ok(k),
                        Err(Error::KeyExists(_)) => {} // created meanwhile by another process
                        Err(e) => return Err(e),
                    }
                }
                PublicKey::from_pem(&ks.public_key_pem(keychain_uid, algo)?, algo)
            }
            Trustee::Authenticator { keystore_uid, .. } => {
                let ks = self.foreign_keystore(&keystore_uid.0)?;
                PublicKey::from_pem(&ks.public_key_pem(keychain_uid, algo)?, algo)
            }
            Trustee::JsonRpcApi { jsonrpc_url } => Err(Error::NotSupported(format!(
                "the remote trustee {jsonrpc_url} is reached through gateway::remote::PoolWithRemoteTrustees"
            ))),
        }
    }

    fn private_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrases: &[&str],
    ) -> Result<PrivateKey> {
        match trustee {
            Trustee::LocalKeyfactory => self.local_keyfactory()?.private_key(keychain_uid, algo, passphrases),
            Trustee::Authenticator { keystore_uid, .. } => {
                self.foreign_keystore(&keystore_uid.0)?.private_key(keychain_uid, algo, passphrases)
            }
            Trustee::JsonRpcApi { jsonrpc_url } => Err(Error::NotSupported(format!(
                "the remote trustee {jsonrpc_url} is reached through gateway::remote::PoolWithRemoteTrustees"
            ))),
        }
    }
}

/// Passphrases to try, per trustee and for all (wacryptolib's `passphrase_mapper`, whose `None` key
/// holds the common ones). Wiped on drop; `Debug` shows only counts.
#[derive(Default, Clone)]
pub struct Passphrases {
    per_trustee: HashMap<String, Vec<Zeroizing<String>>>,
    common: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Passphrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Passphrases({} trustees, {} common)", self.per_trustee.len(), self.common.len())
    }
}

impl Passphrases {
    /// No passphrase.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a passphrase tried for every trustee.
    pub fn add_common(&mut self, passphrase: &str) -> &mut Self {
        self.common.push(Zeroizing::new(passphrase.to_string()));
        self
    }
    /// Adds a passphrase for one trustee.
    pub fn add_for(&mut self, trustee: &Trustee, passphrase: &str) -> &mut Self {
        self.per_trustee.entry(trustee.trustee_id()).or_default().push(Zeroizing::new(passphrase.to_string()));
        self
    }
    /// Passphrases to try for a trustee: its own, then the common ones.
    pub fn for_trustee(&self, trustee: &Trustee) -> Vec<&str> {
        let own = self.per_trustee.get(&trustee.trustee_id()).into_iter().flatten();
        own.chain(self.common.iter()).map(|s| s.as_str()).collect()
    }
}

/// Canonical JSON of `{"cryptainer_metadata": ..., "key_bytes": ...}`, the plaintext of asymmetric layers.
pub fn key_struct_json(key_bytes: &[u8], metadata: Option<&Value>) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(key_bytes.len() * 2 + 64));
    out.extend_from_slice(b"{\"cryptainer_metadata\": ");
    let mut m = Vec::new();
    crate::ejson::write_value(metadata.unwrap_or(&Value::Null), &mut m);
    out.extend_from_slice(&m);
    out.extend_from_slice(b", \"key_bytes\": ");
    SecretBin::write_canonical(key_bytes, &mut out);
    out.push(b'}');
    out
}

/// Parsed key struct.
pub struct KeyStruct {
    /// The wrapped key bytes.
    pub key_bytes: Zeroizing<Vec<u8>>,
    /// Metadata stored beside them (canonical form).
    pub cryptainer_metadata: Option<Value>,
}

/// Parses a key struct.
pub fn parse_key_struct(bytes: &[u8]) -> Result<KeyStruct> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct K {
        key_bytes: SecretBin,
        cryptainer_metadata: Option<Value>,
    }
    let k: K = crate::ejson::from_slice_limited(bytes, 1 << 20)?;
    let cryptainer_metadata = match k.cryptainer_metadata {
        Some(m) => Some(crate::ejson::canonicalize(&m)?),
        None => None,
    };
    Ok(KeyStruct { key_bytes: k.key_bytes.0, cryptainer_metadata })
}

fn shard_json(index: u8, bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() * 2 + 64));
    out.extend_from_slice(format!("[{{\"$numberInt\": \"{index}\"}}, ").as_bytes());
    SecretBin::write_canonical(bytes, &mut out);
    out.push(b']');
    out
}

#[derive(serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedCipherdict {
    shard_ciphertexts: Vec<Bin>,
}

/// Digests of one payload layer's ciphertext.
pub type LayerDigests = Vec<(DigestAlgo, Vec<u8>)>;

/// Secrets of one payload layer, kept until the payload is encrypted.
pub struct LayerSecret {
    /// Payload key of the layer.
    pub key: SymKey,
    /// Digests to compute over this layer's ciphertext.
    pub digests: Vec<DigestAlgo>,
}

/// Builds a cryptainer (state STARTED, no payload yet) from a cryptoconf: one fresh key per payload
/// layer, wrapped through its key cipher layers. Returns the cryptainer and the layer keys.
pub fn start_cryptainer(
    conf: &Cryptoconf,
    metadata: Option<&Value>,
    keys: &dyn TrusteeKeys,
) -> Result<(Cryptainer, Vec<LayerSecret>)> {
    conf.validate()?;
    let metadata = match metadata {
        Some(m) if !m.is_object() => {
            return Err(Error::validation("cryptainer", "cryptainer_metadata", "must be a dict or null"))
        }
        Some(m) => Some(crate::ejson::canonicalize(m)?),
        None => None,
    };
    let default_uid = conf.keychain_uid.unwrap_or_else(|| Uid(crate::keystore::new_uid()));
    let mut layers = conf.payload_cipher_layers.clone();
    let mut secrets = Vec::with_capacity(layers.len());
    for layer in &mut layers {
        let key = SymKey::generate(layer.payload_cipher_algo);
        let wrapped = wrap_layers(&key.to_json(), &mut layer.key_cipher_layers, &default_uid, metadata.as_ref(), keys)?;
        layer.key_ciphertext = Some(Bin(wrapped));
        layer.payload_macs = None;
        secrets.push(LayerSecret {
            key,
            digests: layer.payload_signatures.iter().map(|s| s.payload_digest_algo).collect(),
        });
    }
    let cryptainer = Cryptainer {
        cryptainer_format: CRYPTAINER_FORMAT.into(),
        cryptainer_uid: Uid(crate::keystore::new_uid()),
        keychain_uid: default_uid,
        cryptainer_state: CryptainerState::Started,
        cryptainer_metadata: metadata,
        payload_ciphertext_struct: None,
        payload_cipher_layers: layers,
    };
    Ok((cryptainer, secrets))
}

fn wrap_layers(
    key_bytes: &[u8],
    layers: &mut [KeyCipherLayer],
    default_uid: &Uid,
    metadata: Option<&Value>,
    keys: &dyn TrusteeKeys,
) -> Result<Vec<u8>> {
    let mut current = Zeroizing::new(key_bytes.to_vec());
    for layer in layers.iter_mut() {
        let next = wrap_single(&current, layer, default_uid, metadata, keys)?;
        current = Zeroizing::new(next);
    }
    Ok(current.to_vec())
}

fn wrap_single(
    key_bytes: &[u8],
    layer: &mut KeyCipherLayer,
    default_uid: &Uid,
    metadata: Option<&Value>,
    keys: &dyn TrusteeKeys,
) -> Result<Vec<u8>> {
    match layer {
        KeyCipherLayer::RsaOaep(a) => {
            let uid = a.keychain_uid.unwrap_or(*default_uid);
            let public = keys.public_key(&a.key_cipher_trustee, &uid.0, KeyAlgo::RsaOaep, true)?;
            let plaintext = key_struct_json(key_bytes, metadata);
            rsa_oaep::encrypt(public.as_rsa()?, &plaintext)?.to_json()
        }
        KeyCipherLayer::SharedSecret(s) => {
            let n = s.key_shared_secret_shards.len();
            let k = usize::try_from(s.key_shared_secret_threshold.0).unwrap_or(0);
            let shards = shamir::split_secret(key_bytes, k, n)?;
            let mut cts = Vec::with_capacity(n);
            for ((index, bytes), shard) in shards.into_iter().zip(s.key_shared_secret_shards.iter_mut()) {
                let bytes = Zeroizing::new(bytes);
                let json = shard_json(index, &bytes);
                cts.push(Bin(wrap_layers(&json, &mut shard.key_cipher_layers, default_uid, metadata, keys)?));
            }
            crate::ejson::to_vec(&SharedCipherdict { shard_ciphertexts: cts })
        }
        sym => {
            let (algo, l) = sym.as_symmetric_mut().expect("remaining variants are symmetric");
            let sub = SymKey::generate(algo);
            l.key_ciphertext =
                Some(Bin(wrap_layers(&sub.to_json(), &mut l.key_cipher_layers, default_uid, metadata, keys)?));
            symmetric::encrypt(&sub, key_bytes).to_json()
        }
    }
}

/// Streams a payload through every payload layer, computing each layer's digests.
pub struct PayloadEncryptor {
    layers: Vec<(symmetric::Encryptor, Vec<(DigestAlgo, Hasher)>)>,
    input: Vec<u8>,
    scratch: Vec<u8>,
}

/// Tags and digests of one payload layer, once encrypted.
pub struct LayerIntegrity {
    /// Tag, for authenticated ciphers.
    pub tag: Option<Vec<u8>>,
    /// Digests of the layer's ciphertext.
    pub digests: LayerDigests,
}

fn hashers(algos: &[DigestAlgo]) -> Vec<(DigestAlgo, Hasher)> {
    let mut v: Vec<(DigestAlgo, Hasher)> = Vec::new();
    for a in algos {
        if !v.iter().any(|(x, _)| x == a) {
            v.push((*a, Hasher::new(*a)));
        }
    }
    v
}

impl PayloadEncryptor {
    /// Starts the encryption of a payload with the layer keys.
    pub fn new(secrets: &[LayerSecret]) -> Self {
        PayloadEncryptor {
            layers: secrets.iter().map(|s| (symmetric::Encryptor::new(&s.key), hashers(&s.digests))).collect(),
            input: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Encrypts a chunk, appending the outermost ciphertext to `out`.
    pub fn update(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        // Inner layers write into `scratch`, which then feeds the next layer as `input`.
        let mut input = std::mem::take(&mut self.input);
        input.clear();
        input.extend_from_slice(chunk);
        let last = self.layers.len() - 1;
        for (i, (enc, hs)) in self.layers.iter_mut().enumerate() {
            self.scratch.clear();
            let target = if i == last { &mut *out } else { &mut self.scratch };
            let start = target.len();
            enc.update(&input, target);
            for (_, h) in hs.iter_mut() {
                h.update(&target[start..]);
            }
            if i != last {
                std::mem::swap(&mut input, &mut self.scratch);
            }
        }
        self.input = input;
    }

    /// Finishes every layer, appending the last bytes to `out`; returns tags and digests per layer.
    pub fn finalize(self, out: &mut Vec<u8>) -> Vec<LayerIntegrity> {
        let mut pending = Zeroizing::new(Vec::new());
        let mut results = Vec::with_capacity(self.layers.len());
        let last = self.layers.len() - 1;
        for (i, (mut enc, mut hs)) in self.layers.into_iter().enumerate() {
            let mut produced = Vec::new();
            if !pending.is_empty() {
                enc.update(&pending, &mut produced);
            }
            let tag = enc.finalize(&mut produced);
            for (_, h) in hs.iter_mut() {
                h.update(&produced);
            }
            results.push(LayerIntegrity { tag, digests: hs.into_iter().map(|(a, h)| (a, h.finalize())).collect() });
            if i == last {
                out.extend_from_slice(&produced);
            } else {
                pending = Zeroizing::new(produced);
            }
        }
        results
    }
}

/// Fills tags, digests and signatures, and marks the cryptainer FINISHED.
pub fn finish_cryptainer(
    cryptainer: &mut Cryptainer,
    integrity: Vec<LayerIntegrity>,
    keys: &dyn TrusteeKeys,
) -> Result<()> {
    let default_uid = cryptainer.keychain_uid;
    for (layer, integ) in cryptainer.payload_cipher_layers.iter_mut().zip(integrity) {
        layer.payload_macs = Some(PayloadMacs { tag: integ.tag.map(Bin) });
        for sig in &mut layer.payload_signatures {
            let digest = integ
                .digests
                .iter()
                .find(|(a, _)| *a == sig.payload_digest_algo)
                .map(|(_, d)| d.clone())
                .ok_or_else(|| Error::Encryption("missing digest".into()))?;
            let uid = sig.keychain_uid.unwrap_or(default_uid);
            sig.payload_signature_struct =
                Some(keys.sign(&sig.payload_signature_trustee, &uid.0, sig.payload_signature_algo, &digest)?);
            sig.payload_digest_value = Some(Bin(digest));
        }
    }
    cryptainer.cryptainer_state = CryptainerState::Finished;
    Ok(())
}

/// Encrypts a payload held in memory into an inline cryptainer.
pub fn encrypt_bytes(
    payload: &[u8],
    conf: &Cryptoconf,
    metadata: Option<&Value>,
    keys: &dyn TrusteeKeys,
) -> Result<Cryptainer> {
    let (mut c, secrets) = start_cryptainer(conf, metadata, keys)?;
    let mut enc = PayloadEncryptor::new(&secrets);
    let mut out = Vec::with_capacity(payload.len() + 64);
    enc.update(payload, &mut out);
    let integrity = enc.finalize(&mut out);
    c.payload_ciphertext_struct = Some(PayloadCiphertextStruct::Inline { ciphertext_value: Bin(out) });
    finish_cryptainer(&mut c, integrity, keys)?;
    Ok(c)
}

/// Everything a decryption needs besides the cryptainer.
pub struct Unwrapper<'a> {
    /// Keys of trustees.
    pub keys: &'a dyn TrusteeKeys,
    /// Passphrases to try.
    pub passphrases: &'a Passphrases,
    /// Key structs already decrypted elsewhere (by guardians through a gateway), by key ciphertext.
    pub predecrypted: Option<&'a HashMap<Vec<u8>, Zeroizing<Vec<u8>>>>,
}

impl Unwrapper<'_> {
    /// Unwraps the key of every payload layer, reporting what happened; `None` for layers that failed.
    pub fn unwrap_payload_keys(&self, cryptainer: &Cryptainer, report: &mut OperationReport) -> Vec<Option<SymKey>> {
        self.keys.prepare_decryption(cryptainer, report);
        let n = cryptainer.payload_cipher_layers.len();
        let mut keys = Vec::with_capacity(n);
        for (i, layer) in cryptainer.payload_cipher_layers.iter().enumerate() {
            let loc = format!("payload layer {}/{n} ({})", i + 1, layer.payload_cipher_algo);
            let Some(ct) = &layer.key_ciphertext else {
                report.add(&loc, None, Level::Error, Some(Problem::IntegrityFailure), "no key ciphertext");
                keys.push(None);
                continue;
            };
            let bytes = self.unwrap_layers(ct, &layer.key_cipher_layers, cryptainer, &loc, report);
            keys.push(bytes.and_then(|b| match SymKey::from_json(layer.payload_cipher_algo, &b) {
                Ok(k) => {
                    report.add(&loc, None, Level::Info, None, "payload key recovered");
                    Some(k)
                }
                Err(e) => {
                    report.add(
                        &loc,
                        None,
                        Level::Error,
                        Some(Problem::IntegrityFailure),
                        format!("payload key is malformed: {e}"),
                    );
                    None
                }
            }));
        }
        keys
    }

    fn unwrap_layers(
        &self,
        ciphertext: &[u8],
        layers: &[KeyCipherLayer],
        c: &Cryptainer,
        loc: &str,
        report: &mut OperationReport,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let mut current = Zeroizing::new(ciphertext.to_vec());
        for (i, layer) in layers.iter().enumerate().rev() {
            let l = format!("{loc} › key layer {}/{} ({})", i + 1, layers.len(), layer.algo_name());
            current = self.unwrap_single(&current, layer, c, &l, report)?;
        }
        Some(current)
    }

    fn unwrap_single(
        &self,
        ciphertext: &[u8],
        layer: &KeyCipherLayer,
        c: &Cryptainer,
        loc: &str,
        report: &mut OperationReport,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let corrupted = |report: &mut OperationReport, who: Option<String>, what: String| {
            report.add(loc, who, Level::Error, Some(Problem::IntegrityFailure), what);
            None
        };
        match layer {
            KeyCipherLayer::RsaOaep(a) => {
                let who = Some(a.key_cipher_trustee.label());
                if let Some(pre) = self.predecrypted.and_then(|m| m.get(ciphertext)) {
                    return match parse_key_struct(pre) {
                        Ok(ks) => {
                            report.add(loc, who, Level::Info, None, "key decrypted by the guardian (remote answer)");
                            Some(ks.key_bytes)
                        }
                        Err(e) => corrupted(report, who, format!("remote answer is malformed: {e}")),
                    };
                }
                let uid = a.keychain_uid.unwrap_or(c.keychain_uid).0;
                if let Trustee::JsonRpcApi { .. } = &a.key_cipher_trustee {
                    return match self
                        .keys
                        .remote_decrypt(&a.key_cipher_trustee, &uid, ciphertext)
                        .and_then(|b| parse_key_struct(&b))
                    {
                        Ok(ks) => {
                            report.add(loc, who, Level::Info, None, "key decrypted by the remote trustee");
                            Some(ks.key_bytes)
                        }
                        Err(e) => {
                            let problem = if matches!(e, Error::NotSupported(_)) {
                                Problem::NotSupported
                            } else {
                                Problem::KeyDecryptionFailed
                            };
                            report.add(
                                loc,
                                who,
                                Level::Error,
                                Some(problem),
                                format!("the remote trustee did not decrypt the key: {e}"),
                            );
                            None
                        }
                    };
                }
                let cipherdict = match rsa_oaep::OaepCipherdict::from_json(ciphertext) {
                    Ok(cd) => cd,
                    Err(e) => return corrupted(report, who, format!("key ciphertext is malformed: {e}")),
                };
                let passphrases = self.passphrases.for_trustee(&a.key_cipher_trustee);
                let key = match self.keys.private_key(&a.key_cipher_trustee, &uid, KeyAlgo::RsaOaep, &passphrases) {
                    Ok(k) => k,
                    Err(e) => {
                        let (problem, msg) = match &e {
                            Error::KeystoreNotFound(u) => (
                                Problem::KeystoreNotFound { keystore_uid: u.clone() },
                                "keystore of this guardian is not imported".to_string(),
                            ),
                            Error::KeyNotFound(k) => {
                                (Problem::PrivateKeyNotFound { key: k.clone() }, format!("private key {k} is missing"))
                            }
                            Error::WrongPassphrase(k) => (
                                Problem::WrongPassphrase { key: k.clone() },
                                if passphrases.is_empty() {
                                    format!("private key {k} needs a passphrase, none given")
                                } else {
                                    format!("wrong passphrase for private key {k} ({} tried)", passphrases.len())
                                },
                            ),
                            Error::NotSupported(m) => (Problem::NotSupported, format!("not supported yet: {m}")),
                            other => (Problem::KeyDecryptionFailed, other.to_string()),
                        };
                        report.add(loc, who, Level::Error, Some(problem), msg);
                        return None;
                    }
                };
                let rsa = match key.as_rsa() {
                    Ok(r) => r,
                    Err(e) => return corrupted(report, who, e.to_string()),
                };
                match rsa_oaep::decrypt(rsa, &cipherdict).and_then(|pt| parse_key_struct(&pt)) {
                    Ok(ks) => {
                        report.add(loc, who, Level::Info, None, "key decrypted");
                        Some(ks.key_bytes)
                    }
                    Err(e) => {
                        report.add(
                            loc,
                            who,
                            Level::Error,
                            Some(Problem::KeyDecryptionFailed),
                            format!("key does not decrypt: {e}"),
                        );
                        None
                    }
                }
            }
            KeyCipherLayer::SharedSecret(s) => {
                let d: SharedCipherdict = match crate::ejson::from_slice(ciphertext) {
                    Ok(d) => d,
                    Err(e) => return corrupted(report, None, format!("shared secret is malformed: {e}")),
                };
                let n = s.key_shared_secret_shards.len();
                let k = s.key_shared_secret_threshold.0.max(1) as usize;
                if d.shard_ciphertexts.len() != n {
                    return corrupted(
                        report,
                        None,
                        format!("{} shard ciphertexts for {n} shards", d.shard_ciphertexts.len()),
                    );
                }
                let first_entry = report.entries.len();
                let mut got: Vec<(u8, Vec<u8>)> = Vec::new();
                for (j, (ct, shard)) in d.shard_ciphertexts.iter().zip(&s.key_shared_secret_shards).enumerate() {
                    let sl = format!("{loc} › shard {}/{n}", j + 1);
                    let Some(bytes) = self.unwrap_layers(ct, &shard.key_cipher_layers, c, &sl, report) else {
                        continue;
                    };
                    match crate::ejson::from_slice::<(Int, SecretBin)>(&bytes) {
                        Ok((idx, b)) if (1..=255).contains(&idx.0) => {
                            if got.iter().any(|(i, _)| *i as i64 == idx.0) {
                                corrupted(report, None, format!("shard index {} appears twice", idx.0));
                            } else {
                                got.push((idx.0 as u8, b.0.to_vec()));
                            }
                        }
                        _ => {
                            corrupted(report, None, "shard is malformed".into());
                        }
                    }
                    if got.len() == k {
                        break;
                    }
                }
                let result = if got.len() < k {
                    report.add(
                        loc,
                        None,
                        Level::Error,
                        Some(Problem::NotEnoughShards { needed: k, found: got.len() }),
                        format!("{k} of {n} shards needed, {} found", got.len()),
                    );
                    None
                } else {
                    match shamir::combine_secret(&got) {
                        Ok(secret) => {
                            report.add(loc, None, Level::Info, None, format!("{k} of {n} shards recombined"));
                            // Failures of other shards did not prevent this secret: they are warnings.
                            for e in &mut report.entries[first_entry..] {
                                if e.level == Level::Error {
                                    e.level = Level::Warning;
                                }
                            }
                            Some(secret)
                        }
                        Err(e) => corrupted(report, None, format!("shards do not recombine: {e}")),
                    }
                };
                for (_, b) in &mut got {
                    zeroize::Zeroize::zeroize(b);
                }
                result
            }
            sym => {
                let (algo, l) = sym.as_symmetric().expect("remaining variants are symmetric");
                let Some(sub_ct) = &l.key_ciphertext else {
                    return corrupted(report, None, "no sub-key ciphertext".into());
                };
                let sub = self.unwrap_layers(sub_ct, &l.key_cipher_layers, c, loc, report)?;
                let result = SymKey::from_json(algo, &sub).and_then(|subkey| {
                    Cipherdict::from_json(ciphertext).and_then(|cd| symmetric::decrypt(&subkey, &cd))
                });
                match result {
                    Ok(pt) => Some(pt),
                    Err(e) => corrupted(report, None, format!("{algo} key layer does not decrypt: {e}")),
                }
            }
        }
    }
}

/// Streams ciphertext through the payload layers in reverse order, computing each layer's digests.
pub struct PayloadDecryptor {
    /// Outermost layer first.
    layers: Vec<(symmetric::Decryptor, Vec<(DigestAlgo, Hasher)>)>,
    input: Vec<u8>,
    scratch: Vec<u8>,
}

impl PayloadDecryptor {
    /// Starts the decryption with the recovered keys (all must be present).
    pub fn new(cryptainer: &Cryptainer, keys: &[SymKey], verify_integrity: bool) -> Result<Self> {
        let mut layers = Vec::with_capacity(keys.len());
        for (layer, key) in cryptainer.payload_cipher_layers.iter().zip(keys).rev() {
            let tag = layer.payload_macs.as_ref().and_then(|m| m.tag.as_ref()).map(|t| t.0.as_slice());
            let tag_to_use = if verify_integrity { tag } else { tag.or(Some(&[0u8; 16][..])) };
            let digests: Vec<DigestAlgo> = layer.payload_signatures.iter().map(|s| s.payload_digest_algo).collect();
            layers.push((symmetric::Decryptor::new(key, tag_to_use)?, hashers(&digests)));
        }
        Ok(PayloadDecryptor { layers, input: Vec::new(), scratch: Vec::new() })
    }

    /// Decrypts a chunk of the outermost ciphertext, appending plaintext to `out`. Plaintext is not
    /// authenticated until [`PayloadDecryptor::finalize`] succeeds.
    pub fn update(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let last = self.layers.len() - 1;
        let mut input = std::mem::take(&mut self.input);
        input.clear();
        input.extend_from_slice(chunk);
        for (i, (dec, hs)) in self.layers.iter_mut().enumerate() {
            for (_, h) in hs.iter_mut() {
                h.update(&input);
            }
            if i == last {
                dec.update(&input, out);
            } else {
                self.scratch.clear();
                dec.update(&input, &mut self.scratch);
                std::mem::swap(&mut input, &mut self.scratch);
            }
        }
        self.input = input;
    }

    /// Finishes every layer (tags, padding); returns each layer's digests, in cryptainer layer order.
    pub fn finalize(self, out: &mut Vec<u8>) -> Result<Vec<LayerDigests>> {
        let mut digests = Vec::with_capacity(self.layers.len());
        let mut pending: Vec<u8> = Vec::new();
        let last = self.layers.len() - 1;
        for (i, (mut dec, mut hs)) in self.layers.into_iter().enumerate() {
            let mut produced = Vec::new();
            if !pending.is_empty() {
                for (_, h) in hs.iter_mut() {
                    h.update(&pending);
                }
                dec.update(&pending, &mut produced);
            }
            dec.finalize(&mut produced)?;
            digests.push(hs.into_iter().map(|(a, h)| (a, h.finalize())).collect());
            if i == last {
                out.extend_from_slice(&produced);
            } else {
                pending = produced;
            }
        }
        digests.reverse();
        Ok(digests)
    }
}

/// Checks every payload signature against the computed digests. An invalid signature or digest is an
/// error; a signature key that is not available here (say, in the recorder's own key factory) is a warning.
pub fn verify_signatures(
    cryptainer: &Cryptainer,
    digests: &[LayerDigests],
    keys: &dyn TrusteeKeys,
    report: &mut OperationReport,
) {
    let n = cryptainer.payload_cipher_layers.len();
    for (i, (layer, layer_digests)) in cryptainer.payload_cipher_layers.iter().zip(digests).enumerate() {
        for (j, sig) in layer.payload_signatures.iter().enumerate() {
            let loc = format!(
                "payload layer {}/{n} › signature {} ({}/{})",
                i + 1,
                j + 1,
                sig.payload_signature_algo,
                sig.payload_digest_algo
            );
            let who = Some(sig.payload_signature_trustee.label());
            let Some(actual) = layer_digests.iter().find(|(a, _)| *a == sig.payload_digest_algo).map(|(_, d)| d) else {
                continue;
            };
            if let Some(expected) = &sig.payload_digest_value {
                if expected.0 != *actual {
                    report.add(
                        &loc,
                        who,
                        Level::Error,
                        Some(Problem::SignatureInvalid),
                        "digest of the ciphertext does not match",
                    );
                    continue;
                }
            }
            let Some(st) = &sig.payload_signature_struct else {
                report.add(&loc, who, Level::Error, Some(Problem::SignatureInvalid), "signature is missing");
                continue;
            };
            let uid = sig.keychain_uid.unwrap_or(cryptainer.keychain_uid).0;
            let algo = KeyAlgo::from(sig.payload_signature_algo);
            match keys.public_key(&sig.payload_signature_trustee, &uid, algo, false) {
                Err(e) => report.add(
                    &loc,
                    who,
                    Level::Warning,
                    None,
                    format!("signature not checked: public key unavailable ({e})"),
                ),
                Ok(pk) => match signature::verify(&pk, sig.payload_signature_algo, actual, st) {
                    Ok(()) => report.add(&loc, who, Level::Info, None, "signature is valid"),
                    Err(e) => report.add(&loc, who, Level::Error, Some(Problem::SignatureInvalid), e.to_string()),
                },
            }
        }
    }
}

/// Decrypts an inline cryptainer in memory (or one whose offloaded payload is given). Returns the
/// plaintext, or `Error::DecryptionReport` saying what failed for each guardian and shard.
pub fn decrypt_bytes(
    cryptainer: &Cryptainer,
    offloaded_payload: Option<&[u8]>,
    unwrapper: &Unwrapper<'_>,
    verify_integrity: bool,
) -> Result<(Zeroizing<Vec<u8>>, OperationReport)> {
    let ciphertext: &[u8] = match (&cryptainer.payload_ciphertext_struct, offloaded_payload) {
        (Some(PayloadCiphertextStruct::Inline { ciphertext_value }), _) => ciphertext_value,
        (Some(PayloadCiphertextStruct::Offloaded), Some(p)) => p,
        (Some(PayloadCiphertextStruct::Offloaded), None) => {
            return Err(Error::validation(
                "cryptainer",
                "payload_ciphertext_struct",
                "payload is offloaded but was not given",
            ))
        }
        (None, _) => return Err(Error::validation("cryptainer", "payload_ciphertext_struct", "unfinished cryptainer")),
    };
    let mut report = OperationReport::default();
    let keys = unwrapper.unwrap_payload_keys(cryptainer, &mut report);
    let Some(keys) = keys.into_iter().collect::<Option<Vec<_>>>() else {
        return Err(Error::DecryptionReport(report));
    };
    let mut dec = PayloadDecryptor::new(cryptainer, &keys, verify_integrity)?;
    let mut out = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    dec.update(ciphertext, &mut out);
    let digests = match dec.finalize(&mut out) {
        Ok(d) => d,
        Err(e) => {
            report.add(
                "payload",
                None,
                Level::Error,
                Some(Problem::IntegrityFailure),
                format!("payload does not decrypt: {e}"),
            );
            return Err(Error::DecryptionReport(report));
        }
    };
    verify_signatures(cryptainer, &digests, unwrapper.keys, &mut report);
    if report.has_errors() {
        return Err(Error::DecryptionReport(report));
    }
    Ok((out, report))
}
