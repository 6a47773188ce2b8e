//! `cryptoconf generate-simple`: builds the same trees as wacryptolib's, from a flat list of items.

use flightbox::ejson::{Int, Uid};
use flightbox::keys::KeyAlgo;
use flightbox::keystore::KeystorePool;
use flightbox::model::*;

use crate::commands::CliError;

fn bad(msg: impl Into<String>) -> CliError {
    CliError::Input(msg.into())
}

/// Builds and validates a cryptoconf from items such as `payload:AES_EAX key:local_keyfactory`.
pub fn build(items: &[String], keychain_uid: Option<uuid::Uuid>, pool: &KeystorePool) -> Result<Cryptoconf, CliError> {
    let mut layers: Vec<PayloadCipherLayer> = Vec::new();
    let mut in_shared = false;
    for item in items {
        let (kind, value) =
            item.split_once(':').ok_or_else(|| bad(format!("item {item:?} must look like KIND:VALUE")))?;
        let current = |layers: &mut Vec<PayloadCipherLayer>| -> Result<usize, CliError> {
            if layers.is_empty() {
                Err(bad(format!("{item:?} comes before any payload:ALGO item")))
            } else {
                Ok(layers.len() - 1)
            }
        };
        match kind {
            "payload" => {
                let algo: SymAlgo = value.parse().map_err(|_| bad(format!("unknown payload cipher {value:?}")))?;
                layers.push(PayloadCipherLayer {
                    payload_cipher_algo: algo,
                    key_cipher_layers: Vec::new(),
                    payload_signatures: Vec::new(),
                    key_ciphertext: None,
                    payload_macs: None,
                });
                in_shared = false;
            }
            "key" => {
                let i = current(&mut layers)?;
                layers[i].key_cipher_layers.push(key_layer(value, pool)?);
                in_shared = false;
            }
            "shared" => {
                let i = current(&mut layers)?;
                let k: i64 = value.parse().map_err(|_| bad(format!("shared:K needs a number, got {value:?}")))?;
                layers[i].key_cipher_layers.push(KeyCipherLayer::SharedSecret(SharedSecretLayer {
                    key_shared_secret_threshold: Int(k),
                    key_shared_secret_shards: Vec::new(),
                }));
                in_shared = true;
            }
            "shard" => {
                let i = current(&mut layers)?;
                let layer = key_layer(value, pool)?;
                match (in_shared, layers[i].key_cipher_layers.last_mut()) {
                    (true, Some(KeyCipherLayer::SharedSecret(s))) => {
                        s.key_shared_secret_shards.push(Shard { key_cipher_layers: vec![layer] })
                    }
                    _ => return Err(bad(format!("{item:?} must follow a shared:K item"))),
                }
            }
            "sign" => {
                let i = current(&mut layers)?;
                let (digest, algo) =
                    value.split_once('/').ok_or_else(|| bad(format!("sign:DIGEST/ALGO expected, got {value:?}")))?;
                layers[i].payload_signatures.push(PayloadSignature {
                    payload_digest_algo: digest.parse().map_err(|_| bad(format!("unknown digest {digest:?}")))?,
                    payload_signature_algo: algo
                        .parse()
                        .map_err(|_| bad(format!("unknown signature algorithm {algo:?}")))?,
                    payload_signature_trustee: Trustee::LocalKeyfactory,
                    keychain_uid: None,
                    payload_digest_value: None,
                    payload_signature_struct: None,
                });
            }
            other => return Err(bad(format!("unknown item kind {other:?} (payload, key, shared, shard, sign)"))),
        }
    }
    let conf = Cryptoconf { payload_cipher_layers: layers, keychain_uid: keychain_uid.map(Uid) };
    conf.validate()?;
    Ok(conf)
}

fn key_layer(spec: &str, pool: &KeystorePool) -> Result<KeyCipherLayer, CliError> {
    let (trustee, sym) = match spec.split_once('+') {
        Some((t, s)) => (t, Some(s.parse::<SymAlgo>().map_err(|_| bad(format!("unknown symmetric cipher {s:?}")))?)),
        None => (spec, None),
    };
    let asym = if trustee == "local_keyfactory" {
        AsymmetricLayer { key_cipher_trustee: Trustee::LocalKeyfactory, keychain_uid: None }
    } else if let Some(rest) = trustee.strip_prefix("authenticator") {
        let rest = rest.strip_prefix('=').unwrap_or(rest);
        let (uid, keychain) = match rest.split_once('/') {
            Some((u, k)) => (u, Some(k)),
            None => (rest, None),
        };
        let keystore_uid = if uid.is_empty() {
            let uids = pool.foreign_keystore_uids()?;
            match uids.as_slice() {
                [one] => *one,
                [] => return Err(bad("no keystore is imported: run `flightbox foreign-keystore import` first")),
                many => {
                    let list: Vec<String> = many.iter().map(|u| u.to_string()).collect();
                    return Err(bad(format!(
                        "several keystores are imported, say which: authenticator=UID with UID in {}",
                        list.join(", ")
                    )));
                }
            }
        } else {
            uuid::Uuid::parse_str(uid).map_err(|_| bad(format!("{uid:?} is not a keystore uid")))?
        };
        let ks = pool.foreign_keystore(&keystore_uid).map_err(|_| {
            bad(format!("keystore {keystore_uid} is not imported: run `flightbox foreign-keystore import` first"))
        })?;
        let owner = ks.metadata().ok().map(|m| m.keystore_owner);
        let keychain_uid = match keychain {
            Some(k) => uuid::Uuid::parse_str(k).map_err(|_| bad(format!("{k:?} is not a keychain uid")))?,
            None => ks
                .list_keypairs()?
                .into_iter()
                .find(|k| k.key_algo == KeyAlgo::RsaOaep)
                .map(|k| k.keychain_uid)
                .ok_or_else(|| bad(format!("keystore {keystore_uid} has no RSA_OAEP key")))?,
        };
        AsymmetricLayer {
            key_cipher_trustee: Trustee::Authenticator { keystore_uid: Uid(keystore_uid), keystore_owner: owner },
            keychain_uid: Some(Uid(keychain_uid)),
        }
    } else {
        return Err(bad(format!("unknown trustee {trustee:?} (local_keyfactory or authenticator[=UID])")));
    };
    let layer = KeyCipherLayer::RsaOaep(asym);
    Ok(match sym {
        Some(algo) => {
            KeyCipherLayer::symmetric(algo, SymmetricLayer { key_cipher_layers: vec![layer], key_ciphertext: None })
        }
        None => layer,
    })
}
