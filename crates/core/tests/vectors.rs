//! Known-answer vectors made by pycryptodome / wacryptolib 0.11 (`tests/vectors/generate.py`).

use std::path::Path;

use flightbox::keys::{KeyAlgo, PrivateKey, PublicKey};
use flightbox::model::{SignatureAlgo, SignatureStruct};
use flightbox::primitives::{rsa_oaep, shamir, signature};
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors").join(name);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn hex(s: &Value) -> Vec<u8> {
    let s = s.as_str().unwrap();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn u128_of(v: &Value) -> u128 {
    u128::from_be_bytes(hex(v).try_into().unwrap())
}

#[test]
fn gf128_matches_pycryptodome() {
    let v = load("gf128_shamir.json");
    for c in v["gf_mul"].as_array().unwrap() {
        assert_eq!(shamir::gf_mul(u128_of(&c["a"]), u128_of(&c["b"])), u128_of(&c["product"]));
        assert_eq!(shamir::gf_inv(u128_of(&c["a"])), u128_of(&c["inverse_of_a"]));
    }
}

#[test]
fn shamir_shares_of_pycryptodome_recombine() {
    let v = load("gf128_shamir.json");
    for c in v["shamir_split"].as_array().unwrap() {
        let k = c["k"].as_u64().unwrap() as usize;
        let shares: Vec<(u8, [u8; 16])> = c["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s[0].as_u64().unwrap() as u8, hex(&s[1]).try_into().unwrap()))
            .collect();
        let secret = hex(&c["secret"]);
        // Exactly k (the last k), and all of them.
        assert_eq!(shamir::combine_block(&shares[shares.len() - k..]).unwrap().to_vec(), secret);
        assert_eq!(shamir::combine_block(&shares).unwrap().to_vec(), secret);
        if k > 1 {
            assert_ne!(shamir::combine_block(&shares[..k - 1]).unwrap().to_vec(), secret);
        }
    }
}

#[test]
fn rsa_oaep_chunks_of_pycryptodome_decrypt() {
    let v = load("rsa_oaep.json");
    let key = PrivateKey::from_pem(v["private_key_pem"].as_str().unwrap().as_bytes(), KeyAlgo::RsaOaep, None, "vector")
        .unwrap();
    for c in v["cases"].as_array().unwrap() {
        let cd = rsa_oaep::OaepCipherdict::from_json(c["cipherdict"].as_str().unwrap().as_bytes()).unwrap();
        let pt = hex(&c["plaintext"]);
        assert_eq!(cd.ciphertext_chunks.len(), pt.len().div_ceil(60));
        assert_eq!(rsa_oaep::decrypt(key.as_rsa().unwrap(), &cd).unwrap().to_vec(), pt);
        // Our cipherdict JSON has wacryptolib's exact shape.
        assert_eq!(cd.to_json().unwrap(), c["cipherdict"].as_str().unwrap().as_bytes());
    }
    // Our PEM export of the public key equals pycryptodome's.
    let public = PublicKey::from_pem(v["public_key_pem"].as_str().unwrap().as_bytes(), KeyAlgo::RsaOaep).unwrap();
    assert_eq!(public.to_pem().unwrap(), v["public_key_pem"].as_str().unwrap().as_bytes());
}

#[test]
fn wacryptolib_signatures_verify_and_tampering_fails() {
    for c in load("signatures.json").as_array().unwrap() {
        let algo: SignatureAlgo = c["algo"].as_str().unwrap().parse().unwrap();
        let public =
            PublicKey::from_pem(c["public_key_pem"].as_str().unwrap().as_bytes(), KeyAlgo::from(algo)).unwrap();
        let sig: SignatureStruct = flightbox::ejson::from_slice(c["signature"].as_str().unwrap().as_bytes()).unwrap();
        let msg = hex(&c["message"]);
        signature::verify(&public, algo, &msg, &sig).unwrap_or_else(|e| panic!("{algo} {}: {e}", c["params"]));
        let mut bad = sig.clone();
        bad.signature_timestamp_utc.0 += 1;
        assert!(signature::verify(&public, algo, &msg, &bad).is_err());
        let mut bad = sig.clone();
        bad.signature_value.0[3] ^= 1;
        assert!(signature::verify(&public, algo, &msg, &bad).is_err());
        // pycryptodome's private key PEM loads, and our signatures verify with its public key.
        let private =
            PrivateKey::from_pem(c["private_key_pem"].as_str().unwrap().as_bytes(), KeyAlgo::from(algo), None, "v")
                .unwrap();
        let ours = signature::sign(&private, algo, &msg).unwrap();
        signature::verify(&public, algo, &msg, &ours).unwrap();
        assert_eq!(public.to_pem().unwrap(), c["public_key_pem"].as_str().unwrap().as_bytes(), "{algo}");
    }
}

#[test]
fn extended_json_is_byte_identical() {
    let v = load("extended_json.json");
    for key in ["known", "mixed"] {
        let text = v[key].as_str().unwrap();
        let parsed: Value = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        flightbox::ejson::write_value(&flightbox::ejson::canonicalize(&parsed).unwrap(), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
    // Plain numbers and legacy binaries come out canonical.
    let legacy: Value =
        serde_json::from_str(r#"{"d": 5, "e": 1099511627776, "b": {"$binary": "eHl6", "$type": "00"}}"#).unwrap();
    let mut out = Vec::new();
    flightbox::ejson::write_value(&flightbox::ejson::canonicalize(&legacy).unwrap(), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"b": {"$binary": {"base64": "eHl6", "subType": "00"}}, "d": {"$numberInt": "5"}, "e": {"$numberLong": "1099511627776"}}"#
    );
}

#[test]
fn pycryptodome_protected_keys_open_with_normalized_passphrase_only() {
    let v = load("protected_keys.json");
    let passphrase = v["passphrase"].as_str().unwrap();
    for k in v["keys"].as_array().unwrap() {
        let algo: KeyAlgo = k["algo"].as_str().unwrap().parse().unwrap();
        let pem = k["pem"].as_str().unwrap().as_bytes();
        let what = k["protection"].as_str().unwrap();
        let key = PrivateKey::from_pem(pem, algo, Some(passphrase), "v").unwrap_or_else(|e| panic!("{what}: {e}"));
        let public = PublicKey::from_pem(k["public_pem"].as_str().unwrap().as_bytes(), algo).unwrap();
        assert_eq!(key.public_key(), public, "{what}");
        // Already normalized: same key. Wrong or missing passphrase: its own error.
        assert!(PrivateKey::from_pem(pem, algo, Some("Pässphrase fine"), "v").is_ok(), "{what}");
        for wrong in [Some("Passphrase fine"), Some(""), None] {
            assert!(
                matches!(PrivateKey::from_pem(pem, algo, wrong, "v"), Err(flightbox::Error::WrongPassphrase(_))),
                "{what} {wrong:?}"
            );
        }
    }
}
