//! A guardian's answers to a revelation request, per key: DECRYPTED, PRIVATE_KEY_MISSING, CORRUPTED,
//! METADATA_MISMATCH; a wrong passphrase answers nothing.

use flightbox::cryptainer::key_struct_json;
use flightbox::ejson::{Bin, DateTimeMs, Uid};
use flightbox::gateway::guardian::answer_request;
use flightbox::gateway::protocol::*;
use flightbox::keys::{generate, KeyAlgo, KeygenOptions};
use flightbox::keystore::{create_authenticator, FilesystemKeystore, NewAuthenticator};
use flightbox::primitives::rsa_oaep;
use serde_json::json;

#[test]
fn answers_per_key_and_wrong_passphrase() {
    let d = tempfile::tempdir().unwrap();
    let params = NewAuthenticator { owner: "Gil", passphrase_hint: "usual", keypair_count: 2, key_bits: 2048 };
    let meta = create_authenticator(&d.path().join("gil"), &params, "gil's long passphrase", |_, _| {}).unwrap();
    let ks = FilesystemKeystore::open(d.path().join("gil")).unwrap();
    let keys = ks.list_keypairs().unwrap();
    let public = |i: usize| {
        flightbox::keys::PublicKey::from_pem(
            &ks.public_key_pem(&keys[i].keychain_uid, KeyAlgo::RsaOaep).unwrap(),
            KeyAlgo::RsaOaep,
        )
        .unwrap()
    };
    let metadata = json!({"camera": {"$numberInt": "3"}});
    let blob = |i: usize, meta: Option<&serde_json::Value>| {
        rsa_oaep::encrypt(public(i).as_rsa().unwrap(), &key_struct_json(b"0123456789abcdef", meta))
            .unwrap()
            .to_json()
            .unwrap()
    };
    let response = generate(KeyAlgo::RsaOaep, KeygenOptions::default()).unwrap();
    let entry = |i: usize, data: Vec<u8>, meta: Option<serde_json::Value>| SymkeyDecryption {
        target_public_authenticator_key: PublicKeyEntry {
            keychain_uid: Uid(keys[i].keychain_uid),
            key_algo: "RSA_OAEP".into(),
            key_value: Bin(vec![]),
        },
        cryptainer_name: "c.crypt".into(),
        cryptainer_uid: Uid(uuid::Uuid::new_v4()),
        cryptainer_metadata: meta,
        symkey_decryption_request_data: Bin(data),
        symkey_decryption_response_data: Bin(vec![]),
        symkey_decryption_status: SymkeyDecryptionStatus::Pending,
    };
    let good = blob(0, Some(&metadata));
    let mut corrupted = blob(0, None);
    corrupted[40] ^= 1;
    let missing = blob(1, None);
    let request = RevelationRequest {
        target_public_authenticator: PublicAuthenticator {
            keystore_uid: meta.keystore_uid,
            keystore_owner: "Gil".into(),
            keystore_creation_datetime: None,
            public_keys: vec![],
        },
        revelation_request_uid: Uid(uuid::Uuid::new_v4()),
        revelation_requestor_uid: Uid(uuid::Uuid::new_v4()),
        revelation_request_description: "why".into(),
        revelation_response_public_key: Bin(response.public_key().to_pem().unwrap()),
        revelation_response_keychain_uid: Uid(uuid::Uuid::new_v4()),
        revelation_response_key_algo: "RSA_OAEP".into(),
        revelation_request_status: RevelationRequestStatus::Pending,
        symkey_decryption_requests: vec![
            entry(0, good.clone(), Some(json!({"camera": 3}))), // same metadata, plain-number form
            entry(0, corrupted, None),
            entry(0, blob(0, Some(&metadata)), Some(json!({"camera": 4}))),
            entry(1, missing, None),
        ],
        created_at: DateTimeMs::now(),
    };
    // Remove the second key's private half: PRIVATE_KEY_MISSING for it.
    let private = d.path().join("gil").join(format!("{}_RSA_OAEP_private_key.pem", keys[1].keychain_uid));
    std::fs::remove_file(private).unwrap();

    assert!(matches!(answer_request(&ks, &request, "wrong"), Err(flightbox::Error::WrongPassphrase(_))));
    let answers = answer_request(&ks, &request, "gil's long passphrase").unwrap();
    let statuses: Vec<_> = answers.iter().map(|a| a.symkey_decryption_status).collect();
    use SymkeyDecryptionStatus::*;
    assert_eq!(statuses, vec![Decrypted, Corrupted, MetadataMismatch, PrivateKeyMissing]);
    assert_eq!(answers[0].symkey_decryption_request_data.0, good, "request blob sent back unchanged");
    assert!(answers[1..].iter().all(|a| a.symkey_decryption_response_data.is_empty()));
    // The answer is the exact key struct, re-encrypted for the requestor.
    let cd = rsa_oaep::OaepCipherdict::from_json(&answers[0].symkey_decryption_response_data).unwrap();
    let plain = rsa_oaep::decrypt(response.as_rsa().unwrap(), &cd).unwrap();
    assert_eq!(plain.as_slice(), key_struct_json(b"0123456789abcdef", Some(&metadata)).as_slice());
}
