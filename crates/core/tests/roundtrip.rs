//! Round trips, our own additions (AES_GCM, ED25519), limits, error paths and secret hygiene.

use flightbox::cryptainer::{decrypt_bytes, encrypt_bytes, Passphrases, Unwrapper};
use flightbox::keystore::KeystorePool;
use flightbox::model::{Cryptainer, Cryptoconf};
use flightbox::report::Problem;
use flightbox::stream::{decrypt_to_file, encrypt_to_files, EncryptOptions};
use flightbox::Error;
use proptest::prelude::*;

fn conf(text: &str) -> Cryptoconf {
    Cryptoconf::from_json(text.as_bytes()).unwrap()
}

fn simple(algo: &str) -> Cryptoconf {
    conf(&format!(
        r#"{{"payload_cipher_layers": [{{"payload_cipher_algo": "{algo}", "payload_signatures": [],
        "key_cipher_layers": [{{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {{"trustee_type": "local_keyfactory"}}}}]}}],
        "keychain_uid": {{"$uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}}}}"#
    ))
}

fn pool() -> (tempfile::TempDir, KeystorePool) {
    let d = tempfile::tempdir().unwrap();
    let p = KeystorePool::open(d.path().join("pool")).unwrap();
    (d, p)
}

/// One pool shared by property tests, so that its local key factory generates its RSA key once.
static SHARED: std::sync::LazyLock<(tempfile::TempDir, KeystorePool)> = std::sync::LazyLock::new(pool);

fn open(c: &Cryptainer, pool: &KeystorePool) -> flightbox::Result<Vec<u8>> {
    let pass = Passphrases::new();
    decrypt_bytes(c, None, &Unwrapper { keys: pool, passphrases: &pass, predecrypted: None }, true)
        .map(|(p, _)| p.to_vec())
}

#[test]
fn aes_gcm_and_ed25519_additions_round_trip() {
    let (_d, pool) = pool();
    let c = conf(
        r#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_GCM",
        "payload_signatures": [{"payload_digest_algo": "SHA3_256", "payload_signature_algo": "ED25519", "payload_signature_trustee": {"trustee_type": "local_keyfactory"}}],
        "key_cipher_layers": [{"key_cipher_algo": "AES_GCM", "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}]}"#,
    );
    let payload = b"recorded by a dash cam".repeat(1000);
    let mut cr = encrypt_bytes(&payload, &c, None, &pool).unwrap();
    assert_eq!(open(&cr, &pool).unwrap(), payload);
    // The Ed25519 signature is checked: tampering with it fails the decryption.
    cr.payload_cipher_layers[0].payload_signatures[0].payload_signature_struct.as_mut().unwrap().signature_value.0
        [0] ^= 1;
    match open(&cr, &pool) {
        Err(Error::DecryptionReport(r)) => assert!(r.has_problem(|p| matches!(p, Problem::SignatureInvalid)), "{r}"),
        other => panic!("expected a signature failure, got {other:?}"),
    }
}

#[test]
fn every_payload_algo_streams_through_files_both_layouts() {
    let (d, pool) = pool();
    for algo in ["AES_CBC", "AES_EAX", "CHACHA20_POLY1305", "AES_GCM"] {
        for inline in [false, true] {
            let payload: Vec<u8> = (0..2_500_000u32).map(|i| (i % 253) as u8).collect();
            let crypt = d.path().join(format!("{algo}{inline}.crypt"));
            let mut seen = 0;
            encrypt_to_files(
                &mut payload.as_slice(),
                &simple(algo),
                None,
                &pool,
                &crypt,
                EncryptOptions { inline, overwrite: false },
                &mut |n| seen = n,
            )
            .unwrap();
            assert_eq!(seen, payload.len() as u64);
            assert_eq!(d.path().join(format!("{algo}{inline}.crypt.payload")).exists(), !inline);
            let out = d.path().join(format!("{algo}{inline}.out"));
            let pass = Passphrases::new();
            decrypt_to_file(
                &crypt,
                &out,
                &Unwrapper { keys: &pool, passphrases: &pass, predecrypted: None },
                false,
                &mut |_, _| {},
            )
            .unwrap();
            assert_eq!(std::fs::read(&out).unwrap(), payload, "{algo} inline={inline}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(
                    std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
                    0o600,
                    "decrypted output is private"
                );
            }
            // Never overwritten without asking.
            let again = decrypt_to_file(
                &crypt,
                &out,
                &Unwrapper { keys: &pool, passphrases: &pass, predecrypted: None },
                false,
                &mut |_, _| {},
            );
            assert!(matches!(again, Err(Error::Io { .. })));
        }
    }
}

struct FailingReader(usize);
impl std::io::Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("camera unplugged"));
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(7);
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn interrupted_encryption_leaves_nothing_that_looks_finished() {
    let (d, pool) = pool();
    let dir = d.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let crypt = dir.join("clip.crypt");
    let err = encrypt_to_files(
        &mut FailingReader(3_000_000),
        &simple("AES_EAX"),
        None,
        &pool,
        &crypt,
        EncryptOptions::default(),
        &mut |_| {},
    );
    assert!(err.unwrap_err().to_string().contains("camera unplugged"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "files were left behind");
}

#[test]
fn validation_errors_name_the_json_path() {
    let bad_threshold = r#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "payload_signatures": [],
        "key_cipher_layers": [{"key_cipher_algo": "[SHARED_SECRET]", "key_shared_secret_threshold": 3,
        "key_shared_secret_shards": [{"key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}]}]}"#;
    let e = Cryptoconf::from_json(bad_threshold.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("payload_cipher_layers[0].key_cipher_layers[0].key_shared_secret_threshold"), "{e}");
    assert!(e.contains("threshold 3 must be between 1 and the shard count 1"), "{e}");

    let unknown = r#"{"payload_cipher_layers": [{"payload_cipher_algo": "ROT13", "payload_signatures": [], "key_cipher_layers": []}]}"#;
    let e = Cryptoconf::from_json(unknown.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("payload_cipher_layers[0].payload_cipher_algo") && e.contains("ROT13"), "{e}");

    let empty = r#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "payload_signatures": [], "key_cipher_layers": []}]}"#;
    let e = Cryptoconf::from_json(empty.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("payload_cipher_layers[0].key_cipher_layers") && e.contains("must not be empty"), "{e}");

    let extra = r#"{"payload_cipher_layers": [], "surprise": 1}"#;
    assert!(Cryptoconf::from_json(extra.as_bytes()).unwrap_err().to_string().contains("surprise"));
}

#[test]
fn nesting_is_limited() {
    let mut layer =
        r#"{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}"#.to_string();
    for _ in 0..20 {
        layer = format!(r#"{{"key_cipher_algo": "AES_CBC", "key_cipher_layers": [{layer}]}}"#);
    }
    let text = format!(
        r#"{{"payload_cipher_layers": [{{"payload_cipher_algo": "AES_EAX", "payload_signatures": [], "key_cipher_layers": [{layer}]}}]}}"#
    );
    assert!(matches!(Cryptoconf::from_json(text.as_bytes()), Err(Error::Limit(_))));
    // Far deeper than serde_json's recursion limit: an error, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(Cryptoconf::from_json(deep.as_bytes()).is_err());
}

#[test]
fn jsonrpc_trustees_say_not_supported_yet() {
    let (_d, pool) = pool();
    let c = conf(
        r#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "payload_signatures": [],
        "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "jsonrpc_api", "jsonrpc_url": "https://gateway.example/json"}}]}]}"#,
    );
    let e = encrypt_bytes(b"x", &c, None, &pool).unwrap_err();
    assert!(matches!(e, Error::NotSupported(_)), "{e}");
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let key = flightbox::primitives::symmetric::SymKey::generate(flightbox::model::SymAlgo::AesEax);
    assert!(format!("{key:?}").contains("redacted"));
    let mut p = Passphrases::new();
    p.add_common("hunter2 is my passphrase");
    assert!(!format!("{p:?}").contains("hunter2"));
    let pk = flightbox::keys::generate(flightbox::keys::KeyAlgo::Ed25519, Default::default()).unwrap();
    assert_eq!(format!("{pk:?}"), "PrivateKey::Ed25519(<redacted>)");
    let d = tempfile::tempdir().unwrap();
    let params = flightbox::keystore::NewAuthenticator {
        owner: "Ann",
        passphrase_hint: "usual",
        keypair_count: 1,
        key_bits: 2048,
    };
    let meta =
        flightbox::keystore::create_authenticator(&d.path().join("a"), &params, "a long passphrase here", |_, _| {})
            .unwrap();
    let secret = meta.keystore_secret.clone().unwrap();
    assert_eq!(secret.len(), 86);
    assert!(!format!("{meta:?}").contains(&secret));
    // The private key on disk is encrypted and opens with the passphrase only.
    let ks = flightbox::keystore::FilesystemKeystore::open(d.path().join("a")).unwrap();
    let check = flightbox::keystore::check_passphrase(&ks, "a long passphrase here").unwrap();
    assert!(check.is_ok());
    assert!(!flightbox::keystore::check_passphrase(&ks, "wrong").unwrap().is_ok());
    let kp = &ks.list_keypairs().unwrap()[0];
    let pem = ks.private_key_pem(&kp.keychain_uid, kp.key_algo).unwrap();
    assert!(std::str::from_utf8(&pem).unwrap().starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    // The hint may not contain the passphrase.
    let bad = flightbox::keystore::NewAuthenticator { passphrase_hint: "it is a long passphrase here", ..params };
    assert!(flightbox::keystore::create_authenticator(&d.path().join("b"), &bad, "a long passphrase here", |_, _| {})
        .is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_payload_round_trips(payload in proptest::collection::vec(any::<u8>(), 0..5000), algo in 0usize..4) {
        let pool = &SHARED.1;
        let algo = ["AES_CBC", "AES_EAX", "CHACHA20_POLY1305", "AES_GCM"][algo];
        let c = encrypt_bytes(&payload, &simple(algo), None, pool).unwrap();
        let json = c.to_json().unwrap();
        let back = Cryptainer::from_json(&json).unwrap();
        prop_assert_eq!(&back, &c);
        prop_assert_eq!(open(&back, pool).unwrap(), payload);
    }

    #[test]
    fn shamir_any_secret_any_threshold(secret in proptest::collection::vec(any::<u8>(), 0..100), n in 1usize..8, k_off in 0usize..8) {
        let k = 1 + k_off % n;
        let shards = flightbox::primitives::shamir::split_secret(&secret, k, n).unwrap();
        prop_assert_eq!(flightbox::primitives::shamir::combine_secret(&shards[n - k..]).unwrap().to_vec(), secret);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = Cryptainer::from_json(&bytes);
        let _ = Cryptoconf::from_json(&bytes);
        let _ = flightbox::primitives::rsa_oaep::OaepCipherdict::from_json(&bytes);
        let _ = flightbox::primitives::symmetric::Cipherdict::from_json(&bytes);
        let _ = flightbox::cryptainer::parse_key_struct(&bytes);
    }

    #[test]
    fn mutated_cryptainers_never_panic(pos in 0usize..4000, byte in any::<u8>()) {
        let pool = &SHARED.1;
        let c = encrypt_bytes(b"payload", &simple("AES_EAX"), None, pool).unwrap();
        let mut json = c.to_json().unwrap();
        let i = pos % json.len();
        json[i] = byte;
        if let Ok(c2) = Cryptainer::from_json(&json) {
            let _ = open(&c2, pool);
        }
    }
}
