//! Streams one file through a cryptainer, for benchmarks and scripts (the real command line is `flightbox`).
//!
//! ```text
//! stream_file encrypt POOL_DIR CRYPTOCONF.json INPUT OUTPUT.crypt
//! stream_file decrypt POOL_DIR INPUT.crypt OUTPUT
//! ```

use flightbox::cryptainer::{Passphrases, Unwrapper};
use flightbox::keystore::KeystorePool;
use flightbox::model::Cryptoconf;
use flightbox::stream::{decrypt_to_file, encrypt_to_files, EncryptOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["encrypt", pool, conf, input, output] => {
            let pool = KeystorePool::open(pool)?;
            let conf = Cryptoconf::from_json(&std::fs::read(conf)?)?;
            let mut f = std::fs::File::open(input)?;
            encrypt_to_files(
                &mut f,
                &conf,
                None,
                &pool,
                output.as_ref(),
                EncryptOptions { inline: false, overwrite: true },
                &mut |_| {},
            )?;
        }
        ["decrypt", pool, input, output] => {
            let pool = KeystorePool::open(pool)?;
            let p = Passphrases::new();
            decrypt_to_file(
                input.as_ref(),
                output.as_ref(),
                &Unwrapper { keys: &pool, passphrases: &p, predecrypted: None },
                true,
                &mut |_, _| {},
            )?;
        }
        _ => {
            return Err(
                "usage: stream_file encrypt POOL CONF INPUT OUTPUT.crypt | decrypt POOL INPUT.crypt OUTPUT".into()
            )
        }
    }
    Ok(())
}
