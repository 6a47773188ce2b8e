//! wacryptolib 0.11's own `flightbox` command against ours: each creates authenticators and cryptainers
//! that the other one imports, summarizes and decrypts.
//!
//! Needs the `.venv` that `.ci/setup-python` creates (or `FLIGHTBOX_PYTHON` pointing into a virtualenv
//! with wacryptolib, whose `flightbox` script sits beside it).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn wacryptolib_cli() -> PathBuf {
    let python = std::env::var("FLIGHTBOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    let cli = python.parent().unwrap().join("flightbox");
    assert!(cli.exists(), "wacryptolib's CLI is needed at {}: run `bash .ci/setup-python`", cli.display());
    cli
}

fn check(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn theirs(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(wacryptolib_cli()).current_dir(dir).args(args).output().unwrap()
}

fn ours(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("flightbox").unwrap().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn wacryptolib_cli_encrypts_ours_decrypts_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for sub in ["py_pool", "py_cryptainers", "our_pool", "our_cryptainers"] {
        std::fs::create_dir(d.join(sub)).unwrap();
    }
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(d.join("clip.bin"), &data).unwrap();

    // Guardian A by wacryptolib's CLI (passphrase from WA_PASSPHRASE), guardian B by ours.
    let out = std::process::Command::new(wacryptolib_cli())
        .current_dir(d)
        .env("WA_PASSPHRASE", "anna's passphrase for wacryptolib")
        .args([
            "authenticator",
            "create",
            "A",
            "--owner",
            "Anna",
            "--passphrase-hint",
            "the long one",
            "--keypair-count",
            "1",
        ])
        .output()
        .unwrap();
    check(out, "wacryptolib authenticator create");
    std::fs::write(d.join("a.pass"), "anna's passphrase for wacryptolib\n").unwrap();
    std::fs::write(d.join("b.pass"), "bruno's passphrase for flightbox\n").unwrap();
    check(
        ours(
            d,
            &[
                "authenticator",
                "create",
                "B",
                "--owner",
                "Bruno",
                "--passphrase-hint",
                "h",
                "--keypair-count",
                "1",
                "--passphrase-file",
                "b.pass",
            ],
        ),
        "our authenticator create",
    );
    // Each side validates the other's folder.
    check(ours(d, &["authenticator", "validate", "A", "--passphrase-file", "a.pass"]), "our validate of A");
    let out = std::process::Command::new(wacryptolib_cli())
        .current_dir(d)
        .env("WA_PASSPHRASE", "bruno's passphrase for flightbox")
        .args(["authenticator", "validate", "B"])
        .output()
        .unwrap();
    check(out, "wacryptolib validate of B");

    let uid_key = |dir: &str| -> (String, String) {
        let v: serde_json::Value =
            serde_json::from_str(&check(ours(d, &["authenticator", "view", dir, "--format", "json"]), "view")).unwrap();
        (v["keystore_uid"].as_str().unwrap().into(), v["keypairs"][0]["keychain_uid"].as_str().unwrap().into())
    };
    let (ua, ka) = uid_key("A");
    let (ub, kb) = uid_key("B");

    // wacryptolib: import both (public keys), build a 2-of-2 + local key factory cryptoconf, encrypt.
    for dir in ["A", "B"] {
        check(theirs(d, &["-k", "py_pool", "foreign-keystore", "import", "--from-path", dir]), "wacryptolib import");
    }
    let mut gen = vec![
        "-k",
        "py_pool",
        "cryptoconf",
        "generate-simple",
        "add-payload-cipher-layer",
        "--sym-cipher-algo",
        "AES_EAX",
        "add-key-shared-secret",
        "--threshold",
        "2",
    ];
    let shard_a = [
        "add-key-shard",
        "--asym-cipher-algo",
        "RSA_OAEP",
        "--trustee-type",
        "authenticator",
        "--keystore-uid",
        &ua,
        "--keychain-uid",
        &ka,
    ];
    let shard_b = [
        "add-key-shard",
        "--asym-cipher-algo",
        "RSA_OAEP",
        "--trustee-type",
        "authenticator",
        "--keystore-uid",
        &ub,
        "--keychain-uid",
        &kb,
        "--sym-cipher-algo",
        "AES_CBC",
    ];
    gen.extend(shard_a);
    gen.extend(shard_b);
    gen.extend([
        "add-payload-cipher-layer",
        "--sym-cipher-algo",
        "CHACHA20_POLY1305",
        "add-key-cipher-layer",
        "--asym-cipher-algo",
        "RSA_OAEP",
        "--trustee-type",
        "local_keyfactory",
    ]);
    let conf = check(theirs(d, &gen), "wacryptolib generate-simple");
    std::fs::write(d.join("py_conf.json"), conf).unwrap();
    check(ours(d, &["cryptoconf", "validate", "py_conf.json"]), "our validate of their cryptoconf");
    let their_summary = check(theirs(d, &["cryptoconf", "summarize", "py_conf.json"]), "their summary");
    let our_summary = check(ours(d, &["cryptoconf", "summarize", "py_conf.json"]), "our summary");
    assert_eq!(their_summary.trim_start(), our_summary, "summaries differ");
    check(
        theirs(d, &["-k", "py_pool", "-c", "py_cryptainers", "encrypt", "clip.bin", "-c", "py_conf.json"]),
        "wacryptolib encrypt",
    );

    // Ours: import both with private keys, take wacryptolib's local key factory, decrypt with both passphrases.
    for dir in ["A", "B"] {
        check(
            ours(d, &["-k", "our_pool", "foreign-keystore", "import", "--from-path", dir, "--include-private-keys"]),
            "our import",
        );
    }
    let lk = d.join("our_pool/local_keyfactory");
    std::fs::create_dir_all(&lk).unwrap();
    for f in std::fs::read_dir(d.join("py_pool/local_keyfactory")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), lk.join(f.file_name())).unwrap();
    }
    check(ours(d, &["-c", "py_cryptainers", "cryptainer", "validate", "clip.bin"]), "our validate of their cryptainer");
    check(
        ours(
            d,
            &[
                "-k",
                "our_pool",
                "-c",
                "py_cryptainers",
                "cryptainer",
                "decrypt",
                "clip.bin.crypt",
                "-o",
                "from_py.bin",
                "--passphrase-file",
                "a.pass",
                "--passphrase-file",
                "b.pass",
            ],
        ),
        "our decrypt of their cryptainer",
    );
    assert_eq!(std::fs::read(d.join("from_py.bin")).unwrap(), data);

    // The other way: our cryptoconf and cryptainer, wacryptolib's CLI decrypts (its CLI only opens keys
    // without passphrase, so the local key factory holds them) and lists them.
    let conf = check(
        ours(
            d,
            &[
                "-k",
                "our_pool",
                "cryptoconf",
                "generate-simple",
                "payload:AES_CBC",
                "key:local_keyfactory",
                "payload:AES_EAX",
                "key:local_keyfactory+CHACHA20_POLY1305",
                "sign:SHA512/ECC_DSS",
                "shared:1",
                "shard:local_keyfactory",
            ],
        ),
        "our generate-simple",
    );
    std::fs::write(d.join("our_conf.json"), conf).unwrap();
    check(theirs(d, &["cryptoconf", "validate", "our_conf.json"]), "their validate of our cryptoconf");
    check(
        ours(d, &["-k", "our_pool", "-c", "our_cryptainers", "encrypt", "clip.bin", "--cryptoconf", "our_conf.json"]),
        "our encrypt",
    );
    check(
        ours(
            d,
            &[
                "-k",
                "our_pool",
                "-c",
                "our_cryptainers",
                "encrypt",
                "clip.bin",
                "--cryptoconf",
                "our_conf.json",
                "-o",
                "bundled",
                "--bundle",
            ],
        ),
        "our bundled encrypt",
    );
    let listing = check(theirs(d, &["-c", "our_cryptainers", "cryptainer", "list"]), "their list");
    assert!(listing.contains("clip.bin.crypt") && listing.contains("bundled.crypt"), "{listing}");
    for name in ["clip.bin.crypt", "bundled.crypt"] {
        check(
            theirs(d, &["-c", "our_cryptainers", "cryptainer", "validate", name]),
            "their validate of our cryptainer",
        );
        let out_name = format!("from_ours_{name}");
        check(
            theirs(d, &["-k", "our_pool", "-c", "our_cryptainers", "cryptainer", "decrypt", name, "-o", &out_name]),
            "their decrypt of our cryptainer",
        );
        assert_eq!(std::fs::read(d.join(&out_name)).unwrap(), data, "{name}");
    }
}
