//! A guided tour of the core crate: three guardians, a 2-of-3 cryptainer, a decryption with two
//! passphrases and one with a single one (which fails, and says why).
//!
//! `cargo run -p flightbox --example demo [FILE]` (encrypts this source file by default).

use flightbox::cryptainer::{Passphrases, Unwrapper};
use flightbox::ejson::Uid;
use flightbox::keystore::{create_authenticator, FilesystemKeystore, KeystorePool, NewAuthenticator};
use flightbox::model::{Cryptoconf, Trustee};
use flightbox::stream::{decrypt_to_file, encrypt_to_files, EncryptOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = std::env::args().nth(1).unwrap_or_else(|| file!().to_string());
    let work = tempfile::tempdir()?;
    let pool = KeystorePool::open(work.path().join("pool"))?;
    let mut shards = Vec::new();
    let mut trustees = Vec::new();
    for (i, name) in ["Alice", "Bob", "Chloé"].iter().enumerate() {
        let dir = work.path().join(format!("{name}.keystore"));
        let passphrase = format!("{name}'s passphrase, long enough");
        let params =
            NewAuthenticator { owner: name, passphrase_hint: "the usual one", keypair_count: 1, key_bits: 2048 };
        let meta = create_authenticator(&dir, &params, &passphrase, |_, _| {})?;
        let keychain = FilesystemKeystore::open(&dir)?.list_keypairs()?[0].keychain_uid;
        pool.import_authenticator(&dir, true)?; // a real requestor imports public keys only
        println!("guardian {} created: {}", i + 1, meta.keystore_uid);
        shards.push(serde_json::json!({"key_cipher_layers": [{"key_cipher_algo": "RSA_OAEP",
            "keychain_uid": {"$uuid": keychain.simple().to_string()},
            "key_cipher_trustee": {"trustee_type": "authenticator", "keystore_uid": {"$uuid": meta.keystore_uid.0.simple().to_string()}, "keystore_owner": name}}]}));
        trustees.push((
            Trustee::Authenticator { keystore_uid: Uid(meta.keystore_uid.0), keystore_owner: None },
            passphrase,
        ));
    }
    let conf = serde_json::json!({"payload_cipher_layers": [{"payload_cipher_algo": "CHACHA20_POLY1305", "payload_signatures": [],
        "key_cipher_layers": [{"key_cipher_algo": "[SHARED_SECRET]", "key_shared_secret_threshold": 2, "key_shared_secret_shards": shards}]}]});
    let conf = Cryptoconf::from_json(conf.to_string().as_bytes())?;
    let crypt = work.path().join("demo.crypt");
    let mut reader = std::fs::File::open(&input)?;
    encrypt_to_files(&mut reader, &conf, None, &pool, &crypt, EncryptOptions::default(), &mut |_| {})?;
    println!("encrypted {input} into {} (2 of 3 guardians needed)", crypt.display());

    let mut two = Passphrases::new();
    two.add_for(&trustees[0].0, &trustees[0].1).add_for(&trustees[2].0, &trustees[2].1);
    let out = work.path().join("decrypted");
    let report = decrypt_to_file(
        &crypt,
        &out,
        &Unwrapper { keys: &pool, passphrases: &two, predecrypted: None },
        false,
        &mut |_, _| {},
    )?;
    println!(
        "\nwith Alice and Chloé: decrypted {} bytes, identical: {}\n{report}",
        std::fs::metadata(&out)?.len(),
        std::fs::read(&out)? == std::fs::read(&input)?
    );

    let mut one = Passphrases::new();
    one.add_for(&trustees[1].0, &trustees[1].1);
    match decrypt_to_file(
        &crypt,
        &work.path().join("again"),
        &Unwrapper { keys: &pool, passphrases: &one, predecrypted: None },
        false,
        &mut |_, _| {},
    ) {
        Ok(_) => println!("unexpected success"),
        Err(e) => println!("with Bob alone: {e}"),
    }
    Ok(())
}
