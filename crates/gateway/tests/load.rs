//! Load: 50 guardians poll and accept while a requestor submits, for a minute (FLIGHTBOX_LOAD_SECONDS to
//! change it), over HTTP on loopback. Checks that there is no error and no lost or duplicated answer, and
//! prints requests per second and latencies (a report, not an assertion on speed).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flightbox::ejson::{Bin, Uid};
use flightbox::gateway::client::GatewayClient;
use flightbox::gateway::protocol::*;
use flightbox::keys::{KeyAlgo, KeygenOptions};
use flightbox::keystore::{FilesystemKeystore, KeystoreMetadata, KeystoreType};

const GUARDIANS: usize = 50;

fn start(dir: &std::path::Path) -> String {
    flightbox_gateway::serve_in_background(&format!("sqlite://{}?mode=rwc", dir.join("gw.sqlite3").display())).unwrap()
}

struct Guardian {
    ks: FilesystemKeystore,
    uid: Uid,
    keychain: Uid,
    secret: String,
    public: rsa::RsaPublicKey,
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[test]
fn fifty_guardians_poll_and_accept_for_a_minute() {
    let seconds: u64 = std::env::var("FLIGHTBOX_LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let url = start(dir.path());
    // Guardians with unprotected keys (the passphrase KDF is not what this measures).
    let guardians: Vec<Arc<Guardian>> = (0..GUARDIANS)
        .map(|i| {
            let d = dir.path().join(format!("g{i}"));
            std::fs::create_dir(&d).unwrap();
            let ks = FilesystemKeystore::open(&d).unwrap();
            let uid = Uid(uuid::Uuid::new_v4());
            let secret = format!("secret-{i}-{}", uuid::Uuid::new_v4());
            ks.set_metadata(&KeystoreMetadata {
                keystore_type: KeystoreType::Authenticator,
                keystore_format: "keystore_1.0".into(),
                keystore_uid: uid,
                keystore_owner: format!("guardian {i}"),
                keystore_creation_datetime: None,
                keystore_secret: Some(secret.clone()),
                keystore_passphrase_hint: None,
            })
            .unwrap();
            let keychain = Uid(uuid::Uuid::new_v4());
            let public = ks.generate_keypair(&keychain.0, KeyAlgo::RsaOaep, KeygenOptions::default(), None).unwrap();
            let public = public.as_rsa().unwrap().clone();
            flightbox::gateway::ops::publish(&GatewayClient::new(&url).unwrap(), &ks).unwrap();
            Arc::new(Guardian { ks, uid, keychain, secret, public })
        })
        .collect();

    let requestor = Uid(uuid::Uuid::new_v4());
    let response = flightbox::keys::generate(KeyAlgo::RsaOaep, KeygenOptions::default()).unwrap();
    let response_pem = response.public_key().to_pem().unwrap();
    let response_uid = Uid(uuid::Uuid::new_v4());

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let list_lat = Arc::new(Mutex::new(Vec::new()));
    let accept_lat = Arc::new(Mutex::new(Vec::new()));
    let submit_lat = Arc::new(Mutex::new(Vec::new()));
    let accepted = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    let mut handles = Vec::new();
    for g in &guardians {
        let (g, url, stop, errors, list_lat, accept_lat, accepted, calls) = (
            g.clone(),
            url.clone(),
            stop.clone(),
            errors.clone(),
            list_lat.clone(),
            accept_lat.clone(),
            accepted.clone(),
            calls.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let gw = GatewayClient::new(&url).unwrap();
            let mut last_round = false;
            loop {
                if stop.load(Ordering::SeqCst) {
                    if last_round {
                        break;
                    }
                    last_round = true; // one more poll after the requestor stopped: nothing left behind
                }
                let t = Instant::now();
                let list = gw.list_authenticator_revelation_requests(g.uid, &g.secret);
                list_lat.lock().unwrap().push(t.elapsed());
                calls.fetch_add(1, Ordering::Relaxed);
                let list = match list {
                    Ok(l) => l,
                    Err(e) => {
                        errors.lock().unwrap().push(format!("list: {e}"));
                        continue;
                    }
                };
                for r in list.iter().filter(|r| r.revelation_request_status == RevelationRequestStatus::Pending) {
                    let answers = match flightbox::gateway::guardian::answer_request(&g.ks, r, "") {
                        Ok(a) => a,
                        Err(e) => {
                            errors.lock().unwrap().push(format!("answer: {e}"));
                            continue;
                        }
                    };
                    let t = Instant::now();
                    let res = gw.accept_revelation_request(r.revelation_request_uid, &g.secret, &answers);
                    accept_lat.lock().unwrap().push(t.elapsed());
                    calls.fetch_add(1, Ordering::Relaxed);
                    match res {
                        Ok(()) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => errors.lock().unwrap().push(format!("accept: {e}")),
                    }
                }
                if !last_round {
                    std::thread::sleep(Duration::from_millis(250));
                }
            }
        }));
    }

    // The requestor submits to the guardians in turn, each request with a real key for that guardian.
    let gw = GatewayClient::new(&url).unwrap();
    let mut submitted = 0usize;
    let mut expected = std::collections::HashMap::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let g = &guardians[submitted % GUARDIANS];
        let key_struct = flightbox::cryptainer::key_struct_json(uuid::Uuid::new_v4().as_bytes(), None);
        let data = flightbox::primitives::rsa_oaep::encrypt(&g.public, &key_struct).unwrap().to_json().unwrap();
        let req = SymkeyDecryptionRequestInput {
            cryptainer_uid: Uid(uuid::Uuid::new_v4()),
            cryptainer_name: format!("clip{submitted}.crypt"),
            cryptainer_metadata: None,
            symkey_decryption_request_data: Bin(data.clone()),
            keychain_uid: g.keychain,
            key_algo: "RSA_OAEP".into(),
        };
        let t = Instant::now();
        let res = gw.submit_revelation_request(g.uid, requestor, "load", &response_pem, response_uid, &[req]);
        submit_lat.lock().unwrap().push(t.elapsed());
        calls.fetch_add(1, Ordering::Relaxed);
        match res {
            Ok(()) => {
                submitted += 1;
                expected.insert(data, key_struct.to_vec());
            }
            Err(e) => errors.lock().unwrap().push(format!("submit: {e}")),
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.join().unwrap();
    }
    let elapsed = started.elapsed();

    // Every request answered exactly once, every answer the right key.
    let list = gw.list_requestor_revelation_requests(requestor).unwrap();
    assert_eq!(list.len(), submitted, "lost requests");
    assert_eq!(accepted.load(Ordering::SeqCst), submitted, "lost or duplicated acceptances");
    let rsa_key = response.as_rsa().unwrap();
    for r in &list {
        assert_eq!(r.revelation_request_status, RevelationRequestStatus::Accepted);
        for s in &r.symkey_decryption_requests {
            assert_eq!(s.symkey_decryption_status, SymkeyDecryptionStatus::Decrypted);
            let cd =
                flightbox::primitives::rsa_oaep::OaepCipherdict::from_json(&s.symkey_decryption_response_data).unwrap();
            let plain = flightbox::primitives::rsa_oaep::decrypt(rsa_key, &cd).unwrap();
            assert_eq!(Some(&plain.to_vec()), expected.get(&s.symkey_decryption_request_data.0), "wrong answer");
        }
    }
    let errors = errors.lock().unwrap();
    assert!(errors.is_empty(), "{} errors, first: {:?}", errors.len(), errors.first());
    let total = calls.load(Ordering::Relaxed);
    let mut l = list_lat.lock().unwrap();
    let mut a = accept_lat.lock().unwrap();
    let mut s = submit_lat.lock().unwrap();
    println!(
        "load: {GUARDIANS} guardians, {:.0} s, {total} calls, {:.1} calls/s; {submitted} requests submitted and accepted once each; \
         latency p50/p99: list {:?}/{:?}, accept {:?}/{:?}, submit {:?}/{:?}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        percentile(&mut l, 0.5),
        percentile(&mut l, 0.99),
        percentile(&mut a, 0.5),
        percentile(&mut a, 0.99),
        percentile(&mut s, 0.5),
        percentile(&mut s, 0.99),
    );
}
