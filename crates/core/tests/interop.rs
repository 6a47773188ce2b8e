//! Cross-implementation tests against wacryptolib 0.11 (Python), driven by `tests/interop/cases.json`.
//!
//! Needs a Python with wacryptolib 0.11: `FLIGHTBOX_PYTHON`, or the `.venv` that `.ci/run` creates at the
//! repository root. Without one these tests fail with instructions: they are never skipped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use flightbox::cryptainer::{Passphrases, Unwrapper};
use flightbox::keystore::{create_authenticator, FilesystemKeystore, KeystorePool, NewAuthenticator};
use flightbox::model::{Cryptainer, Cryptoconf, PayloadCiphertextStruct, Trustee};
use flightbox::report::Problem;
use flightbox::stream::{decrypt_to_file, encrypt_to_files, payload_path, EncryptOptions};
use flightbox::Error;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("FLIGHTBOX_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "wacryptolib is needed: run `bash .ci/setup-python` (creates .venv with wacryptolib==0.11) or set FLIGHTBOX_PYTHON"
    );
    venv
}

fn side_script() -> PathBuf {
    repo_root().join("tests/interop/wacryptolib_side.py")
}

fn spec() -> Value {
    serde_json::from_slice(&std::fs::read(repo_root().join("tests/interop/cases.json")).unwrap()).unwrap()
}

fn payload_bytes(size: usize) -> Vec<u8> {
    (0..size).map(|i| ((i * 131 + 7) % 251) as u8).collect()
}

fn resolve(tree: &Value, uids: &BTreeMap<String, String>) -> String {
    let mut text = tree.to_string();
    let mut keys: Vec<&String> = uids.keys().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for k in keys {
        text = text.replace(&format!("\"{k}\""), &format!("{{\"$uuid\": \"{}\"}}", uids[k].replace('-', "")));
    }
    text
}

fn passphrases(case: &Value, uids: &BTreeMap<String, String>, spec: &Value) -> Passphrases {
    let mut p = Passphrases::new();
    for entry in case["passphrases"].as_array().unwrap() {
        let entry = entry.as_str().unwrap();
        let (name, mode) = entry.split_once('=').unwrap_or((entry, ""));
        let value =
            if mode == "wrong" { "not the right passphrase" } else { spec["authenticators"][name].as_str().unwrap() };
        let uid = uuid::Uuid::parse_str(&uids[&format!("@{name}")]).unwrap();
        p.add_for(&Trustee::Authenticator { keystore_uid: flightbox::ejson::Uid(uid), keystore_owner: None }, value);
    }
    p
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Checks one decryption against the case's expectation; returns an error text when it does not match.
fn check_expectation(
    case: &Value,
    result: flightbox::Result<flightbox::report::OperationReport>,
    out: &Path,
    expected: &[u8],
) -> Option<String> {
    let expect = case["expect"].as_str().unwrap();
    match (expect, result) {
        ("ok", Ok(_)) => {
            let got = std::fs::read(out).unwrap();
            (got != expected).then(|| format!("plaintext differs ({} vs {} bytes)", got.len(), expected.len()))
        }
        ("ok", Err(e)) => Some(format!("expected success, got {e}")),
        (_, Ok(_)) => Some(format!("expected {expect}, but decryption succeeded")),
        (_, Err(Error::DecryptionReport(report))) => {
            let wanted = |p: &Problem| match expect {
                "wrong_passphrase" => matches!(p, Problem::WrongPassphrase { .. }),
                "not_enough_shards" => matches!(p, Problem::NotEnoughShards { needed: 2, found: 1 }),
                "integrity_failure" => matches!(p, Problem::IntegrityFailure),
                "signature_invalid" => matches!(p, Problem::SignatureInvalid),
                "key_decryption_failed" => matches!(p, Problem::KeyDecryptionFailed),
                _ => false,
            };
            if out.exists() {
                return Some("a failed decryption left an output file".into());
            }
            (!report.has_problem(wanted)).then(|| format!("expected {expect}, report was:\n{report}"))
        }
        (_, Err(e)) => Some(format!("expected a report with {expect}, got error {e}")),
    }
}

#[test]
fn wacryptolib_cryptainers_open_with_flightbox() {
    let spec = spec();
    let tmp = tempfile::tempdir().unwrap();
    let py = tmp.path().join("py");
    let status = Command::new(python()).arg(side_script()).arg("make").arg(&py).status().unwrap();
    assert!(status.success(), "wacryptolib side failed to make cryptainers");
    let manifest: Value = serde_json::from_slice(&std::fs::read(py.join("manifest.json")).unwrap()).unwrap();
    let uids: BTreeMap<String, String> = serde_json::from_value(manifest["uids"].clone()).unwrap();

    // Our pool: wacryptolib's local key factory, and wacryptolib's authenticator folders imported our way.
    let pool = KeystorePool::open(tmp.path().join("pool")).unwrap();
    copy_dir(
        &Path::new(manifest["pool"].as_str().unwrap()).join("local_keyfactory"),
        &tmp.path().join("pool/local_keyfactory"),
    );
    for dir in manifest["authenticators"].as_object().unwrap().values() {
        pool.import_authenticator(Path::new(dir.as_str().unwrap()), true).unwrap();
    }
    let cases: BTreeMap<String, Value> = spec["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    let mut failures = Vec::new();
    let entries = manifest["cases"].as_array().unwrap();
    for entry in entries {
        let case = &cases[entry["name"].as_str().unwrap()];
        let name = case["name"].as_str().unwrap();
        let crypt = PathBuf::from(entry["crypt"].as_str().unwrap());
        // Byte-identical re-serialization: our Extended JSON writer matches wacryptolib's.
        let bytes = std::fs::read(&crypt).unwrap();
        match Cryptainer::from_json(&bytes) {
            Ok(c) => {
                if c.to_json().unwrap() != bytes {
                    failures.push(format!("{name}: re-serialized JSON differs from wacryptolib's"));
                }
                let summary = flightbox::model::summary(&c.payload_cipher_layers);
                if summary != entry["summary"].as_str().unwrap() {
                    failures.push(format!("{name}: summary differs:\n{summary}\nwacryptolib:\n{}", entry["summary"]));
                }
            }
            Err(e) => failures.push(format!("{name}: does not parse: {e}")),
        }
        let p = passphrases(case, &uids, &spec);
        let unwrapper = Unwrapper { keys: &pool, passphrases: &p, predecrypted: None };
        let out = tmp.path().join(format!("{name}.out"));
        let result = decrypt_to_file(&crypt, &out, &unwrapper, false, &mut |_, _| {});
        let expected = std::fs::read(entry["plaintext"].as_str().unwrap()).unwrap();
        if let Some(f) = check_expectation(case, result, &out, &expected) {
            failures.push(format!("{name}: {f}"));
        }
    }
    println!("{} passed, {} failed", entries.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "cases failing:\n{}", failures.join("\n"));
}

fn tamper(crypt: &Path, case: &Value) {
    let kind = case["tamper"].as_str().unwrap();
    let mut c = Cryptainer::from_json(&std::fs::read(crypt).unwrap()).unwrap();
    let last_is_cbc = c.payload_cipher_layers.last().unwrap().payload_cipher_algo == flightbox::model::SymAlgo::AesCbc;
    let flip = |data: &mut Vec<u8>| {
        let idx = if last_is_cbc { data.len() - 17 } else { data.len() / 2 };
        data[idx] ^= 1;
    };
    match kind {
        "payload" => match &mut c.payload_ciphertext_struct {
            Some(PayloadCiphertextStruct::Inline { ciphertext_value }) => flip(&mut ciphertext_value.0),
            _ => {
                let pp = payload_path(crypt);
                let mut data = std::fs::read(&pp).unwrap();
                flip(&mut data);
                std::fs::write(&pp, data).unwrap();
                return;
            }
        },
        "tag" => c.payload_cipher_layers[0].payload_macs.as_mut().unwrap().tag.as_mut().unwrap().0[0] ^= 1,
        "signature" => {
            c.payload_cipher_layers[0].payload_signatures[0]
                .payload_signature_struct
                .as_mut()
                .unwrap()
                .signature_value
                .0[10] ^= 1
        }
        "key" => {
            let layer = &mut c.payload_cipher_layers[0];
            let ct = layer.key_ciphertext.as_mut().unwrap();
            let mut cd = flightbox::primitives::rsa_oaep::OaepCipherdict::from_json(ct).unwrap();
            cd.ciphertext_chunks[0][5] ^= 1;
            ct.0 = cd.to_json().unwrap();
        }
        other => panic!("unknown tamper {other}"),
    }
    std::fs::write(crypt, c.to_json().unwrap()).unwrap();
}

#[test]
fn flightbox_cryptainers_open_with_wacryptolib() {
    let spec = spec();
    let tmp = tempfile::tempdir().unwrap();
    let rs = tmp.path().join("rs");
    let mut uids = BTreeMap::new();
    let mut auth_dirs = serde_json::Map::new();
    let pool = KeystorePool::open(rs.join("pool")).unwrap();
    for (name, passphrase) in spec["authenticators"].as_object().unwrap() {
        let dir = rs.join("authenticators").join(name);
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        let params = NewAuthenticator {
            owner: &format!("Guardian {}", &name[1..]),
            passphrase_hint: &format!("hint for {name}"),
            keypair_count: 3,
            key_bits: 2048,
        };
        let meta = create_authenticator(&dir, &params, passphrase.as_str().unwrap(), |_, _| {}).unwrap();
        uids.insert(format!("@{name}"), meta.keystore_uid.to_string());
        for (i, kp) in FilesystemKeystore::open(&dir).unwrap().list_keypairs().unwrap().iter().enumerate() {
            uids.insert(format!("@{name}K{i}"), kp.keychain_uid.to_string());
        }
        pool.import_authenticator(&dir, false).unwrap();
        auth_dirs.insert(name.clone(), Value::String(dir.display().to_string()));
    }
    for i in 0..4 {
        uids.insert(format!("@K{i}"), uuid::Uuid::new_v4().to_string());
    }
    // Our own pool also holds private keys, to check each cryptainer with our decryption first.
    let own_pool = KeystorePool::open(rs.join("own_pool")).unwrap();
    for dir in auth_dirs.values() {
        own_pool.import_authenticator(Path::new(dir.as_str().unwrap()), true).unwrap();
    }
    let cdir = rs.join("cryptainers");
    std::fs::create_dir_all(&cdir).unwrap();
    let mut cases = Vec::new();
    let mut failures = Vec::new();
    for case in spec["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let conf = Cryptoconf::from_json(resolve(&case["conf"], &uids).as_bytes()).unwrap();
        let metadata = (!case["metadata"].is_null()).then(|| case["metadata"].clone());
        let payload = payload_bytes(case["size"].as_u64().unwrap() as usize);
        let crypt = cdir.join(format!("{name}.crypt"));
        let opts = EncryptOptions { inline: case["inline"].as_bool().unwrap(), overwrite: false };
        encrypt_to_files(&mut payload.as_slice(), &conf, metadata.as_ref(), &pool, &crypt, opts, &mut |_| {}).unwrap();
        assert!(!cdir.join(format!("{name}.crypt~")).exists());
        if !case["tamper"].is_null() {
            tamper(&crypt, case);
        }
        let plain = cdir.join(format!("{name}.plain"));
        std::fs::write(&plain, &payload).unwrap();
        // Same local key factory for our own check.
        copy_dir(&rs.join("pool/local_keyfactory"), &rs.join("own_pool/local_keyfactory"));
        let p = passphrases(case, &uids, &spec);
        let unwrapper = Unwrapper { keys: &own_pool, passphrases: &p, predecrypted: None };
        let out = tmp.path().join(format!("{name}.out"));
        if let Some(f) =
            check_expectation(case, decrypt_to_file(&crypt, &out, &unwrapper, false, &mut |_, _| {}), &out, &payload)
        {
            failures.push(format!("{name} (flightbox decrypting its own): {f}"));
        }
        cases.push(serde_json::json!({"name": name, "crypt": crypt, "plaintext": plain}));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let manifest =
        serde_json::json!({"uids": uids, "authenticators": auth_dirs, "pool": rs.join("pool"), "cases": cases});
    let mpath = rs.join("manifest.json");
    std::fs::write(&mpath, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    let output = Command::new(python()).arg(side_script()).arg("decrypt").arg(&mpath).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "wacryptolib could not open some flightbox cryptainers:\n{stdout}");
}
