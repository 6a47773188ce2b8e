//! The whole revelation story over real HTTP on loopback: a gateway with an embedded SQLite database,
//! three guardians and a requestor, all driven through the `flightbox` command.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

mod common;
use common::start_gateway;

struct World {
    dir: tempfile::TempDir,
    gateway: String,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let gateway = start_gateway(&dir.path().join("gateway.sqlite3"));
        World { dir, gateway }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    /// The requestor's command (its own keystore pool and cryptainer folder).
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("flightbox").unwrap();
        c.current_dir(self.dir.path())
            .env("FLIGHTBOX_KEYSTORE_POOL", self.path("requestor_pool"))
            .env("FLIGHTBOX_CRYPTAINER_DIR", self.path("cryptainers"))
            .env("FLIGHTBOX_GATEWAY_URL", &self.gateway);
        c
    }
    fn stdout(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
    fn guardian(&self, name: &str) -> String {
        std::fs::write(self.path(&format!("{name}.pass")), format!("{name} has a long passphrase\n")).unwrap();
        self.cmd()
            .args([
                "authenticator",
                "create",
                name,
                "--owner",
                name,
                "--passphrase-hint",
                "usual",
                "--keypair-count",
                "2",
            ])
            .args(["--passphrase-file", &format!("{name}.pass")])
            .assert()
            .success();
        self.cmd().args(["authenticator", "publish", name, "--check"]).assert().success().stdout("not published\n");
        self.cmd().args(["authenticator", "publish", name]).assert().success().stdout(contains("published to"));
        self.cmd().args(["authenticator", "publish", name]).assert().success().stdout(contains("published (identical"));
        let v: serde_json::Value =
            serde_json::from_str(&self.stdout(&["authenticator", "view", name, "--format", "json"])).unwrap();
        v["keystore_uid"].as_str().unwrap().to_string()
    }
    fn pending(&self, guardian: &str) -> Vec<String> {
        let list: serde_json::Value = serde_json::from_str(&self.stdout(&[
            "authenticator",
            "requests",
            guardian,
            "--status",
            "pending",
            "--format",
            "json",
        ]))
        .unwrap();
        list.as_array().unwrap().iter().map(|r| r["revelation_request_uid"].as_str().unwrap().to_string()).collect()
    }
}

#[test]
fn three_guardians_two_accept_one_rejects_the_requestor_decrypts() {
    let w = World::new();
    let uids: Vec<String> = ["ada", "bob", "cy"].iter().map(|g| w.guardian(g)).collect();

    // The requestor fetches the guardians' public keys from the gateway and encrypts 2-of-3.
    for u in &uids {
        w.cmd()
            .args(["foreign-keystore", "import", "--from-gateway", u])
            .assert()
            .success()
            .stdout(contains("imported from the gateway"));
    }
    let shards: Vec<String> = uids.iter().map(|u| format!("shard:authenticator={u}")).collect();
    let mut gen = vec!["cryptoconf", "generate-simple", "payload:CHACHA20_POLY1305", "shared:2"];
    gen.extend(shards.iter().map(String::as_str));
    gen.extend(["-o", "conf.json"]);
    w.cmd().args(&gen).assert().success();
    let footage: Vec<u8> = (0..1_500_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(w.path("footage.mp4"), &footage).unwrap();
    w.write_meta();
    w.cmd().args(["encrypt", "footage.mp4", "--cryptoconf", "conf.json", "--metadata", "meta.json"]).assert().success();
    // Without answers the requestor cannot decrypt.
    w.cmd()
        .args(["cryptainer", "decrypt", "footage.mp4", "-o", "early.mp4", "--use-gateway"])
        .assert()
        .code(1)
        .stderr(contains("2 of 3 shards needed, 0 found"));

    w.cmd()
        .args([
            "revelation-request",
            "submit",
            "footage.mp4",
            "--description",
            "Break-in of 3 December, police case 42",
        ])
        .assert()
        .success()
        .stdout(contains("Request sent to guardian").count(3));

    // Each guardian sees one pending request with the cryptainer and its metadata.
    let ada = w.pending("ada");
    assert_eq!(ada.len(), 1);
    w.cmd()
        .args(["authenticator", "requests", "ada"])
        .assert()
        .success()
        .stdout(contains("PENDING").and(contains("Break-in of 3 December")).and(contains("footage.mp4.crypt")));
    // A wrong passphrase sends nothing: the request stays pending.
    std::fs::write(w.path("wrong.pass"), "not it\n").unwrap();
    w.cmd()
        .args(["authenticator", "accept", "ada", &ada[0], "--passphrase-file", "wrong.pass"])
        .assert()
        .code(1)
        .stderr(contains("wrong passphrase: nothing was sent"));
    assert_eq!(w.pending("ada"), ada);

    w.cmd()
        .args(["authenticator", "accept", "ada", &ada[0], "--passphrase-file", "ada.pass"])
        .assert()
        .success()
        .stdout(contains("1 DECRYPTED"));
    let bob = w.pending("bob");
    w.cmd().args(["authenticator", "accept", "bob", &bob[0], "--passphrase-file", "bob.pass"]).assert().success();
    let cy = w.pending("cy");
    w.cmd().args(["authenticator", "reject", "cy", &cy[0]]).assert().success().stdout(contains("rejected"));
    // Handled requests cannot be handled again.
    w.cmd()
        .args(["authenticator", "reject", "ada", &ada[0]])
        .assert()
        .code(1)
        .stderr(contains("already handled (ACCEPTED)"));
    w.cmd()
        .args(["authenticator", "accept", "cy", &cy[0], "--passphrase-file", "cy.pass"])
        .assert()
        .code(1)
        .stderr(contains("already handled (REJECTED)"));

    let listing = w.stdout(&["revelation-request", "list"]);
    assert_eq!(listing.matches("ACCEPTED").count(), 2, "{listing}");
    assert_eq!(listing.matches("REJECTED").count(), 1, "{listing}");

    w.cmd()
        .args(["cryptainer", "decrypt", "footage.mp4", "-o", "revealed.mp4", "--use-gateway"])
        .assert()
        .success()
        .stderr(contains("2 key(s) revealed"));
    assert_eq!(std::fs::read(w.path("revealed.mp4")).unwrap(), footage);
}

impl World {
    fn write_meta(&self) {
        std::fs::write(self.path("meta.json"), br#"{"camera": "porch", "clip": 7}"#).unwrap();
    }
}

#[test]
fn gateway_errors_in_words() {
    let w = World::new();
    // No gateway given.
    w.cmd()
        .env_remove("FLIGHTBOX_GATEWAY_URL")
        .args(["revelation-request", "list"])
        .assert()
        .code(1)
        .stderr(contains("needs the gateway"));
    // Unreachable gateway: the URL is named.
    w.cmd()
        .env("FLIGHTBOX_GATEWAY_URL", "http://127.0.0.1:9")
        .args(["revelation-request", "list"])
        .assert()
        .code(1)
        .stderr(contains("cannot be reached").and(contains("http://127.0.0.1:9/gateway/jsonrpc/")));
    // Unknown identity.
    w.cmd()
        .args(["foreign-keystore", "import", "--from-gateway", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"])
        .assert()
        .code(1)
        .stderr(contains("does not exist"));
    // Published elsewhere under another secret: "published but different".
    let uid = w.guardian("dee");
    let meta_path = w.path("dee/keystore_metadata.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let secret = meta.split("\"keystore_secret\": \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    std::fs::write(&meta_path, meta.replace(&secret, "another-secret")).unwrap();
    w.cmd().args(["authenticator", "publish", "dee"]).assert().code(1).stderr(contains("published but different"));
    assert!(!uid.is_empty());
    // A cryptainer that no guardian holds.
    std::fs::write(
        w.path("local.json"),
        br#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "payload_signatures": [], "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}"#,
    )
    .unwrap();
    std::fs::write(w.path("x.bin"), b"x").unwrap();
    w.cmd().args(["encrypt", "x.bin", "--cryptoconf", "local.json"]).assert().success();
    w.cmd()
        .args(["revelation-request", "submit", "x.bin", "--description", "why"])
        .assert()
        .code(1)
        .stderr(contains("no key of these cryptainers is held by a guardian"));
}
