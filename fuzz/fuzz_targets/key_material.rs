//! Parsers of key material from outside: cipherdicts, key structs, Extended JSON values, PEM keys.
#![no_main]
use flightbox::keys::{KeyAlgo, PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flightbox::primitives::rsa_oaep::OaepCipherdict::from_json(data);
    let _ = flightbox::primitives::symmetric::Cipherdict::from_json(data);
    let _ = flightbox::cryptainer::parse_key_struct(data);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = flightbox::ejson::canonicalize(&v);
    }
    for algo in KeyAlgo::ALL {
        let _ = PublicKey::from_pem(data, *algo);
        let _ = PrivateKey::from_pem(data, *algo, Some("passphrase"), "fuzz");
    }
});
