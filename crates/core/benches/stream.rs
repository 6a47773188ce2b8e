//! Streaming throughput of each payload algorithm (encryption and decryption, 1 MiB chunks, in memory).
//! `cargo bench -p flightbox --bench stream`; criterion prints MiB/s ("thrpt").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flightbox::cryptainer::{encrypt_bytes, Passphrases, PayloadDecryptor, PayloadEncryptor, Unwrapper};
use flightbox::keystore::KeystorePool;
use flightbox::model::Cryptoconf;
use flightbox::report::OperationReport;

const SIZE: usize = 64 << 20;
const CHUNK: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pool = KeystorePool::open(dir.path()).unwrap();
    let payload = vec![0x5au8; SIZE];
    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Bytes(SIZE as u64)).sample_size(10);
    for algo in ["CHACHA20_POLY1305", "AES_GCM", "AES_EAX", "AES_CBC"] {
        let conf = Cryptoconf::from_json(format!(r#"{{"keychain_uid": {{"$uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}},
            "payload_cipher_layers": [{{"payload_cipher_algo": "{algo}", "payload_signatures": [],
            "key_cipher_layers": [{{"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": {{"trustee_type": "local_keyfactory"}}}}]}}]}}"#).as_bytes()).unwrap();
        let (_, secrets) = flightbox::cryptainer::start_cryptainer(&conf, None, &pool).unwrap();
        let mut out = Vec::with_capacity(CHUNK + 64);
        group.bench_function(format!("encrypt/{algo}"), |b| {
            b.iter(|| {
                let mut enc = PayloadEncryptor::new(&secrets);
                for chunk in payload.chunks(CHUNK) {
                    out.clear();
                    enc.update(chunk, &mut out);
                }
                out.clear();
                enc.finalize(&mut out)
            })
        });
        let cryptainer = encrypt_bytes(&payload, &conf, None, &pool).unwrap();
        let pass = Passphrases::new();
        let keys: Vec<_> = Unwrapper { keys: &pool, passphrases: &pass, predecrypted: None }
            .unwrap_payload_keys(&cryptainer, &mut OperationReport::default())
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let Some(flightbox::model::PayloadCiphertextStruct::Inline { ciphertext_value }) =
            &cryptainer.payload_ciphertext_struct
        else {
            unreachable!()
        };
        group.bench_function(format!("decrypt/{algo}"), |b| {
            b.iter(|| {
                let mut dec = PayloadDecryptor::new(&cryptainer, &keys, true).unwrap();
                for chunk in ciphertext_value.chunks(CHUNK) {
                    out.clear();
                    dec.update(chunk, &mut out);
                }
                out.clear();
                dec.finalize(&mut out).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
