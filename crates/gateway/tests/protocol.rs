//! The gateway's protocol and every error path, over HTTP on loopback.

use flightbox::ejson::{Bin, Uid};
use flightbox::gateway::client::GatewayClient;
use flightbox::gateway::protocol::*;
use flightbox::keys::{generate, KeyAlgo, KeygenOptions};
use serde_json::{json, Value};

fn start(database_url: Option<String>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("gw.sqlite3").display()));
    let base = flightbox_gateway::serve_in_background(&url).unwrap();
    (dir, base)
}

/// Posts a raw body; code 0 when the server closed the connection before answering.
fn raw(url: &str, body: &str) -> (u16, Value) {
    let r = ureq::post(&format!("{url}/gateway/jsonrpc/")).set("Content-Type", "application/json").send_string(body);
    let (code, resp) = match r {
        Ok(r) => (r.status(), r),
        Err(ureq::Error::Status(c, r)) => (c, r),
        Err(ureq::Error::Transport(_)) => return (0, Value::Null),
    };
    (code, serde_json::from_str(&resp.into_string().unwrap()).unwrap_or(Value::Null))
}

fn rsa_pem() -> Vec<u8> {
    generate(KeyAlgo::RsaOaep, KeygenOptions::default()).unwrap().public_key().to_pem().unwrap()
}

fn kind(e: GatewayError) -> ErrorKind {
    e.kind().unwrap_or_else(|| panic!("not a functional error: {e}"))
}

#[test]
fn envelope_and_error_paths_sqlite() {
    envelope_and_error_paths(None);
}

/// The same on PostgreSQL: `.ci/setup-postgres` starts one and sets FLIGHTBOX_TEST_POSTGRES_URL.
#[test]
fn envelope_and_error_paths_postgres() {
    let url = std::env::var("FLIGHTBOX_TEST_POSTGRES_URL").expect(
        "FLIGHTBOX_TEST_POSTGRES_URL is needed: run `bash .ci/setup-postgres` (as CI does) and export what it prints",
    );
    envelope_and_error_paths(Some(url));
}

fn envelope_and_error_paths(database_url: Option<String>) {
    let sqlite = database_url.is_none();
    let (_d, url) = start(database_url);
    let gw = GatewayClient::new(&url).unwrap();
    let uid = Uid(uuid::Uuid::new_v4());
    let kc = Uid(uuid::Uuid::new_v4());
    let pem = rsa_pem();
    let key = PublicKeyEntry { keychain_uid: kc, key_algo: "RSA_OAEP".into(), key_value: Bin(pem.clone()) };

    // Envelope: HTTP 404 for an unknown method, 400 for malformed JSON, no "jsonrpc" member in answers.
    let (code, body) = raw(&url, r#"{"jsonrpc": "2.0", "id": 7, "method": "no_such_method", "params": {}}"#);
    assert_eq!((code, body["id"].as_i64()), (404, Some(7)));
    let (code, _) = raw(&url, "{not json");
    assert_eq!(code, 400);
    // Positional parameters are refused with a ValidationError (HTTP 200, status slugs).
    let (code, body) =
        raw(&url, r#"{"jsonrpc": "2.0", "id": 1, "method": "get_public_authenticator", "params": ["x"]}"#);
    assert_eq!(code, 200);
    assert!(body.get("jsonrpc").is_none());
    assert_eq!(
        body["error"]["data"]["status_slugs"],
        json!(["wacryptolib.exceptions.FunctionalError", "wacryptolib.exceptions.ValidationError"])
    );
    // Unknown or missing parameters.
    let (_, body) = raw(
        &url,
        r#"{"id": 2, "method": "get_public_authenticator", "params": {"keystore_uid": {"$uuid": "3f2504e04f8941d39a0c0305e82c3301"}, "extra": 1}}"#,
    );
    assert!(body["error"]["data"]["message_untranslated"].as_str().unwrap().contains("extra"));
    // A body over the limit is refused without being read whole: HTTP 413, or the connection is closed
    // while the client is still sending (code 0).
    let big = format!(
        r#"{{"id": 3, "method": "get_public_authenticator", "params": {{"pad": "{}"}}}}"#,
        "a".repeat(17 << 20)
    );
    let (code, _) = raw(&url, &big);
    assert!(code == 413 || code == 0, "got HTTP {code}");
    // The server is still there afterwards.
    assert_eq!(raw(&url, r#"{"id": 4, "method": "nope"}"#).0, 404);

    // Publication rules.
    assert_eq!(
        kind(gw.set_public_authenticator(uid, "Ann", &[], "secret", None).unwrap_err()),
        ErrorKind::ValidationError
    );
    let dup = vec![key.clone(), PublicKeyEntry { keychain_uid: Uid(uuid::Uuid::new_v4()), ..key.clone() }];
    assert_eq!(
        kind(gw.set_public_authenticator(uid, "Ann", &dup, "secret", None).unwrap_err()),
        ErrorKind::ValidationError
    );
    let bad_key = PublicKeyEntry { key_value: Bin(b"not a key".to_vec()), ..key.clone() };
    assert_eq!(
        kind(gw.set_public_authenticator(uid, "Ann", &[bad_key], "secret", None).unwrap_err()),
        ErrorKind::ValidationError
    );
    let long_owner = "x".repeat(300);
    assert_eq!(
        kind(gw.set_public_authenticator(uid, &long_owner, std::slice::from_ref(&key), "secret", None).unwrap_err()),
        ErrorKind::ValidationError
    );
    gw.set_public_authenticator(uid, "Ann", std::slice::from_ref(&key), "secret", None).unwrap();
    assert_eq!(
        kind(gw.set_public_authenticator(uid, "Ann", std::slice::from_ref(&key), "secret", None).unwrap_err()),
        ErrorKind::KeystoreAlreadyExists
    );
    assert_eq!(
        gw.get_public_authenticator(uid, Some("secret")).unwrap().public_keys[0].key_value.0,
        pem,
        "keys are stored as given"
    );
    assert_eq!(kind(gw.get_public_authenticator(uid, Some("wrong")).unwrap_err()), ErrorKind::AuthenticationError);
    assert_eq!(
        kind(gw.get_public_authenticator(Uid(uuid::Uuid::new_v4()), None).unwrap_err()),
        ErrorKind::KeystoreDoesNotExist
    );
    // Secrets are stored as Argon2id hashes, never in clear (database and its write-ahead log).
    let other_key = PublicKeyEntry {
        keychain_uid: Uid(uuid::Uuid::new_v4()),
        key_algo: "RSA_OAEP".into(),
        key_value: Bin(rsa_pem()),
    };
    gw.set_public_authenticator(Uid(uuid::Uuid::new_v4()), "Bea", &[other_key], "Zq9-very-distinctive-secret", None)
        .unwrap();
    if sqlite {
        let mut db = std::fs::read(_d.path().join("gw.sqlite3")).unwrap();
        db.extend(std::fs::read(_d.path().join("gw.sqlite3-wal")).unwrap_or_default());
        let text = String::from_utf8_lossy(&db);
        assert!(!text.contains("Zq9-very-distinctive-secret"));
        assert!(text.contains("$argon2id$"));
    }

    // Submission rules.
    let requestor = Uid(uuid::Uuid::new_v4());
    let response_pem = rsa_pem();
    let symkey = |data: &[u8]| SymkeyDecryptionRequestInput {
        cryptainer_uid: Uid(uuid::Uuid::new_v4()),
        cryptainer_name: "c.crypt".into(),
        cryptainer_metadata: None,
        symkey_decryption_request_data: Bin(data.to_vec()),
        keychain_uid: kc,
        key_algo: "RSA_OAEP".into(),
    };
    let submit = |reqs: &[SymkeyDecryptionRequestInput], rpem: &[u8]| {
        gw.submit_revelation_request(uid, requestor, "why", rpem, Uid(uuid::Uuid::new_v4()), reqs)
    };
    assert_eq!(kind(submit(&[], &response_pem).unwrap_err()), ErrorKind::ValidationError, "empty request list");
    assert_eq!(
        kind(submit(&[symkey(b"a"), symkey(b"a")], &response_pem).unwrap_err()),
        ErrorKind::ValidationError,
        "duplicates"
    );
    assert_eq!(kind(submit(&[symkey(b"a")], b"junk").unwrap_err()), ErrorKind::ValidationError, "response key");
    let mut wrong_key = symkey(b"a");
    wrong_key.keychain_uid = Uid(uuid::Uuid::new_v4());
    assert_eq!(kind(submit(&[wrong_key], &response_pem).unwrap_err()), ErrorKind::KeyDoesNotExist);
    let (_, body) = raw(
        &url,
        &json!({"id": 9, "method": "submit_revelation_request", "params": {
            "authenticator_keystore_uid": {"$uuid": uid.0.simple().to_string()}, "revelation_requestor_uid": {"$uuid": requestor.0.simple().to_string()},
            "revelation_request_description": "why", "revelation_response_public_key": {"$binary": {"base64": "eA==", "subType": "00"}},
            "revelation_response_keychain_uid": {"$uuid": kc.0.simple().to_string()}, "revelation_response_key_algo": "AES_CBC",
            "symkey_decryption_requests": []}})
        .to_string(),
    );
    assert!(body["error"]["data"]["message_untranslated"].as_str().unwrap().contains("RSA_OAEP"), "{body}");
    let other = Uid(uuid::Uuid::new_v4());
    assert_eq!(
        kind(gw.submit_revelation_request(other, requestor, "why", &response_pem, kc, &[symkey(b"a")]).unwrap_err()),
        ErrorKind::KeystoreDoesNotExist
    );
    submit(&[symkey(b"one"), symkey(b"two")], &response_pem).unwrap();
    let list = gw.list_requestor_revelation_requests(requestor).unwrap();
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(r.revelation_request_status, RevelationRequestStatus::Pending);
    assert_eq!(r.symkey_decryption_requests[0].symkey_decryption_status, SymkeyDecryptionStatus::Pending);
    assert_eq!(
        kind(gw.list_authenticator_revelation_requests(uid, "wrong").unwrap_err()),
        ErrorKind::AuthenticationError
    );

    // Acceptance rules.
    let rid = r.revelation_request_uid;
    let result = |data: &[u8], resp: &[u8], st| SymkeyDecryptionResult {
        symkey_decryption_request_data: Bin(data.to_vec()),
        symkey_decryption_response_data: Bin(resp.to_vec()),
        symkey_decryption_status: st,
    };
    use SymkeyDecryptionStatus::*;
    for bad in [
        vec![result(b"one", b"r", Decrypted)], // missing one
        vec![result(b"one", b"r", Decrypted), result(b"three", b"r", Decrypted)], // unexpected
        vec![result(b"one", b"", Decrypted), result(b"two", b"r", Decrypted)], // DECRYPTED without data
        vec![result(b"one", b"r", Corrupted), result(b"two", b"r", Decrypted)], // data without DECRYPTED
        vec![],
    ] {
        assert_eq!(kind(gw.accept_revelation_request(rid, "secret", &bad).unwrap_err()), ErrorKind::ValidationError);
    }
    let good = vec![result(b"one", b"r1", Decrypted), result(b"two", b"", PrivateKeyMissing)];
    assert_eq!(kind(gw.accept_revelation_request(rid, "wrong", &good).unwrap_err()), ErrorKind::AuthenticationError);
    assert_eq!(
        kind(gw.accept_revelation_request(Uid(uuid::Uuid::new_v4()), "secret", &good).unwrap_err()),
        ErrorKind::ExistenceError
    );
    gw.accept_revelation_request(rid, "secret", &good).unwrap();
    assert_eq!(
        kind(gw.accept_revelation_request(rid, "secret", &good).unwrap_err()),
        ErrorKind::ValidationError,
        "only once"
    );
    assert_eq!(
        kind(gw.reject_revelation_request(rid, "secret").unwrap_err()),
        ErrorKind::ValidationError,
        "final state"
    );
    let after = &gw.list_authenticator_revelation_requests(uid, "secret").unwrap()[0];
    assert_eq!(after.revelation_request_status, RevelationRequestStatus::Accepted);
    let statuses: Vec<_> = after
        .symkey_decryption_requests
        .iter()
        .map(|s| (s.symkey_decryption_request_data.0.clone(), s.symkey_decryption_status))
        .collect();
    assert_eq!(statuses, vec![(b"one".to_vec(), Decrypted), (b"two".to_vec(), PrivateKeyMissing)]);

    // Unreachable gateway: a typed error naming the URL.
    let down = GatewayClient::new("http://127.0.0.1:9").unwrap();
    match down.list_requestor_revelation_requests(requestor) {
        Err(GatewayError::Unreachable { url, .. }) => assert_eq!(url, "http://127.0.0.1:9/gateway/jsonrpc/"),
        other => panic!("{other:?}"),
    }
}
