//! The `flightbox` command as a script sees it: outputs, files and exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("flightbox").unwrap();
        c.current_dir(self.dir.path())
            .env("FLIGHTBOX_KEYSTORE_POOL", self.path("pool"))
            .env("FLIGHTBOX_CRYPTAINER_DIR", self.path("cryptainers"))
            .env_remove("FLIGHTBOX_GATEWAY_URL");
        c
    }
    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }
    /// Creates authenticator `name` with passphrase file `name.pass`, imported with its private keys.
    fn guardian(&self, name: &str) -> String {
        self.write(&format!("{name}.pass"), format!("passphrase of {name}, long enough\n").as_bytes());
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
                "1",
            ])
            .args(["--passphrase-file", &format!("{name}.pass")])
            .assert()
            .success()
            .stdout(contains(format!("of {name} created in {name} with 1 keypairs")));
        self.cmd()
            .args(["foreign-keystore", "import", "--from-path", name, "--include-private-keys"])
            .assert()
            .success();
        let out = self.cmd().args(["authenticator", "view", name, "--format", "json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["keystore_uid"].as_str().unwrap().to_string()
    }
}

#[test]
fn help_everywhere() {
    let e = Env::new();
    for args in [
        vec![],
        vec!["authenticator"],
        vec!["authenticator", "create"],
        vec!["authenticator", "validate"],
        vec!["authenticator", "view"],
        vec!["authenticator", "delete"],
        vec!["foreign-keystore"],
        vec!["foreign-keystore", "import"],
        vec!["foreign-keystore", "list"],
        vec!["cryptoconf", "generate-simple"],
        vec!["cryptoconf", "validate"],
        vec!["cryptoconf", "summarize"],
        vec!["encrypt"],
        vec!["cryptainer", "decrypt"],
        vec!["cryptainer", "purge"],
        vec!["cryptainer", "list"],
    ] {
        e.cmd().args(&args).arg("--help").assert().success().stdout(contains("Usage: flightbox"));
    }
    // No command: usage on stderr, exit code 2.
    e.cmd().assert().code(2).stderr(contains("Usage: flightbox"));
}

#[test]
fn passphrases_are_never_arguments() {
    let e = Env::new();
    e.cmd()
        .args(["authenticator", "create", "a", "--owner", "o", "--passphrase-hint", "h", "--passphrase", "secret"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--passphrase'"));
    // Without a terminal and without a file, it says how to give one.
    e.cmd()
        .args(["authenticator", "create", "a", "--owner", "o", "--passphrase-hint", "h"])
        .assert()
        .failure()
        .stderr(contains("use --passphrase-file"));
    assert!(!e.path("a").exists());
}

#[test]
fn authenticator_lifecycle_and_errors() {
    let e = Env::new();
    let uid = e.guardian("alice");
    e.cmd().args(["authenticator", "view", "alice"]).assert().success().stdout(
        contains("Owner:       alice").and(contains(uid.as_str())).and(contains("RSA_OAEP")).and(contains("yes")),
    );
    let meta = std::fs::read_to_string(e.path("alice/keystore_metadata.json")).unwrap();
    let secret = meta.split("\"keystore_secret\": \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    for format in ["text", "json"] {
        let out = e.cmd().args(["authenticator", "view", "alice", "--format", format]).output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&secret), "the gateway secret is shown");
    }
    e.cmd()
        .args(["authenticator", "validate", "alice", "--passphrase-file", "alice.pass"])
        .assert()
        .success()
        .stdout(contains("The passphrase opens every private key."));
    e.write("wrong.pass", b"not it\n");
    e.cmd()
        .args(["authenticator", "validate", "alice", "--passphrase-file", "wrong.pass"])
        .assert()
        .code(1)
        .stdout(contains("failed"))
        .stderr(contains("1 key(s) not opened by this passphrase"));
    // A missing private key is listed.
    let private = std::fs::read_dir(e.path("alice"))
        .unwrap()
        .map(|d| d.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_private_key.pem"))
        .unwrap();
    std::fs::remove_file(private).unwrap();
    e.cmd()
        .args(["authenticator", "validate", "alice", "--passphrase-file", "alice.pass"])
        .assert()
        .code(1)
        .stdout(contains("missing"))
        .stderr(contains("1 key(s) missing"));
    // Creating over an existing authenticator, in a missing parent, with a hint containing the passphrase.
    e.cmd()
        .args([
            "authenticator",
            "create",
            "alice",
            "--owner",
            "x",
            "--passphrase-hint",
            "h",
            "--passphrase-file",
            "alice.pass",
        ])
        .assert()
        .failure()
        .stderr(contains("already an authenticator"));
    e.cmd()
        .args([
            "authenticator",
            "create",
            "no/such/dir",
            "--owner",
            "x",
            "--passphrase-hint",
            "h",
            "--passphrase-file",
            "alice.pass",
        ])
        .assert()
        .failure()
        .stderr(contains("does not exist"));
    e.write("hint.pass", b"sesame\n");
    e.cmd()
        .args([
            "authenticator",
            "create",
            "bob",
            "--owner",
            "x",
            "--passphrase-hint",
            "it is sesame",
            "--passphrase-file",
            "hint.pass",
        ])
        .assert()
        .failure()
        .stderr(contains("must not contain the passphrase"));
    assert!(!e.path("bob").exists(), "a failed creation left a folder");
    e.cmd()
        .args(["authenticator", "create", "k", "--owner", "x", "--passphrase-hint", "h", "--key-size", "1024"])
        .assert()
        .code(2);
    e.cmd().args(["authenticator", "view", "."]).assert().failure().stderr(contains("is not an authenticator"));
    e.cmd().args(["authenticator", "delete", "alice"]).assert().success().stdout(contains("deleted"));
    assert!(!e.path("alice").exists());
}

#[test]
fn foreign_keystores() {
    let e = Env::new();
    e.cmd().args(["foreign-keystore", "list"]).assert().success().stdout(contains("No keystore imported"));
    let uid = e.guardian("carol");
    e.cmd().args(["foreign-keystore", "list"]).assert().success().stdout(contains(uid.as_str()).and(contains("carol")));
    e.cmd().args(["foreign-keystore", "view", &uid]).assert().success().stdout(contains("Owner:       carol"));
    // Importing again updates; a plain folder is refused.
    e.cmd().args(["foreign-keystore", "import", "--from-path", "carol"]).assert().success().stdout(contains("updated"));
    std::fs::create_dir(e.path("plain")).unwrap();
    e.cmd()
        .args(["foreign-keystore", "import", "--from-path", "plain"])
        .assert()
        .failure()
        .stderr(contains("not an authenticator"));
    // The imported copy has no gateway secret.
    let copy = e.path(&format!("pool/foreign_keystores/keystore_{uid}/keystore_metadata.json"));
    assert!(!std::fs::read_to_string(copy).unwrap().contains("keystore_secret"));
    e.cmd().args(["foreign-keystore", "delete", &uid]).assert().success();
    e.cmd().args(["foreign-keystore", "view", &uid]).assert().failure().stderr(contains("not found"));
    e.cmd().args(["foreign-keystore", "view", "not-a-uid"]).assert().code(2);
}

#[test]
fn cryptoconf_commands() {
    let e = Env::new();
    let u1 = e.guardian("g1");
    let u2 = e.guardian("g2");
    let out = e
        .cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "shared:2"])
        .arg(format!("shard:authenticator={u1}"))
        .arg(format!("shard:authenticator={u2}+AES_CBC"))
        .args(["shard:local_keyfactory", "payload:CHACHA20_POLY1305", "key:local_keyfactory", "sign:SHA256/RSA_PSS"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("{\n    \"payload_cipher_layers\": [\n"), "{text}");
    std::fs::write(e.path("conf.json"), &text).unwrap();
    e.cmd()
        .args(["cryptoconf", "validate", "conf.json"])
        .assert()
        .success()
        .stdout(contains("valid cryptoconf (2 payload layer(s))"));
    e.cmd().args(["cryptoconf", "summarize", "conf.json"]).assert().success().stdout(
        contains("Shared secret with threshold 2:")
            .and(contains(format!("RSA_OAEP via trustee 'authenticator {u1}'")))
            .and(contains("SHA256/RSA_PSS via trustee 'local device'")),
    );
    // Errors: one line that names the problem.
    e.cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "key:authenticator"])
        .assert()
        .failure()
        .stderr(contains("several keystores are imported"));
    e.cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "shard:local_keyfactory"])
        .assert()
        .failure()
        .stderr(contains("must follow a shared:K item"));
    e.cmd()
        .args(["cryptoconf", "generate-simple", "payload:ROT13"])
        .assert()
        .failure()
        .stderr(contains("unknown payload cipher \"ROT13\""));
    e.cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "shared:3", "shard:local_keyfactory"])
        .assert()
        .failure()
        .stderr(contains("threshold 3 must be between 1 and the shard count 1"));
    e.cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "key:local_keyfactory", "-o", "conf.json"])
        .assert()
        .failure()
        .stderr(contains("use --force"));
    e.write("bad.json", b"{\"payload_cipher_layers\": [");
    e.cmd().args(["cryptoconf", "validate", "bad.json"]).assert().failure().stderr(contains("bad.json: invalid JSON"));
    e.write("algo.json", br#"{"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "payload_signatures": [], "key_cipher_layers": [{"key_cipher_algo": "RSA_PKCS1", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}"#);
    e.cmd()
        .args(["cryptoconf", "validate", "algo.json"])
        .assert()
        .failure()
        .stderr(contains("payload_cipher_layers[0].key_cipher_layers[0]").and(contains("RSA_PKCS1")));
    e.cmd()
        .args(["cryptoconf", "validate", "missing.json"])
        .assert()
        .failure()
        .stderr(contains("cannot read missing.json"));
}

fn local_conf(e: &Env) -> PathBuf {
    e.write(
        "local.json",
        br#"{"keychain_uid": {"$uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}, "payload_cipher_layers": [{"payload_cipher_algo": "CHACHA20_POLY1305", "payload_signatures": [],
        "key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {"trustee_type": "local_keyfactory"}}]}]}"#,
    )
}

#[test]
fn encrypt_and_cryptainer_commands() {
    let e = Env::new();
    local_conf(&e);
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    e.write("video.mp4", &data);
    e.write("meta.json", br#"{"camera": "front door"}"#);
    e.cmd().args(["encrypt", "video.mp4", "--cryptoconf", "local.json"]).assert().success().stdout("video.mp4.crypt\n");
    assert!(e.path("cryptainers/video.mp4.crypt.payload").exists());
    e.cmd()
        .args(["encrypt", "video.mp4", "--cryptoconf", "local.json"])
        .assert()
        .failure()
        .stderr(contains("exists (use --force"));
    e.cmd()
        .args(["encrypt", "video.mp4", "--cryptoconf", "local.json", "--force", "--metadata", "meta.json"])
        .assert()
        .success();
    e.write("list.json", b"[1]");
    e.cmd()
        .args(["encrypt", "video.mp4", "--cryptoconf", "local.json", "--force", "--metadata", "list.json"])
        .assert()
        .failure()
        .stderr(contains("metadata must be a JSON object"));
    e.cmd()
        .args(["encrypt", "-", "--cryptoconf", "local.json", "-o", "from_stdin", "--bundle"])
        .write_stdin(b"piped".to_vec())
        .assert()
        .success()
        .stdout("from_stdin.crypt\n");
    assert!(!e.path("cryptainers/from_stdin.crypt.payload").exists());
    e.cmd().args(["encrypt", "-", "--cryptoconf", "local.json"]).assert().failure().stderr(contains("needs a name"));
    e.cmd()
        .args(["encrypt", "nothing.bin", "--cryptoconf", "local.json"])
        .assert()
        .failure()
        .stderr(contains("cannot read nothing.bin"));
    e.cmd()
        .args(["encrypt", "video.mp4", "--cryptoconf", "local.json", "-o", "../escape"])
        .assert()
        .failure()
        .stderr(contains("must be a plain file name"));

    e.cmd().args(["cryptainer", "list"]).assert().success().stdout(
        contains("video.mp4.crypt")
            .and(contains("offloaded"))
            .and(contains("from_stdin.crypt"))
            .and(contains("bundled")),
    );
    let out = e.cmd().args(["cryptainer", "list", "--format", "json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    e.cmd()
        .args(["cryptainer", "summarize", "video.mp4"])
        .assert()
        .success()
        .stdout(contains("front door").and(contains("Data encryption layer 1: CHACHA20_POLY1305")));
    e.cmd().args(["cryptainer", "validate", "video.mp4.crypt"]).assert().success().stdout(contains("valid cryptainer"));

    e.cmd().args(["cryptainer", "decrypt", "video.mp4", "-o", "back.mp4"]).assert().success();
    assert_eq!(std::fs::read(e.path("back.mp4")).unwrap(), data);
    e.cmd()
        .args(["cryptainer", "decrypt", "video.mp4", "-o", "back.mp4"])
        .assert()
        .failure()
        .stderr(contains("use --force"));
    e.cmd().args(["cryptainer", "decrypt", "from_stdin", "-o", "-"]).assert().success().stdout("piped");
    // Default output name: the cryptainer name without .crypt, in the current folder.
    e.cmd().args(["cryptainer", "decrypt", "from_stdin.crypt"]).assert().success();
    assert_eq!(std::fs::read(e.path("from_stdin")).unwrap(), b"piped");

    // A damaged payload: non-zero exit, a sentence, no output file.
    let payload = e.path("cryptainers/video.mp4.crypt.payload");
    let mut bytes = std::fs::read(&payload).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&payload, bytes).unwrap();
    e.cmd()
        .args(["cryptainer", "decrypt", "video.mp4", "-o", "broken.mp4"])
        .assert()
        .code(1)
        .stderr(contains("payload does not decrypt").and(contains("nothing was written")));
    assert!(!e.path("broken.mp4").exists() && !e.path("broken.mp4~").exists());
    std::fs::remove_file(&payload).unwrap();
    e.cmd()
        .args(["cryptainer", "validate", "video.mp4"])
        .assert()
        .failure()
        .stderr(contains("missing its payload file"));

    e.cmd().args(["cryptainer", "purge"]).assert().failure().stderr(contains("give at least one of"));
    e.cmd()
        .args(["cryptainer", "purge", "--max-count", "1"])
        .assert()
        .success()
        .stdout(contains("1 cryptainer(s) deleted"));
    e.cmd().args(["cryptainer", "delete", "from_stdin"]).assert().success();
    e.cmd().args(["cryptainer", "delete", "from_stdin"]).assert().failure().stderr(contains("no such cryptainer"));
    e.cmd().args(["cryptainer", "list"]).assert().success().stdout(contains("No cryptainer"));
}

#[test]
fn threshold_decryption_with_passphrase_files() {
    let e = Env::new();
    let uids: Vec<String> = ["ann", "ben", "cid"].iter().map(|n| e.guardian(n)).collect();
    let out = e
        .cmd()
        .args(["cryptoconf", "generate-simple", "payload:AES_EAX", "shared:2"])
        .args(uids.iter().map(|u| format!("shard:authenticator={u}")))
        .args(["-o", "conf.json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    e.write("secret.txt", b"the footage");
    e.cmd().args(["encrypt", "secret.txt", "--cryptoconf", "conf.json"]).assert().success();
    // Exactly k, more than k.
    for files in [vec!["ann.pass", "cid.pass"], vec!["ann.pass", "ben.pass", "cid.pass"]] {
        let mut c = e.cmd();
        c.args(["cryptainer", "decrypt", "secret.txt", "-o", "-"]);
        for f in files {
            c.args(["--passphrase-file", f]);
        }
        c.assert().success().stdout("the footage");
    }
    // Fewer than k: the report in words, exit 1.
    e.cmd()
        .args(["cryptainer", "decrypt", "secret.txt", "-o", "out.txt", "--passphrase-file", "ben.pass"])
        .assert()
        .code(1)
        .stderr(
            contains("2 of 3 shards needed, 1 found")
                .and(contains("authenticator 'ann'"))
                .and(contains("wrong passphrase")),
        );
    assert!(!Path::new(&e.path("out.txt")).exists());
    e.cmd()
        .args(["cryptainer", "decrypt", "secret.txt", "--passphrase-file", "none.pass"])
        .assert()
        .failure()
        .stderr(contains("cannot read none.pass"));
}

#[test]
fn progress_bar_only_on_a_terminal() {
    let e = Env::new();
    local_conf(&e);
    e.write("big.bin", &vec![7u8; 96 << 20]);
    let bin = assert_cmd::cargo::cargo_bin("flightbox");
    // `script` (util-linux) runs the command on a pseudo-terminal, as a person would.
    let out = std::process::Command::new("script")
        .current_dir(e.dir.path())
        .env("FLIGHTBOX_KEYSTORE_POOL", e.path("pool"))
        .env("FLIGHTBOX_CRYPTAINER_DIR", e.path("cryptainers"))
        .args(["-qec", &format!("{} encrypt big.bin --cryptoconf local.json", bin.display()), "/dev/null"])
        .output()
        .expect("script (util-linux) is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Encrypting"), "no progress bar on a terminal");
    // Not a terminal: no progress output at all.
    e.cmd()
        .args(["cryptainer", "decrypt", "big.bin", "-o", "big.out"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Decrypting").not());
}

#[test]
fn journal_verify_detects_tampering() {
    use flightbox::journal::{AnsweredKey, Decision, DecisionRecord};
    let env = Env::new();
    let store = flightbox::identity::IdentityStore::open(env.path("identities")).unwrap();
    let params = flightbox::keystore::NewAuthenticator {
        owner: "Jules",
        passphrase_hint: "the usual",
        keypair_count: 1,
        key_bits: 2048,
    };
    let (id, secrets) = store
        .create(&params, "Jules's passphrase, long enough", flightbox::envelope::KdfCost::MINIMUM, |_, _| {})
        .unwrap();
    for (decision, why) in [(Decision::Accepted, "the accident of May 3"), (Decision::Rejected, "curiosity")] {
        let record = DecisionRecord {
            decision,
            revelation_request_uid: uuid::Uuid::new_v4(),
            revelation_requestor_uid: uuid::Uuid::new_v4(),
            request_description: why.into(),
            keys: vec![AnsweredKey {
                cryptainer_name: "clip.mp4.crypt".into(),
                cryptainer_uid: uuid::Uuid::new_v4(),
                status: "DECRYPTED".into(),
            }],
        };
        id.journal().append(id.uid(), record, &secrets.journal_key()).unwrap();
    }
    let dir = id.dir().to_str().unwrap().to_string();
    env.cmd()
        .args(["authenticator", "journal", "verify", &dir, "--list"])
        .assert()
        .success()
        .stdout(contains("Journal intact: 2 entries").and(contains("\"curiosity\"")).and(contains("Rejected")));
    let journal = id.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, text.replace("curiosity", "a court order")).unwrap();
    env.cmd()
        .args(["authenticator", "journal", "verify", journal.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("NOT intact").and(contains("entry 2: content does not match its hash")));
    let other = env.write(
        "other.pem",
        &flightbox::keys::PublicKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key())
            .to_pem()
            .unwrap(),
    );
    std::fs::write(&journal, text).unwrap();
    env.cmd()
        .args(["authenticator", "journal", "verify", &dir, "--public-key", other.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(contains("signature does not verify"));
    env.cmd().args(["authenticator", "journal", "verify", "nowhere"]).assert().code(1).stderr(contains("no journal"));
}
