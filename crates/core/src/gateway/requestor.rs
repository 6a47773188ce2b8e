//! What a requestor does: find, in cryptainers, the key ciphertexts each guardian must open; keep a
//! response key pair; and turn accepted answers into keys for decryption.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ejson::{Bin, Uid};
use crate::error::Result;
use crate::gateway::protocol::{
    RevelationRequest, RevelationRequestStatus, SymkeyDecryptionRequestInput, SymkeyDecryptionStatus,
};
use crate::keys::{KeyAlgo, KeygenOptions};
use crate::keystore::KeystorePool;
use crate::model::{Cryptainer, KeyCipherLayer, Trustee};
use crate::primitives::rsa_oaep::{self, OaepCipherdict};
use crate::report::{Level, OperationReport, Problem};

/// Key ciphertexts to send to each guardian (authenticator trustees only), by keystore uid.
pub fn gather_symkey_requests(
    cryptainers: &[(String, Cryptainer)],
) -> Result<BTreeMap<uuid::Uuid, Vec<SymkeyDecryptionRequestInput>>> {
    let mut out: BTreeMap<uuid::Uuid, Vec<SymkeyDecryptionRequestInput>> = BTreeMap::new();
    for (name, c) in cryptainers {
        for layer in &c.payload_cipher_layers {
            let Some(ct) = &layer.key_ciphertext else { continue };
            gather(name, c, &layer.key_cipher_layers, ct, &mut out)?;
        }
    }
    Ok(out)
}

// As wacryptolib: only the last key cipher layer of a list can be opened remotely.
fn gather(
    name: &str,
    c: &Cryptainer,
    layers: &[KeyCipherLayer],
    ciphertext: &[u8],
    out: &mut BTreeMap<uuid::Uuid, Vec<SymkeyDecryptionRequestInput>>,
) -> Result<()> {
    let Some(last) = layers.last() else { return Ok(()) };
    match last {
        KeyCipherLayer::RsaOaep(a) => {
            if let Trustee::Authenticator { keystore_uid, .. } = &a.key_cipher_trustee {
                let entry = SymkeyDecryptionRequestInput {
                    cryptainer_uid: c.cryptainer_uid,
                    cryptainer_name: name.to_string(),
                    cryptainer_metadata: c.cryptainer_metadata.clone(),
                    symkey_decryption_request_data: Bin(ciphertext.to_vec()),
                    keychain_uid: a.keychain_uid.unwrap_or(c.keychain_uid),
                    key_algo: "RSA_OAEP".into(),
                };
                let list = out.entry(keystore_uid.0).or_default();
                if !list.iter().any(|e| e.symkey_decryption_request_data == entry.symkey_decryption_request_data) {
                    list.push(entry);
                }
            }
        }
        KeyCipherLayer::SharedSecret(s) => {
            #[derive(Deserialize)]
            struct Shards {
                shard_ciphertexts: Vec<Bin>,
            }
            let shards: Shards = crate::ejson::from_slice(ciphertext)?;
            for (ct, shard) in shards.shard_ciphertexts.iter().zip(&s.key_shared_secret_shards) {
                gather(name, c, &shard.key_cipher_layers, ct, out)?;
            }
        }
        sym => {
            let (_, l) = sym.as_symmetric().expect("remaining variants are symmetric");
            if let Some(sub) = &l.key_ciphertext {
                gather(name, c, &l.key_cipher_layers, sub, out)?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct RequestorFile {
    revelation_requestor_uid: Uid,
}

/// Name of the file holding the requestor uid in a keystore pool.
pub const REQUESTOR_FILENAME: &str = "revelation_requestor.json";

/// The requestor uid of this keystore pool, created on first use.
pub fn requestor_uid(pool: &KeystorePool) -> Result<uuid::Uuid> {
    let path = pool.root().join(REQUESTOR_FILENAME);
    if path.exists() {
        let f: RequestorFile = crate::ejson::from_slice(&crate::fsutil::read_limited(&path, 4096)?)?;
        return Ok(f.revelation_requestor_uid.0);
    }
    let uid = crate::keystore::new_uid();
    crate::fsutil::write_atomic(
        &path,
        &crate::ejson::to_vec(&RequestorFile { revelation_requestor_uid: Uid(uid) })?,
        false,
    )?;
    Ok(uid)
}

/// A new RSA_OAEP response key pair in the local key factory: its keychain uid and public PEM.
pub fn new_response_keypair(pool: &KeystorePool) -> Result<(uuid::Uuid, Vec<u8>)> {
    let uid = crate::keystore::new_uid();
    let public = pool.local_keyfactory()?.generate_keypair(&uid, KeyAlgo::RsaOaep, KeygenOptions::default(), None)?;
    Ok((uid, public.to_pem()?))
}

/// Key structs decrypted by guardians for this cryptainer, by request blob (what the decryption's
/// `Unwrapper::predecrypted` takes). Answers that do not decrypt are reported.
pub fn predecrypted_keys(
    requests: &[RevelationRequest],
    cryptainer_uid: &Uid,
    pool: &KeystorePool,
    report: &mut OperationReport,
) -> Result<HashMap<Vec<u8>, Zeroizing<Vec<u8>>>> {
    let mut out = HashMap::new();
    let factory = pool.local_keyfactory()?;
    for r in requests {
        if r.revelation_request_status != RevelationRequestStatus::Accepted {
            continue;
        }
        let who = Some(format!(
            "guardian '{}' ({})",
            r.target_public_authenticator.keystore_owner, r.target_public_authenticator.keystore_uid
        ));
        for s in &r.symkey_decryption_requests {
            if s.cryptainer_uid != *cryptainer_uid || s.symkey_decryption_status != SymkeyDecryptionStatus::Decrypted {
                continue;
            }
            let key = match factory.private_key(&r.revelation_response_keychain_uid.0, KeyAlgo::RsaOaep, &[]) {
                Ok(k) => k,
                Err(e) => {
                    report.add(
                        "gateway answers",
                        who.clone(),
                        Level::Warning,
                        Some(Problem::PrivateKeyNotFound { key: r.revelation_response_keychain_uid.to_string() }),
                        format!("response key missing: {e}"),
                    );
                    continue;
                }
            };
            let decrypted = OaepCipherdict::from_json(&s.symkey_decryption_response_data)
                .and_then(|cd| rsa_oaep::decrypt(key.as_rsa()?, &cd));
            match decrypted {
                Ok(bytes) => {
                    out.entry(s.symkey_decryption_request_data.0.clone()).or_insert(bytes);
                }
                Err(e) => report.add(
                    "gateway answers",
                    who.clone(),
                    Level::Warning,
                    Some(Problem::KeyDecryptionFailed),
                    format!("an answer does not decrypt: {e}"),
                ),
            }
        }
    }
    Ok(out)
}
