//! Cryptainer parsing, validation, re-serialization and the walk of its key layers: no panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = flightbox::model::Cryptainer::from_json(data) {
        let json = c.to_json().expect("a parsed cryptainer serializes");
        let again = flightbox::model::Cryptainer::from_json(&json).expect("our own output parses");
        assert_eq!(again, c);
        let dir = std::env::temp_dir().join("flightbox-fuzz-pool");
        let pool = flightbox::keystore::KeystorePool::open(dir).expect("pool");
        let pass = flightbox::cryptainer::Passphrases::new();
        let u = flightbox::cryptainer::Unwrapper { keys: &pool, passphrases: &pass, predecrypted: None };
        let _ = flightbox::cryptainer::decrypt_bytes(&c, Some(b"x"), &u, true);
    }
});
