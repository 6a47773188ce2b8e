//! What a guardian does with a revelation request, locally: decrypt each key ciphertext with their own
//! private key and re-encrypt the exact key struct bytes for the requestor. Nothing secret leaves in clear.

use std::collections::HashMap;

use crate::ejson::Bin;
use crate::error::{Error, Result};
use crate::gateway::protocol::{RevelationRequest, SymkeyDecryptionResult, SymkeyDecryptionStatus};
use crate::keys::{KeyAlgo, PrivateKey, PublicKey};
use crate::keystore::{FilesystemKeystore, KeystoreMetadata};
use crate::primitives::rsa_oaep::{self, OaepCipherdict};

/// What guardian operations need from an identity: its metadata with the gateway secret, its public keys,
/// and a private key once the passphrase is given. A wacryptolib authenticator folder is one
/// ([`FilesystemKeystore`]); the app's envelope-protected identities are another.
pub trait GuardianKeys {
    /// Metadata, including `keystore_secret` (the gateway credential).
    fn guardian_metadata(&self) -> Result<KeystoreMetadata>;
    /// Every keypair, as `(keychain uid, algorithm, public key PEM)`.
    fn guardian_public_keys(&self) -> Result<Vec<(uuid::Uuid, KeyAlgo, Vec<u8>)>>;
    /// A private key opened with the passphrase: `Ok(None)` when it is missing here,
    /// `Err(Error::WrongPassphrase)` when the passphrase does not open it.
    fn guardian_private_key(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrase: &str,
    ) -> Result<Option<PrivateKey>>;
}

impl GuardianKeys for FilesystemKeystore {
    fn guardian_metadata(&self) -> Result<KeystoreMetadata> {
        self.metadata()
    }

    fn guardian_public_keys(&self) -> Result<Vec<(uuid::Uuid, KeyAlgo, Vec<u8>)>> {
        let mut out = Vec::new();
        for kp in self.list_keypairs()? {
            out.push((kp.keychain_uid, kp.key_algo, self.public_key_pem(&kp.keychain_uid, kp.key_algo)?));
        }
        Ok(out)
    }

    fn guardian_private_key(
        &self,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrase: &str,
    ) -> Result<Option<PrivateKey>> {
        match self.private_key(keychain_uid, algo, &[passphrase]) {
            Ok(key) => Ok(Some(key)),
            Err(Error::KeyNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Answers of a guardian to one request, one per key asked, in the request's order.
///
/// A wrong passphrase for a needed private key fails the whole answer (`Error::WrongPassphrase`), before
/// anything could be sent. A missing private key gives `PRIVATE_KEY_MISSING`, a ciphertext that does not
/// decrypt `CORRUPTED`, a key struct whose metadata differs from the request's `METADATA_MISMATCH`.
pub fn answer_request(
    keystore: &(impl GuardianKeys + ?Sized),
    request: &RevelationRequest,
    passphrase: &str,
) -> Result<Vec<SymkeyDecryptionResult>> {
    let response_key = PublicKey::from_pem(&request.revelation_response_public_key, KeyAlgo::RsaOaep)
        .map_err(|e| Error::Key(format!("the requestor's response key is unusable: {e}")))?;
    let response_key = response_key.as_rsa()?;
    let mut keys: HashMap<(uuid::Uuid, String), Option<PrivateKey>> = HashMap::new();
    // Open every needed private key first: a wrong passphrase stops everything here.
    for s in &request.symkey_decryption_requests {
        let k = &s.target_public_authenticator_key;
        let id = (k.keychain_uid.0, k.key_algo.clone());
        if keys.contains_key(&id) {
            continue;
        }
        let algo: KeyAlgo = k.key_algo.parse()?;
        keys.insert(id, keystore.guardian_private_key(&k.keychain_uid.0, algo, passphrase)?);
    }
    let mut results = Vec::with_capacity(request.symkey_decryption_requests.len());
    for s in &request.symkey_decryption_requests {
        let k = &s.target_public_authenticator_key;
        let key = keys.get(&(k.keychain_uid.0, k.key_algo.clone())).and_then(|k| k.as_ref());
        let (status, response) = match key {
            None => (SymkeyDecryptionStatus::PrivateKeyMissing, Vec::new()),
            Some(key) => {
                answer_one(key, &s.symkey_decryption_request_data, s.cryptainer_metadata.as_ref(), response_key)?
            }
        };
        results.push(SymkeyDecryptionResult {
            symkey_decryption_request_data: s.symkey_decryption_request_data.clone(),
            symkey_decryption_response_data: Bin(response),
            symkey_decryption_status: status,
        });
    }
    Ok(results)
}

fn answer_one(
    key: &PrivateKey,
    request_data: &[u8],
    request_metadata: Option<&serde_json::Value>,
    response_key: &rsa::RsaPublicKey,
) -> Result<(SymkeyDecryptionStatus, Vec<u8>)> {
    let corrupted = Ok((SymkeyDecryptionStatus::Corrupted, Vec::new()));
    let Ok(rsa) = key.as_rsa() else { return corrupted };
    let Ok(cipherdict) = OaepCipherdict::from_json(request_data) else { return corrupted };
    let Ok(plaintext) = rsa_oaep::decrypt(rsa, &cipherdict) else { return corrupted };
    let Ok(key_struct) = crate::cryptainer::parse_key_struct(&plaintext) else { return corrupted };
    let expected = match request_metadata {
        Some(m) => Some(crate::ejson::canonicalize(m)?),
        None => None,
    };
    let normalize = |m: Option<serde_json::Value>| m.filter(|v| !v.is_null());
    if normalize(key_struct.cryptainer_metadata) != normalize(expected) {
        return Ok((SymkeyDecryptionStatus::MetadataMismatch, Vec::new()));
    }
    // Re-encrypt the exact plaintext bytes for the requestor.
    let response = rsa_oaep::encrypt(response_key, &plaintext)?.to_json()?;
    Ok((SymkeyDecryptionStatus::Decrypted, response))
}
