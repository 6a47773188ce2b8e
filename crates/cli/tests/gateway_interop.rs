//! wacryptolib 0.11 with our gateway and our guardians: as requestor (JsonRpcProxy +
//! `decrypt_payload_from_cryptainer` with gateway URLs) and as guardian (its `TrusteeApi`).

use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use assert_cmd::Command;

mod common;

fn python() -> PathBuf {
    std::env::var("FLIGHTBOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"))
}

fn py(dir: &Path, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/gateway_side.py");
    let out = Proc::new(python())
        .current_dir(dir)
        .arg(script)
        .args(args)
        .output()
        .expect("python with wacryptolib (bash .ci/setup-python)");
    assert!(
        out.status.success(),
        "wacryptolib {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

struct W {
    dir: tempfile::TempDir,
    url: String,
}

impl W {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = common::start_gateway(&dir.path().join("gw.sqlite3"));
        std::fs::create_dir(dir.path().join("py_pool")).unwrap();
        W { dir, url }
    }
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("flightbox").unwrap();
        c.current_dir(self.dir.path())
            .env("FLIGHTBOX_KEYSTORE_POOL", self.dir.path().join("pool"))
            .env("FLIGHTBOX_CRYPTAINER_DIR", self.dir.path().join("cryptainers"))
            .env("FLIGHTBOX_GATEWAY_URL", &self.url);
        c
    }
    fn out(&self, args: &[&str]) -> String {
        let o = self.cmd().args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
    /// Three published guardians and a 2-of-3 cryptainer made by our requestor; returns the payload.
    fn setup(&self) -> Vec<u8> {
        let mut shards = Vec::new();
        for g in ["g1", "g2", "g3"] {
            std::fs::write(self.dir.path().join(format!("{g}.pass")), format!("{g} passphrase, quite long\n")).unwrap();
            self.out(&[
                "authenticator",
                "create",
                g,
                "--owner",
                g,
                "--passphrase-hint",
                "h",
                "--keypair-count",
                "1",
                "--passphrase-file",
                &format!("{g}.pass"),
            ]);
            self.out(&["authenticator", "publish", g]);
            let v: serde_json::Value =
                serde_json::from_str(&self.out(&["authenticator", "view", g, "--format", "json"])).unwrap();
            let uid = v["keystore_uid"].as_str().unwrap().to_string();
            self.out(&["foreign-keystore", "import", "--from-gateway", &uid]);
            shards.push(format!("shard:authenticator={uid}"));
        }
        let mut args = vec!["cryptoconf", "generate-simple", "payload:AES_EAX", "shared:2"];
        args.extend(shards.iter().map(String::as_str));
        args.extend(["payload:AES_CBC", "key:local_keyfactory", "-o", "conf.json"]);
        self.out(&args);
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 199) as u8).collect();
        std::fs::write(self.dir.path().join("clip.bin"), &data).unwrap();
        self.out(&["encrypt", "clip.bin", "--cryptoconf", "conf.json"]);
        data
    }
    fn accept_pending(&self, g: &str) {
        let list: serde_json::Value = serde_json::from_str(&self.out(&[
            "authenticator",
            "requests",
            g,
            "--status",
            "pending",
            "--format",
            "json",
        ]))
        .unwrap();
        for r in list.as_array().unwrap() {
            self.out(&[
                "authenticator",
                "accept",
                g,
                r["revelation_request_uid"].as_str().unwrap(),
                "--passphrase-file",
                &format!("{g}.pass"),
            ]);
        }
    }
}

#[test]
fn wacryptolib_requestor_with_our_gateway_and_guardians() {
    let w = W::new();
    let data = w.setup();
    let d = w.dir.path().display().to_string();
    // wacryptolib's requestor uses the local key factory of its own pool for the second layer: give it ours.
    let lk = w.dir.path().join("pool/local_keyfactory");
    std::fs::create_dir_all(w.dir.path().join("py_pool/local_keyfactory")).unwrap();
    for f in std::fs::read_dir(&lk).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), w.dir.path().join("py_pool/local_keyfactory").join(f.file_name())).unwrap();
    }
    let crypt = format!("{d}/cryptainers/clip.bin.crypt");
    let requestor = py(w.dir.path(), &["submit", &w.url, &format!("{d}/py_pool"), &crypt, "wacryptolib asks"]);
    w.accept_pending("g1");
    w.accept_pending("g3");
    py(
        w.dir.path(),
        &["decrypt", &w.url, &format!("{d}/py_pool"), &crypt, &requestor, &format!("{d}/by_wacryptolib.bin")],
    );
    assert_eq!(std::fs::read(w.dir.path().join("by_wacryptolib.bin")).unwrap(), data);
}

#[test]
fn wacryptolib_guardians_answer_our_requestor() {
    let w = W::new();
    let data = w.setup();
    w.out(&["revelation-request", "submit", "clip.bin", "--description", "we ask wacryptolib guardians"]);
    for g in ["g2", "g3"] {
        let pass = std::fs::read_to_string(w.dir.path().join(format!("{g}.pass"))).unwrap();
        let accepted =
            py(w.dir.path(), &["guardian", &w.url, &w.dir.path().join(g).display().to_string(), pass.trim_end()]);
        assert_eq!(accepted, "1");
    }
    w.out(&["cryptainer", "decrypt", "clip.bin", "-o", "answered.bin", "--use-gateway"]);
    assert_eq!(std::fs::read(w.dir.path().join("answered.bin")).unwrap(), data);
}

#[test]
fn remote_trustee_jsonrpc_api_both_ways() {
    let w = W::new();
    let d = w.dir.path();
    let trustee = format!("{}/trustee/jsonrpc/", w.url);
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
    std::fs::write(d.join("in.bin"), &data).unwrap();
    // Ours encrypts with the remote trustee (wrapping and signature) and decrypts.
    let conf = format!(
        r#"{{"payload_cipher_layers": [{{"payload_cipher_algo": "CHACHA20_POLY1305",
        "key_cipher_layers": [{{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {{"trustee_type": "jsonrpc_api", "jsonrpc_url": "{trustee}"}}}}],
        "payload_signatures": [{{"payload_digest_algo": "SHA512", "payload_signature_algo": "ECC_DSS",
            "payload_signature_trustee": {{"trustee_type": "jsonrpc_api", "jsonrpc_url": "{trustee}"}}}}]}}]}}"#
    );
    std::fs::write(d.join("remote.json"), conf).unwrap();
    w.out(&["encrypt", "in.bin", "--cryptoconf", "remote.json"]);
    w.out(&["cryptainer", "decrypt", "in.bin", "-o", "ours.bin"]);
    assert_eq!(std::fs::read(d.join("ours.bin")).unwrap(), data);
    // wacryptolib asks authorization and decrypts ours, checking the remote signature.
    let crypt = d.join("cryptainers/in.bin.crypt").display().to_string();
    py(
        d,
        &[
            "trustee_decrypt",
            &d.join("py_pool").display().to_string(),
            &crypt,
            &d.join("by_wa.bin").display().to_string(),
        ],
    );
    assert_eq!(std::fs::read(d.join("by_wa.bin")).unwrap(), data);
    // wacryptolib encrypts with our remote trustee; ours decrypts.
    std::fs::create_dir_all(d.join("cryptainers")).unwrap();
    py(
        d,
        &[
            "trustee_encrypt",
            &trustee,
            &d.join("py_pool").display().to_string(),
            &d.join("in.bin").display().to_string(),
            &d.join("cryptainers/wa.crypt").display().to_string(),
        ],
    );
    w.out(&["cryptainer", "decrypt", "wa.crypt", "-o", "from_wa.bin"]);
    assert_eq!(std::fs::read(d.join("from_wa.bin")).unwrap(), data);
    // Without an authorization request, the trustee refuses to decrypt.
    let gw = flightbox::gateway::client::GatewayClient::for_endpoint(&trustee).unwrap();
    let uid = flightbox::ejson::Uid(uuid::Uuid::new_v4());
    let pem = gw.fetch_public_key(uid, "RSA_OAEP", false).unwrap();
    let pk = flightbox::keys::PublicKey::from_pem(&pem, flightbox::keys::KeyAlgo::RsaOaep).unwrap();
    let cd = flightbox::primitives::rsa_oaep::encrypt(pk.as_rsa().unwrap(), b"{}").unwrap().to_json().unwrap();
    let value: serde_json::Value = serde_json::from_slice(&cd).unwrap();
    let err = gw.decrypt_with_private_key(uid, "RSA_OAEP", &value).unwrap_err();
    assert_eq!(err.kind(), Some(flightbox::gateway::protocol::ErrorKind::AuthorizationError), "{err}");
    assert!(gw.fetch_public_key(flightbox::ejson::Uid(uuid::Uuid::new_v4()), "RSA_OAEP", true).is_err(), "must_exist");
}
