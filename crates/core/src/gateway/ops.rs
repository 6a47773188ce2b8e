//! Guardian and requestor operations through a gateway, shared by the command line and the app.

use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::ejson::{Bin, Uid};
use crate::error::{Error, Result};
use crate::gateway::client::GatewayClient;
use crate::gateway::guardian::GuardianKeys;
use crate::gateway::protocol::*;
use crate::keys::KeyAlgo;
use crate::keystore::{KeystoreMetadata, KeystorePool, KeystoreType};
use crate::model::Cryptainer;
use crate::report::OperationReport;

/// Where an identity stands on a gateway.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PublicationState {
    /// Not on the gateway.
    NotPublished,
    /// On the gateway, identical to the local keys.
    Published,
    /// On the gateway, but not what this folder holds.
    PublishedButDifferent {
        /// What differs.
        differences: Vec<String>,
    },
}

fn secret_of(meta: &KeystoreMetadata) -> Result<&str> {
    meta.keystore_secret.as_deref().ok_or_else(|| {
        Error::validation("authenticator", "keystore_secret", "this authenticator has no gateway secret")
    })
}

fn local_public_keys(ks: &(impl GuardianKeys + ?Sized)) -> Result<Vec<PublicKeyEntry>> {
    Ok(ks
        .guardian_public_keys()?
        .into_iter()
        .map(|(keychain_uid, algo, pem)| PublicKeyEntry {
            keychain_uid: Uid(keychain_uid),
            key_algo: algo.to_string(),
            key_value: Bin(pem),
        })
        .collect())
}

/// Compares the gateway's copy of an identity with the local folder.
pub fn publication_state(client: &GatewayClient, ks: &(impl GuardianKeys + ?Sized)) -> Result<PublicationState> {
    let meta = ks.guardian_metadata()?;
    let secret = secret_of(&meta)?;
    let remote = match client.get_public_authenticator(meta.keystore_uid, Some(secret)) {
        Ok(r) => r,
        Err(e) if e.kind() == Some(ErrorKind::KeystoreDoesNotExist) => return Ok(PublicationState::NotPublished),
        Err(e) if e.kind() == Some(ErrorKind::AuthenticationError) => {
            return Ok(PublicationState::PublishedButDifferent {
                differences: vec!["the gateway holds this uid under another secret".into()],
            })
        }
        Err(e) => return Err(e.into()),
    };
    let mut differences = Vec::new();
    if remote.keystore_owner != meta.keystore_owner {
        differences
            .push(format!("owner is {:?} on the gateway, {:?} here", remote.keystore_owner, meta.keystore_owner));
    }
    let mut local = local_public_keys(ks)?;
    let mut theirs = remote.public_keys.clone();
    let key = |k: &PublicKeyEntry| (k.keychain_uid, k.key_algo.clone());
    local.sort_by_key(key);
    theirs.sort_by_key(key);
    if local != theirs {
        differences.push(format!(
            "{} public key(s) on the gateway, {} here, or their values differ",
            theirs.len(),
            local.len()
        ));
    }
    Ok(if differences.is_empty() {
        PublicationState::Published
    } else {
        PublicationState::PublishedButDifferent { differences }
    })
}

/// Publishes an identity's public keys (once).
pub fn publish(client: &GatewayClient, ks: &(impl GuardianKeys + ?Sized)) -> Result<()> {
    let meta = ks.guardian_metadata()?;
    let keys = local_public_keys(ks)?;
    if keys.is_empty() {
        return Err(Error::KeyNotFound("no public key to publish".into()));
    }
    client.set_public_authenticator(
        meta.keystore_uid,
        &meta.keystore_owner,
        &keys,
        secret_of(&meta)?,
        meta.keystore_creation_datetime,
    )?;
    Ok(())
}

/// Requests made to this guardian, newest first, optionally of one status.
pub fn guardian_requests(
    client: &GatewayClient,
    ks: &(impl GuardianKeys + ?Sized),
    status: Option<RevelationRequestStatus>,
) -> Result<Vec<RevelationRequest>> {
    let meta = ks.guardian_metadata()?;
    let mut list = client.list_authenticator_revelation_requests(meta.keystore_uid, secret_of(&meta)?)?;
    list.retain(|r| status.is_none_or(|s| r.revelation_request_status == s));
    list.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(list)
}

fn find_request(
    client: &GatewayClient,
    ks: &(impl GuardianKeys + ?Sized),
    uid: &uuid::Uuid,
) -> Result<RevelationRequest> {
    let r = guardian_requests(client, ks, None)?
        .into_iter()
        .find(|r| r.revelation_request_uid.0 == *uid)
        .ok_or_else(|| Error::KeyNotFound(format!("revelation request {uid} (not addressed to this guardian)")))?;
    if r.revelation_request_status != RevelationRequestStatus::Pending {
        return Err(Error::validation(
            "revelation request",
            "revelation_request_status",
            format!("request {uid} was already handled ({})", r.revelation_request_status.as_str()),
        ));
    }
    Ok(r)
}

/// Accepts a request: decrypts each key locally with the passphrase, re-encrypts it for the requestor and
/// sends the answers. A wrong passphrase sends nothing. Returns what was sent.
pub fn accept(
    client: &GatewayClient,
    ks: &(impl GuardianKeys + ?Sized),
    request_uid: &uuid::Uuid,
    passphrase: &str,
) -> Result<Vec<SymkeyDecryptionResult>> {
    let meta = ks.guardian_metadata()?;
    let request = find_request(client, ks, request_uid)?;
    let results = crate::gateway::guardian::answer_request(ks, &request, passphrase)?;
    client.accept_revelation_request(request.revelation_request_uid, secret_of(&meta)?, &results)?;
    Ok(results)
}

/// Rejects a request.
pub fn reject(client: &GatewayClient, ks: &(impl GuardianKeys + ?Sized), request_uid: &uuid::Uuid) -> Result<()> {
    let meta = ks.guardian_metadata()?;
    let request = find_request(client, ks, request_uid)?;
    client.reject_revelation_request(request.revelation_request_uid, secret_of(&meta)?)?;
    Ok(())
}

/// Imports a published identity (public keys only) into the keystore pool.
pub fn import_from_gateway(
    client: &GatewayClient,
    pool: &KeystorePool,
    keystore_uid: &uuid::Uuid,
) -> Result<KeystoreMetadata> {
    let remote = client.get_public_authenticator(Uid(*keystore_uid), None)?;
    let meta = KeystoreMetadata {
        keystore_type: KeystoreType::Authenticator,
        keystore_format: crate::keystore::KEYSTORE_FORMAT.into(),
        keystore_uid: remote.keystore_uid,
        keystore_owner: remote.keystore_owner.clone(),
        keystore_creation_datetime: remote.keystore_creation_datetime,
        keystore_secret: None,
        keystore_passphrase_hint: None,
    };
    let mut keys = Vec::new();
    for k in &remote.public_keys {
        let algo: KeyAlgo = k.key_algo.parse()?;
        crate::keys::PublicKey::from_pem(&k.key_value, algo)?;
        keys.push((k.keychain_uid.0, algo, k.key_value.0.clone()));
    }
    pool.import_public_keys(&meta, &keys)?;
    Ok(meta)
}

/// Outcome of a submission to one guardian.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Submission {
    /// The guardian.
    pub keystore_uid: uuid::Uuid,
    /// Keys asked.
    pub key_count: usize,
    /// Whether the gateway took it (else the error).
    pub error: Option<String>,
}

/// Submits one revelation request per guardian involved in these cryptainers, with a fresh response key
/// pair kept in the local key factory.
pub fn submit_requests(
    client: &GatewayClient,
    pool: &KeystorePool,
    cryptainers: &[(String, Cryptainer)],
    description: &str,
) -> Result<Vec<Submission>> {
    let by_guardian = crate::gateway::requestor::gather_symkey_requests(cryptainers)?;
    if by_guardian.is_empty() {
        return Err(Error::validation(
            "cryptainers",
            "key_cipher_layers",
            "no key of these cryptainers is held by a guardian (authenticator)",
        ));
    }
    let requestor = crate::gateway::requestor::requestor_uid(pool)?;
    let (response_uid, response_pem) = crate::gateway::requestor::new_response_keypair(pool)?;
    let mut out = Vec::new();
    for (keystore_uid, requests) in by_guardian {
        let r = client.submit_revelation_request(
            Uid(keystore_uid),
            Uid(requestor),
            description,
            &response_pem,
            Uid(response_uid),
            &requests,
        );
        out.push(Submission { keystore_uid, key_count: requests.len(), error: r.err().map(|e| e.to_string()) });
    }
    Ok(out)
}

/// Requests made from this keystore pool, newest first.
pub fn requestor_requests(client: &GatewayClient, pool: &KeystorePool) -> Result<Vec<RevelationRequest>> {
    let requestor = crate::gateway::requestor::requestor_uid(pool)?;
    let mut list = client.list_requestor_revelation_requests(Uid(requestor))?;
    list.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(list)
}

/// Keys decrypted by guardians for one cryptainer, ready for `Unwrapper::predecrypted`.
pub fn gateway_answers(
    client: &GatewayClient,
    pool: &KeystorePool,
    cryptainer: &Cryptainer,
    report: &mut OperationReport,
) -> Result<HashMap<Vec<u8>, Zeroizing<Vec<u8>>>> {
    let list = requestor_requests(client, pool)?;
    crate::gateway::requestor::predecrypted_keys(&list, &cryptainer.cryptainer_uid, pool, report)
}
