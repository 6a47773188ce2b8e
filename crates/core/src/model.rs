//! Typed data model of cryptoconfs and cryptainers (wacryptolib's `cryptainer_1.0`), its validation and
//! its JSON Schema. No cryptography here.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::ejson::{Bin, Int, Uid};
use crate::error::{Error, Result};

/// Format marker of every cryptainer.
pub const CRYPTAINER_FORMAT: &str = "cryptainer_1.0";
/// Deepest nesting of key cipher layers (symmetric sub-keys and shared secrets) accepted.
pub const MAX_KEY_LAYER_DEPTH: usize = 12;
/// Most shards accepted in one shared secret (share indices are small integers in pycryptodome).
pub const MAX_SHARDS: usize = 255;
/// Most layers accepted in one list of layers.
pub const MAX_LAYERS: usize = 32;

/// Who holds the asymmetric key of a layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
#[serde(tag = "trustee_type", deny_unknown_fields)]
pub enum Trustee {
    /// Keys of the local key factory of the keystore pool (created on demand at encryption).
    #[serde(rename = "local_keyfactory")]
    LocalKeyfactory,
    /// An imported guardian identity (authenticator) of the keystore pool.
    #[serde(rename = "authenticator")]
    Authenticator {
        /// Uid of the authenticator's keystore.
        keystore_uid: Uid,
        /// Owner name, for display only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keystore_owner: Option<String>,
    },
    /// A remote trustee reached over JSON-RPC.
    #[serde(rename = "jsonrpc_api")]
    JsonRpcApi {
        /// URL of the JSON-RPC endpoint.
        jsonrpc_url: String,
    },
}

impl Trustee {
    /// Identifier used by wacryptolib's `passphrase_mapper` (`get_trustee_id`).
    pub fn trustee_id(&self) -> String {
        match self {
            Trustee::LocalKeyfactory => "local_keyfactory".into(),
            Trustee::Authenticator { keystore_uid, .. } => format!("authenticator@{keystore_uid}"),
            Trustee::JsonRpcApi { jsonrpc_url } => format!("jsonrpc_api@{jsonrpc_url}"),
        }
    }

    /// Human label: type and owner when known.
    pub fn label(&self) -> String {
        match self {
            Trustee::LocalKeyfactory => "local key factory".into(),
            Trustee::Authenticator { keystore_uid, keystore_owner: Some(o) } if !o.is_empty() => {
                format!("authenticator '{o}' ({keystore_uid})")
            }
            Trustee::Authenticator { keystore_uid, .. } => format!("authenticator {keystore_uid}"),
            Trustee::JsonRpcApi { jsonrpc_url } => format!("remote trustee {jsonrpc_url}"),
        }
    }
}

macro_rules! name_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The name used in documents.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_uppercase().as_str() { $($s => Ok($name::$v),)+ _ => Err(Error::UnsupportedAlgorithm(s.into())) }
            }
        }
    };
}

name_enum!(
    /// Symmetric ciphers, for payloads and intermediate keys.
    SymAlgo {
        /// AES-256-CBC with PKCS#7 padding.
        AesCbc = "AES_CBC",
        /// AES-256-EAX, 16-byte nonce and tag.
        AesEax = "AES_EAX",
        /// ChaCha20-Poly1305 (RFC 8439), 12-byte nonce.
        Chacha20Poly1305 = "CHACHA20_POLY1305",
        /// AES-256-GCM, 12-byte nonce (ours: wacryptolib cannot read it).
        AesGcm = "AES_GCM",
    }
);

impl SymAlgo {
    /// Whether the cipher carries an authentication tag.
    pub fn is_authenticated(self) -> bool {
        !matches!(self, SymAlgo::AesCbc)
    }
    /// Whether wacryptolib 0.11 knows it.
    pub fn wacryptolib_compatible(self) -> bool {
        !matches!(self, SymAlgo::AesGcm)
    }
}

name_enum!(
    /// Digest algorithms of payload signatures.
    DigestAlgo {
        /// SHA-256.
        Sha256 = "SHA256",
        /// SHA-512.
        Sha512 = "SHA512",
        /// SHA3-256.
        Sha3_256 = "SHA3_256",
        /// SHA3-512.
        Sha3_512 = "SHA3_512",
    }
);

name_enum!(
    /// Signature algorithms (they double as key algorithm names in keystores).
    SignatureAlgo {
        /// RSA-PSS, MGF1-SHA-512, salt 64.
        RsaPss = "RSA_PSS",
        /// ECDSA FIPS 186-3 on P-256/P-384/P-521, raw r||s.
        EccDss = "ECC_DSS",
        /// DSA FIPS 186-3, raw r||s.
        DsaDss = "DSA_DSS",
        /// Ed25519 (ours: wacryptolib cannot verify it).
        Ed25519 = "ED25519",
    }
);

/// An asymmetric key cipher layer (only `RSA_OAEP` exists).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AsymmetricLayer {
    /// Holder of the key pair.
    pub key_cipher_trustee: Trustee,
    /// Overrides the cryptainer's default keychain uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keychain_uid: Option<Uid>,
}

/// A symmetric key cipher layer with its own sub-key, itself wrapped by inner layers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SymmetricLayer {
    /// Layers protecting the sub-key.
    pub key_cipher_layers: Vec<KeyCipherLayer>,
    /// The wrapped sub-key (cryptainers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ciphertext: Option<Bin>,
}

/// One shard of a shared secret.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// Layers protecting the shard.
    pub key_cipher_layers: Vec<KeyCipherLayer>,
}

/// A Shamir shared-secret layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SharedSecretLayer {
    /// Shards needed to rebuild the key.
    pub key_shared_secret_threshold: Int,
    /// The shards and their layers.
    pub key_shared_secret_shards: Vec<Shard>,
}

/// A key cipher layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "key_cipher_algo")]
pub enum KeyCipherLayer {
    /// RSA-OAEP with the trustee's public key.
    #[serde(rename = "RSA_OAEP")]
    RsaOaep(AsymmetricLayer),
    /// AES-CBC with a sub-key.
    #[serde(rename = "AES_CBC")]
    AesCbc(SymmetricLayer),
    /// AES-EAX with a sub-key.
    #[serde(rename = "AES_EAX")]
    AesEax(SymmetricLayer),
    /// ChaCha20-Poly1305 with a sub-key.
    #[serde(rename = "CHACHA20_POLY1305")]
    Chacha20Poly1305(SymmetricLayer),
    /// AES-GCM with a sub-key (ours).
    #[serde(rename = "AES_GCM")]
    AesGcm(SymmetricLayer),
    /// Shamir secret sharing.
    #[serde(rename = "[SHARED_SECRET]")]
    SharedSecret(SharedSecretLayer),
}

impl KeyCipherLayer {
    /// The algorithm name as written in documents.
    pub fn algo_name(&self) -> &'static str {
        match self {
            KeyCipherLayer::RsaOaep(_) => "RSA_OAEP",
            KeyCipherLayer::SharedSecret(_) => "[SHARED_SECRET]",
            other => other.as_symmetric().map(|(a, _)| a.as_str()).unwrap_or("?"),
        }
    }

    /// The symmetric algorithm and layer, if this is a symmetric layer.
    pub fn as_symmetric(&self) -> Option<(SymAlgo, &SymmetricLayer)> {
        match self {
            KeyCipherLayer::AesCbc(l) => Some((SymAlgo::AesCbc, l)),
            KeyCipherLayer::AesEax(l) => Some((SymAlgo::AesEax, l)),
            KeyCipherLayer::Chacha20Poly1305(l) => Some((SymAlgo::Chacha20Poly1305, l)),
            KeyCipherLayer::AesGcm(l) => Some((SymAlgo::AesGcm, l)),
            _ => None,
        }
    }

    /// Mutable access to a symmetric layer.
    pub fn as_symmetric_mut(&mut self) -> Option<(SymAlgo, &mut SymmetricLayer)> {
        match self {
            KeyCipherLayer::AesCbc(l) => Some((SymAlgo::AesCbc, l)),
            KeyCipherLayer::AesEax(l) => Some((SymAlgo::AesEax, l)),
            KeyCipherLayer::Chacha20Poly1305(l) => Some((SymAlgo::Chacha20Poly1305, l)),
            KeyCipherLayer::AesGcm(l) => Some((SymAlgo::AesGcm, l)),
            _ => None,
        }
    }

    /// Builds a symmetric layer of the given algorithm.
    pub fn symmetric(algo: SymAlgo, layer: SymmetricLayer) -> Self {
        match algo {
            SymAlgo::AesCbc => KeyCipherLayer::AesCbc(layer),
            SymAlgo::AesEax => KeyCipherLayer::AesEax(layer),
            SymAlgo::Chacha20Poly1305 => KeyCipherLayer::Chacha20Poly1305(layer),
            SymAlgo::AesGcm => KeyCipherLayer::AesGcm(layer),
        }
    }
}

/// Signature struct of a payload signature.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignatureStruct {
    /// Raw signature bytes.
    pub signature_value: Bin,
    /// UTC timestamp (seconds) mixed into the signed hash.
    pub signature_timestamp_utc: Int,
}

/// A signature of a payload layer's ciphertext.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PayloadSignature {
    /// Digest of the layer ciphertext that gets signed.
    pub payload_digest_algo: DigestAlgo,
    /// Signature algorithm.
    pub payload_signature_algo: SignatureAlgo,
    /// Holder of the signing key.
    pub payload_signature_trustee: Trustee,
    /// Overrides the default keychain uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keychain_uid: Option<Uid>,
    /// The digest (cryptainers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_digest_value: Option<Bin>,
    /// The signature (cryptainers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_signature_struct: Option<SignatureStruct>,
}

/// Authentication tags of a payload layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PayloadMacs {
    /// Tag of authenticated ciphers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Bin>,
}

/// A payload cipher layer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PayloadCipherLayer {
    /// Cipher of the payload at this layer.
    pub payload_cipher_algo: SymAlgo,
    /// How the layer's key is wrapped.
    pub key_cipher_layers: Vec<KeyCipherLayer>,
    /// Signatures of this layer's ciphertext.
    pub payload_signatures: Vec<PayloadSignature>,
    /// Wrapped key (cryptainers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ciphertext: Option<Bin>,
    /// Tags (cryptainers only; null while unfinished).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_macs: Option<PayloadMacs>,
}

/// A cryptoconf: the recipe of a cryptainer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cryptoconf {
    /// Payload layers, applied in order.
    pub payload_cipher_layers: Vec<PayloadCipherLayer>,
    /// Default keychain uid of asymmetric keys (random when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keychain_uid: Option<Uid>,
}

/// Where the payload ciphertext is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "ciphertext_location", deny_unknown_fields)]
pub enum PayloadCiphertextStruct {
    /// Inside the JSON document.
    #[serde(rename = "inline")]
    Inline {
        /// The ciphertext.
        ciphertext_value: Bin,
    },
    /// In `NAME.crypt.payload` beside it.
    #[serde(rename = "offloaded")]
    Offloaded,
}

/// Cryptainer state.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptainerState {
    /// Being written.
    #[serde(rename = "STARTED")]
    Started,
    /// Complete.
    #[serde(rename = "FINISHED")]
    Finished,
}

/// A cryptainer: the cryptoconf filled with wrapped keys, tags, signatures and the payload (or a marker).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cryptainer {
    /// Always `cryptainer_1.0`.
    pub cryptainer_format: String,
    /// Unique id.
    pub cryptainer_uid: Uid,
    /// Default keychain uid of its asymmetric keys.
    pub keychain_uid: Uid,
    /// STARTED or FINISHED.
    pub cryptainer_state: CryptainerState,
    /// Free-form metadata, in canonical Extended JSON form (dict or null).
    pub cryptainer_metadata: Option<Value>,
    /// Payload location (null while a streamed cryptainer is being started).
    pub payload_ciphertext_struct: Option<PayloadCiphertextStruct>,
    /// Payload layers.
    pub payload_cipher_layers: Vec<PayloadCipherLayer>,
}

impl Cryptoconf {
    /// Parses and validates a cryptoconf from Extended JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let conf: Cryptoconf = crate::ejson::from_slice_limited(bytes, 16 * 1024 * 1024)?;
        conf.validate()?;
        Ok(conf)
    }

    /// Checks the rules the JSON shape cannot express (same as wacryptolib's CRYPTOCONF schema).
    pub fn validate(&self) -> Result<()> {
        validate_payload_layers(&self.payload_cipher_layers, false, "cryptoconf")
    }

    /// Canonical Extended JSON bytes.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        crate::ejson::to_vec(self)
    }
}

impl Cryptainer {
    /// Parses and validates a cryptainer from Extended JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let mut c: Cryptainer = crate::ejson::from_slice(bytes)?;
        if let Some(m) = &c.cryptainer_metadata {
            c.cryptainer_metadata = Some(crate::ejson::canonicalize(m)?);
        }
        c.validate()?;
        Ok(c)
    }

    /// Checks the rules the JSON shape cannot express (same as wacryptolib's CRYPTAINER schema).
    pub fn validate(&self) -> Result<()> {
        const W: &str = "cryptainer";
        if self.cryptainer_format != CRYPTAINER_FORMAT {
            return Err(Error::validation(
                W,
                "cryptainer_format",
                format!("unknown format {:?}", self.cryptainer_format),
            ));
        }
        if let Some(m) = &self.cryptainer_metadata {
            if !m.is_object() {
                return Err(Error::validation(W, "cryptainer_metadata", "must be a dict or null"));
            }
        }
        if self.cryptainer_state == CryptainerState::Finished && self.payload_ciphertext_struct.is_none() {
            return Err(Error::validation(W, "payload_ciphertext_struct", "missing in a finished cryptainer"));
        }
        validate_payload_layers(&self.payload_cipher_layers, true, W)?;
        if self.cryptainer_state == CryptainerState::Finished {
            for (i, l) in self.payload_cipher_layers.iter().enumerate() {
                if l.payload_macs.is_none() {
                    return Err(Error::validation(W, format!("payload_cipher_layers[{i}].payload_macs"), "missing"));
                }
            }
        }
        Ok(())
    }

    /// Canonical Extended JSON bytes, as wacryptolib writes them.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        crate::ejson::to_vec(self)
    }
}

fn validate_payload_layers(layers: &[PayloadCipherLayer], for_cryptainer: bool, what: &'static str) -> Result<()> {
    if layers.is_empty() {
        return Err(Error::validation(what, "payload_cipher_layers", "must not be empty"));
    }
    if layers.len() > MAX_LAYERS {
        return Err(Error::Limit(format!("more than {MAX_LAYERS} payload cipher layers")));
    }
    for (i, layer) in layers.iter().enumerate() {
        let p = format!("payload_cipher_layers[{i}]");
        check_presence(what, &format!("{p}.key_ciphertext"), layer.key_ciphertext.is_some(), for_cryptainer)?;
        if !for_cryptainer && layer.payload_macs.is_some() {
            return Err(Error::validation(what, format!("{p}.payload_macs"), "only allowed in cryptainers"));
        }
        if let Some(PayloadMacs { tag }) = &layer.payload_macs {
            if tag.is_some() != layer.payload_cipher_algo.is_authenticated() {
                return Err(Error::validation(
                    what,
                    format!("{p}.payload_macs"),
                    format!("a tag is expected iff the cipher is authenticated ({})", layer.payload_cipher_algo),
                ));
            }
        }
        for (j, s) in layer.payload_signatures.iter().enumerate() {
            let sp = format!("{p}.payload_signatures[{j}]");
            if !for_cryptainer && (s.payload_digest_value.is_some() || s.payload_signature_struct.is_some()) {
                return Err(Error::validation(what, sp, "digest and signature values are only allowed in cryptainers"));
            }
        }
        validate_key_layers(&layer.key_cipher_layers, for_cryptainer, what, &format!("{p}.key_cipher_layers"), 0)?;
    }
    Ok(())
}

fn check_presence(what: &'static str, path: &str, present: bool, for_cryptainer: bool) -> Result<()> {
    match (present, for_cryptainer) {
        (false, true) => Err(Error::validation(what, path, "missing")),
        (true, false) => Err(Error::validation(what, path, "only allowed in cryptainers")),
        _ => Ok(()),
    }
}

fn validate_key_layers(
    layers: &[KeyCipherLayer],
    for_cryptainer: bool,
    what: &'static str,
    path: &str,
    depth: usize,
) -> Result<()> {
    if depth > MAX_KEY_LAYER_DEPTH {
        return Err(Error::Limit(format!("key cipher layers nested deeper than {MAX_KEY_LAYER_DEPTH} at {path}")));
    }
    if layers.is_empty() {
        return Err(Error::validation(what, path, "must not be empty"));
    }
    if layers.len() > MAX_LAYERS {
        return Err(Error::Limit(format!("more than {MAX_LAYERS} key cipher layers at {path}")));
    }
    for (i, layer) in layers.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match layer {
            KeyCipherLayer::RsaOaep(_) => {}
            KeyCipherLayer::SharedSecret(s) => {
                let n = s.key_shared_secret_shards.len();
                let k = s.key_shared_secret_threshold.0;
                if n > MAX_SHARDS {
                    return Err(Error::Limit(format!("{n} shards at {p}, at most {MAX_SHARDS}")));
                }
                if k < 1 || k as usize > n {
                    return Err(Error::validation(
                        what,
                        format!("{p}.key_shared_secret_threshold"),
                        format!("threshold {k} must be between 1 and the shard count {n}"),
                    ));
                }
                for (j, shard) in s.key_shared_secret_shards.iter().enumerate() {
                    let sp = format!("{p}.key_shared_secret_shards[{j}].key_cipher_layers");
                    validate_key_layers(&shard.key_cipher_layers, for_cryptainer, what, &sp, depth + 1)?;
                }
            }
            sym => {
                let (_, l) = sym.as_symmetric().expect("remaining variants are symmetric");
                check_presence(what, &format!("{p}.key_ciphertext"), l.key_ciphertext.is_some(), for_cryptainer)?;
                validate_key_layers(
                    &l.key_cipher_layers,
                    for_cryptainer,
                    what,
                    &format!("{p}.key_cipher_layers"),
                    depth + 1,
                )?;
            }
        }
    }
    Ok(())
}

/// JSON Schema (draft 2020-12) of cryptoconfs or cryptainers in their Extended JSON form.
pub fn json_schema(for_cryptainer: bool) -> Value {
    let b64 = json!({"type": "string", "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})?$"});
    let binary = |sub: Value| {
        json!({"type": "object", "additionalProperties": false, "required": ["$binary"],
        "properties": {"$binary": {"type": "object", "additionalProperties": false, "required": ["base64", "subType"],
        "properties": {"base64": b64, "subType": sub}}}})
    };
    let int_str = json!({"type": "string", "pattern": "^[+-]?\\d+$"});
    let names = |all: Vec<&str>| json!({"enum": all});
    let sym: Vec<&str> = SymAlgo::ALL.iter().map(|a| a.as_str()).collect();
    let mut defs = json!({
        "binary": binary(json!({"const": "00"})),
        "uid": binary(json!({"enum": ["03", "04"]})),
        "int": {"oneOf": [
            {"type": "object", "additionalProperties": false, "required": ["$numberInt"], "properties": {"$numberInt": int_str}},
            {"type": "object", "additionalProperties": false, "required": ["$numberLong"], "properties": {"$numberLong": int_str}},
            {"type": "integer"}]},
        "trustee": {"oneOf": [
            {"type": "object", "additionalProperties": false, "required": ["trustee_type"],
             "properties": {"trustee_type": {"const": "local_keyfactory"}}},
            {"type": "object", "additionalProperties": false, "required": ["trustee_type", "keystore_uid"],
             "properties": {"trustee_type": {"const": "authenticator"}, "keystore_uid": {"$ref": "#/$defs/uid"},
                            "keystore_owner": {"type": "string"}}},
            {"type": "object", "additionalProperties": false, "required": ["trustee_type", "jsonrpc_url"],
             "properties": {"trustee_type": {"const": "jsonrpc_api"}, "jsonrpc_url": {"type": "string"}}}]},
        "key_cipher_layers": {"type": "array", "minItems": 1, "items": {"oneOf": [
            {"$ref": "#/$defs/asymmetric_layer"}, {"$ref": "#/$defs/symmetric_layer"}, {"$ref": "#/$defs/shared_secret_layer"}]}},
        "asymmetric_layer": {"type": "object", "additionalProperties": false, "required": ["key_cipher_algo", "key_cipher_trustee"],
            "properties": {"key_cipher_algo": {"const": "RSA_OAEP"}, "key_cipher_trustee": {"$ref": "#/$defs/trustee"},
                           "keychain_uid": {"$ref": "#/$defs/uid"}}},
        "shared_secret_layer": {"type": "object", "additionalProperties": false,
            "required": ["key_cipher_algo", "key_shared_secret_threshold", "key_shared_secret_shards"],
            "properties": {"key_cipher_algo": {"const": "[SHARED_SECRET]"}, "key_shared_secret_threshold": {"$ref": "#/$defs/int"},
                "key_shared_secret_shards": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                    "required": ["key_cipher_layers"], "properties": {"key_cipher_layers": {"$ref": "#/$defs/key_cipher_layers"}}}}}},
    });
    let mut sym_layer = json!({"type": "object", "additionalProperties": false, "required": ["key_cipher_algo", "key_cipher_layers"],
        "properties": {"key_cipher_algo": names(sym.clone()), "key_cipher_layers": {"$ref": "#/$defs/key_cipher_layers"}}});
    let mut signature = json!({"type": "object", "additionalProperties": false,
        "required": ["payload_digest_algo", "payload_signature_algo", "payload_signature_trustee"],
        "properties": {"payload_digest_algo": names(DigestAlgo::ALL.iter().map(|a| a.as_str()).collect()),
            "payload_signature_algo": names(SignatureAlgo::ALL.iter().map(|a| a.as_str()).collect()),
            "payload_signature_trustee": {"$ref": "#/$defs/trustee"}, "keychain_uid": {"$ref": "#/$defs/uid"}}});
    let mut payload_layer = json!({"type": "object", "additionalProperties": false,
        "required": ["payload_cipher_algo", "key_cipher_layers", "payload_signatures"],
        "properties": {"payload_cipher_algo": names(sym), "key_cipher_layers": {"$ref": "#/$defs/key_cipher_layers"},
            "payload_signatures": {"type": "array", "items": {"$ref": "#/$defs/payload_signature"}}}});
    let mut root = json!({"type": "object", "additionalProperties": false, "required": ["payload_cipher_layers"],
        "properties": {"payload_cipher_layers": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/payload_cipher_layer"}},
            "keychain_uid": {"$ref": "#/$defs/uid"}}});
    if for_cryptainer {
        sym_layer["required"].as_array_mut().expect("array").push(json!("key_ciphertext"));
        sym_layer["properties"]["key_ciphertext"] = json!({"$ref": "#/$defs/binary"});
        signature["properties"]["payload_digest_value"] = json!({"$ref": "#/$defs/binary"});
        signature["properties"]["payload_signature_struct"] = json!({"type": "object", "additionalProperties": false,
            "required": ["signature_value", "signature_timestamp_utc"],
            "properties": {"signature_value": {"$ref": "#/$defs/binary"}, "signature_timestamp_utc": {"$ref": "#/$defs/int"}}});
        for k in ["key_ciphertext", "payload_macs"] {
            payload_layer["required"].as_array_mut().expect("array").push(json!(k));
        }
        payload_layer["properties"]["key_ciphertext"] = json!({"$ref": "#/$defs/binary"});
        payload_layer["properties"]["payload_macs"] = json!({"type": "object", "additionalProperties": false,
            "properties": {"tag": {"$ref": "#/$defs/binary"}}});
        for k in [
            "cryptainer_format",
            "cryptainer_uid",
            "keychain_uid",
            "cryptainer_state",
            "cryptainer_metadata",
            "payload_ciphertext_struct",
        ] {
            root["required"].as_array_mut().expect("array").push(json!(k));
        }
        let p = &mut root["properties"];
        p["cryptainer_format"] = json!({"const": CRYPTAINER_FORMAT});
        p["cryptainer_uid"] = json!({"$ref": "#/$defs/uid"});
        p["cryptainer_state"] = json!({"enum": ["STARTED", "FINISHED"]});
        p["cryptainer_metadata"] = json!({"type": ["object", "null"]});
        p["payload_ciphertext_struct"] = json!({"oneOf": [
            {"type": "object", "additionalProperties": false, "required": ["ciphertext_location", "ciphertext_value"],
             "properties": {"ciphertext_location": {"const": "inline"}, "ciphertext_value": {"$ref": "#/$defs/binary"}}},
            {"type": "object", "additionalProperties": false, "required": ["ciphertext_location"],
             "properties": {"ciphertext_location": {"const": "offloaded"}}}]});
    }
    defs["symmetric_layer"] = sym_layer;
    defs["payload_signature"] = signature;
    defs["payload_cipher_layer"] = payload_layer;
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] =
        json!(if for_cryptainer { "Flightbox cryptainer (cryptainer_1.0)" } else { "Flightbox cryptoconf" });
    root["$defs"] = defs;
    root
}

/// The tree view of wacryptolib's `get_cryptoconf_summary`, for a cryptoconf or a cryptainer's layers.
pub fn summary(payload_cipher_layers: &[PayloadCipherLayer]) -> String {
    fn trustee(t: &Trustee) -> String {
        match t {
            Trustee::LocalKeyfactory => "local device".into(),
            Trustee::Authenticator { keystore_uid, .. } => format!("authenticator {keystore_uid}"),
            Trustee::JsonRpcApi { jsonrpc_url } => {
                let rest = jsonrpc_url.split_once("://").map(|(_, r)| r).unwrap_or("");
                format!("server {}", rest.split(['/', '?', '#']).next().unwrap_or(""))
            }
        }
    }
    fn key_layer(l: &KeyCipherLayer, level: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(level);
        match l {
            KeyCipherLayer::RsaOaep(a) => {
                out.push(format!("{pad}RSA_OAEP via trustee '{}'", trustee(&a.key_cipher_trustee)))
            }
            KeyCipherLayer::SharedSecret(s) => {
                out.push(format!("{pad}Shared secret with threshold {}:", s.key_shared_secret_threshold.0));
                for (i, shard) in s.key_shared_secret_shards.iter().enumerate() {
                    out.push(format!("{pad}  Shard {} encryption layers:", i + 1));
                    for k in &shard.key_cipher_layers {
                        key_layer(k, level + 2, out);
                    }
                }
            }
            sym => {
                let (algo, l) = sym.as_symmetric().expect("remaining variants are symmetric");
                out.push(format!("{pad}{algo} with subkey encryption layers:"));
                for k in &l.key_cipher_layers {
                    key_layer(k, level + 1, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, layer) in payload_cipher_layers.iter().enumerate() {
        out.push(format!("Data encryption layer {}: {}", i + 1, layer.payload_cipher_algo));
        out.push("  Key encryption layers:".into());
        for k in &layer.key_cipher_layers {
            key_layer(k, 2, &mut out);
        }
        out.push(format!("  Signatures:{}", if layer.payload_signatures.is_empty() { " None" } else { "" }));
        for s in &layer.payload_signatures {
            out.push(format!(
                "    {}/{} via trustee '{}'",
                s.payload_digest_algo,
                s.payload_signature_algo,
                trustee(&s.payload_signature_trustee)
            ));
        }
    }
    out.join("\n") + "\n"
}

/// Every distinct trustee that holds a key-wrapping key in these layers (shards and sub-keys included),
/// in order of first appearance.
pub fn key_trustees(payload_cipher_layers: &[PayloadCipherLayer]) -> Vec<Trustee> {
    fn walk(layers: &[KeyCipherLayer], out: &mut Vec<Trustee>) {
        for l in layers {
            match l {
                KeyCipherLayer::RsaOaep(a) => {
                    if !out.contains(&a.key_cipher_trustee) {
                        out.push(a.key_cipher_trustee.clone());
                    }
                }
                KeyCipherLayer::SharedSecret(s) => {
                    for shard in &s.key_shared_secret_shards {
                        walk(&shard.key_cipher_layers, out);
                    }
                }
                sym => walk(&sym.as_symmetric().expect("remaining variants are symmetric").1.key_cipher_layers, out),
            }
        }
    }
    let mut out = Vec::new();
    for p in payload_cipher_layers {
        walk(&p.key_cipher_layers, &mut out);
    }
    out
}
