//! Symmetric ciphers of payloads and intermediate keys, one-shot and streamed.
//!
//! | algo | key dict | parameters |
//! |---|---|---|
//! | `AES_CBC` | `{"iv": 16 B, "key": 32 B}` | AES-256-CBC, PKCS#7 padding |
//! | `AES_EAX` | `{"key": 32 B, "nonce": 16 B}` | AES-256-EAX, 16-byte tag |
//! | `CHACHA20_POLY1305` | `{"key": 32 B, "nonce": 12 B}` | RFC 8439, no associated data, 16-byte tag |
//! | `AES_GCM` (ours) | `{"key": 32 B, "nonce": 12 B}` | AES-256-GCM, no associated data, 16-byte tag |
//!
//! Streamed forms produce the same bytes as the one-shot forms: ChaCha20-Poly1305 is assembled from
//! the `chacha20` and `poly1305` crates (RFC 8439 §2.8: Poly1305 key from block 0, payload from block 1),
//! AES-GCM from `aes`, `ctr` (CTR32-BE from J0+1) and `ghash` (NIST SP 800-38D), EAX from the `eax`
//! crate's online API.

use aes::Aes256;
use cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit, StreamCipher};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use universal_hash::UniversalHash;
use zeroize::Zeroizing;

use crate::ejson::{Bin, SecretBin};
use crate::error::{Error, Result};
use crate::model::SymAlgo;

/// Length of every symmetric key (AES-256, ChaCha20).
pub const KEY_LEN: usize = 32;
/// Length of authentication tags.
pub const TAG_LEN: usize = 16;
/// Bytes processed at once by streamed ciphers, small enough for the CPU cache.
const PIECE: usize = 16 * 1024;

/// A symmetric key and its IV or nonce: wacryptolib's "key dict". Wiped on drop.
#[derive(Clone)]
pub struct SymKey {
    algo: SymAlgo,
    key: Zeroizing<[u8; KEY_LEN]>,
    nonce: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SymKey({}, <redacted>)", self.algo)
    }
}

fn nonce_len(algo: SymAlgo) -> usize {
    match algo {
        SymAlgo::AesCbc | SymAlgo::AesEax => 16,
        SymAlgo::Chacha20Poly1305 | SymAlgo::AesGcm => 12,
    }
}

fn nonce_name(algo: SymAlgo) -> &'static str {
    if algo == SymAlgo::AesCbc {
        "iv"
    } else {
        "nonce"
    }
}

impl SymKey {
    /// A fresh random key.
    pub fn generate(algo: SymAlgo) -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        super::random_bytes(&mut key[..]);
        let mut nonce = Zeroizing::new(vec![0u8; nonce_len(algo)]);
        super::random_bytes(&mut nonce);
        SymKey { algo, key, nonce }
    }

    /// Builds a key from its parts, checking lengths.
    pub fn from_parts(algo: SymAlgo, key: &[u8], nonce: &[u8]) -> Result<Self> {
        if key.len() != KEY_LEN {
            return Err(Error::Key(format!("{algo} key must have {KEY_LEN} bytes, got {}", key.len())));
        }
        if nonce.len() != nonce_len(algo) {
            return Err(Error::Key(format!(
                "{algo} {} must have {} bytes, got {}",
                nonce_name(algo),
                nonce_len(algo),
                nonce.len()
            )));
        }
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(key);
        Ok(SymKey { algo, key: k, nonce: Zeroizing::new(nonce.to_vec()) })
    }

    /// The algorithm.
    pub fn algo(&self) -> SymAlgo {
        self.algo
    }

    /// Extended JSON bytes of the key dict, as wacryptolib writes them (sorted keys).
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(160));
        let (first, second): (Field<'_>, Field<'_>) = if self.algo == SymAlgo::AesCbc {
            (("iv", &self.nonce), ("key", &self.key[..]))
        } else {
            (("key", &self.key[..]), ("nonce", &self.nonce))
        };
        out.push(b'{');
        for (i, (name, bytes)) in [first, second].into_iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(format!("\"{name}\": ").as_bytes());
            SecretBin::write_canonical(bytes, &mut out);
        }
        out.push(b'}');
        out
    }

    /// Parses a key dict.
    pub fn from_json(algo: SymAlgo, bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Dict {
            key: SecretBin,
            #[serde(alias = "iv")]
            nonce: SecretBin,
        }
        let d: Dict = crate::ejson::from_slice_limited(bytes, 4096)?;
        Self::from_parts(algo, &d.key.0, &d.nonce.0)
    }
}

type Field<'a> = (&'a str, &'a [u8]);

/// Result of a one-shot encryption: wacryptolib's cipherdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cipherdict {
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// The tag of authenticated ciphers.
    pub tag: Option<Vec<u8>>,
}

impl Cipherdict {
    /// Extended JSON bytes (`{"ciphertext": ..., "tag": ...}`).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        #[derive(serde::Serialize)]
        struct Dict<'a> {
            ciphertext: &'a Bin,
            #[serde(skip_serializing_if = "Option::is_none")]
            tag: Option<Bin>,
        }
        let ct = Bin(self.ciphertext.clone());
        crate::ejson::to_vec(&Dict { ciphertext: &ct, tag: self.tag.clone().map(Bin) })
    }

    /// Parses a cipherdict.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Dict {
            ciphertext: Bin,
            #[serde(default)]
            tag: Option<Bin>,
        }
        let d: Dict = crate::ejson::from_slice(bytes)?;
        Ok(Cipherdict { ciphertext: d.ciphertext.0, tag: d.tag.map(|t| t.0) })
    }
}

/// One-shot encryption.
pub fn encrypt(key: &SymKey, plaintext: &[u8]) -> Cipherdict {
    let mut enc = Encryptor::new(key);
    let mut ciphertext = Vec::with_capacity(plaintext.len() + 16);
    enc.update(plaintext, &mut ciphertext);
    let tag = enc.finalize(&mut ciphertext);
    Cipherdict { ciphertext, tag }
}

/// One-shot decryption, checking the tag (or padding for CBC).
pub fn decrypt(key: &SymKey, cipherdict: &Cipherdict) -> Result<Zeroizing<Vec<u8>>> {
    let mut dec = Decryptor::new(key, cipherdict.tag.as_deref())?;
    let mut out = Zeroizing::new(Vec::with_capacity(cipherdict.ciphertext.len()));
    dec.update(&cipherdict.ciphertext, &mut out);
    dec.finalize(&mut out)?;
    Ok(out)
}

type CbcEnc = cbc::Encryptor<Aes256>;
type CbcDec = cbc::Decryptor<Aes256>;
type Ctr = ctr::Ctr32BE<Aes256>;
type EaxEnc = eax::online::Eax<Aes256, eax::online::Encrypt>;
type EaxDec = eax::online::Eax<Aes256, eax::online::Decrypt>;

/// Buffers bytes for a universal hash (Poly1305, GHASH) that wants whole 16-byte blocks.
struct MacFeed<U: UniversalHash> {
    mac: U,
    partial: [u8; 16],
    partial_len: usize,
    total: u64,
}

impl<U: UniversalHash> MacFeed<U> {
    fn new(mac: U) -> Self {
        MacFeed { mac, partial: [0; 16], partial_len: 0, total: 0 }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.partial_len > 0 {
            let take = (16 - self.partial_len).min(data.len());
            self.partial[self.partial_len..self.partial_len + take].copy_from_slice(&data[..take]);
            self.partial_len += take;
            data = &data[take..];
            if self.partial_len < 16 {
                return;
            }
            self.mac.update_padded(&self.partial);
            self.partial_len = 0;
        }
        let whole = data.len() / 16 * 16;
        self.mac.update_padded(&data[..whole]);
        let rest = &data[whole..];
        self.partial[..rest.len()].copy_from_slice(rest);
        self.partial_len = rest.len();
    }

    /// Pads the data to a block boundary and appends the given length block.
    fn finish(mut self, lengths: [u8; 16]) -> [u8; 16] {
        self.mac.update_padded(&self.partial[..self.partial_len]);
        self.mac.update_padded(&lengths);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&self.mac.finalize());
        tag
    }
}

fn chacha_parts(key: &SymKey) -> (chacha20::ChaCha20, MacFeed<poly1305::Poly1305>) {
    let mut cipher = chacha20::ChaCha20::new(key.key[..].into(), key.nonce[..].into());
    let mut block0 = Zeroizing::new([0u8; 64]);
    cipher.apply_keystream(&mut block0[..]);
    let mac = poly1305::Poly1305::new(block0[..32].into());
    (cipher, MacFeed::new(mac))
}

fn chacha_lengths(ct_len: u64) -> [u8; 16] {
    let mut l = [0u8; 16];
    l[8..].copy_from_slice(&ct_len.to_le_bytes());
    l
}

fn gcm_parts(key: &SymKey) -> (Ctr, MacFeed<ghash::GHash>, Zeroizing<[u8; 16]>) {
    let aes = Aes256::new(key.key[..].into());
    let mut h = Zeroizing::new([0u8; 16]);
    cipher::BlockEncrypt::encrypt_block(&aes, (&mut h[..]).into());
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(&key.nonce);
    j0[15] = 1;
    let mut mask = Zeroizing::new(j0);
    cipher::BlockEncrypt::encrypt_block(&aes, (&mut mask[..]).into());
    j0[15] = 2;
    let ctr = Ctr::new(key.key[..].into(), (&j0).into());
    (ctr, MacFeed::new(ghash::GHash::new((&*h).into())), mask)
}

fn gcm_lengths(ct_len: u64) -> [u8; 16] {
    let mut l = [0u8; 16];
    l[8..].copy_from_slice(&(ct_len * 8).to_be_bytes());
    l
}

fn xor16(a: [u8; 16], b: &[u8; 16]) -> [u8; 16] {
    let mut out = a;
    for (o, m) in out.iter_mut().zip(b) {
        *o ^= m;
    }
    out
}

fn cbc_encrypt_blocks(enc: &mut CbcEnc, buf: &mut [u8]) {
    for block in buf.chunks_exact_mut(16) {
        enc.encrypt_block_mut(block.into());
    }
}

fn cbc_decrypt_blocks(dec: &mut CbcDec, buf: &mut [u8]) {
    let (blocks, _) = cipher::inout::InOutBuf::from(buf).into_chunks();
    dec.decrypt_blocks_inout_mut(blocks);
}

// One per stream: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum EncState {
    Cbc(Box<CbcEnc>, Vec<u8>),
    Eax(Box<EaxEnc>),
    Chacha(Box<chacha20::ChaCha20>, MacFeed<poly1305::Poly1305>),
    Gcm(Box<Ctr>, MacFeed<ghash::GHash>, Zeroizing<[u8; 16]>),
}

/// Streaming encryptor of one payload layer.
pub struct Encryptor(EncState);

impl Encryptor {
    /// Starts an encryption.
    pub fn new(key: &SymKey) -> Self {
        Encryptor(match key.algo {
            SymAlgo::AesCbc => {
                EncState::Cbc(Box::new(CbcEnc::new(key.key[..].into(), key.nonce[..].into())), Vec::with_capacity(16))
            }
            SymAlgo::AesEax => {
                EncState::Eax(Box::new(EaxEnc::with_key_and_nonce(key.key[..].into(), key.nonce[..].into())))
            }
            SymAlgo::Chacha20Poly1305 => {
                let (c, m) = chacha_parts(key);
                EncState::Chacha(Box::new(c), m)
            }
            SymAlgo::AesGcm => {
                let (c, m, mask) = gcm_parts(key);
                EncState::Gcm(Box::new(c), m, mask)
            }
        })
    }

    /// Encrypts `input`, appending ciphertext to `out` (CBC holds back a partial block).
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        match &mut self.0 {
            EncState::Cbc(enc, pending) => {
                let mut input = input;
                if !pending.is_empty() {
                    let take = (16 - pending.len()).min(input.len());
                    pending.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if pending.len() < 16 {
                        return;
                    }
                    out.extend_from_slice(pending);
                    pending.clear();
                }
                let whole = input.len() / 16 * 16;
                out.extend_from_slice(&input[..whole]);
                pending.extend_from_slice(&input[whole..]);
                cbc_encrypt_blocks(enc, &mut out[start..]);
            }
            // Cipher and MAC run over small pieces so that both passes hit the cache.
            EncState::Eax(e) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    e.encrypt(piece);
                }
            }
            EncState::Chacha(c, mac) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    c.apply_keystream(piece);
                    mac.update(piece);
                }
            }
            EncState::Gcm(c, mac, _) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    c.apply_keystream(piece);
                    mac.update(piece);
                }
            }
        }
    }

    /// Finishes: appends the last ciphertext bytes (CBC padding) and returns the tag if any.
    pub fn finalize(self, out: &mut Vec<u8>) -> Option<Vec<u8>> {
        match self.0 {
            EncState::Cbc(mut enc, mut pending) => {
                let pad = 16 - pending.len();
                pending.extend(std::iter::repeat_n(pad as u8, pad));
                cbc_encrypt_blocks(&mut enc, &mut pending);
                out.extend_from_slice(&pending);
                None
            }
            EncState::Eax(e) => Some(e.finish().to_vec()),
            EncState::Chacha(_, mac) => {
                let total = mac.total;
                Some(mac.finish(chacha_lengths(total)).to_vec())
            }
            EncState::Gcm(_, mac, mask) => {
                let total = mac.total;
                Some(xor16(mac.finish(gcm_lengths(total)), &mask).to_vec())
            }
        }
    }
}

#[allow(clippy::large_enum_variant)]
enum DecState {
    Cbc(Box<CbcDec>, Vec<u8>),
    Eax(Box<EaxDec>),
    Chacha(Box<chacha20::ChaCha20>, MacFeed<poly1305::Poly1305>),
    Gcm(Box<Ctr>, MacFeed<ghash::GHash>, Zeroizing<[u8; 16]>),
}

/// Streaming decryptor of one payload layer. Plaintext is released before the tag is checked:
/// callers must discard it when [`Decryptor::finalize`] fails.
pub struct Decryptor {
    state: DecState,
    tag: Option<[u8; TAG_LEN]>,
}

impl Decryptor {
    /// Starts a decryption; authenticated ciphers need their tag.
    pub fn new(key: &SymKey, tag: Option<&[u8]>) -> Result<Self> {
        let tag = if key.algo.is_authenticated() {
            let t = tag.ok_or_else(|| Error::Integrity(format!("{} ciphertext has no tag", key.algo)))?;
            let arr: [u8; TAG_LEN] =
                t.try_into().map_err(|_| Error::Integrity(format!("{} tag must have {TAG_LEN} bytes", key.algo)))?;
            Some(arr)
        } else {
            None
        };
        let state = match key.algo {
            SymAlgo::AesCbc => {
                DecState::Cbc(Box::new(CbcDec::new(key.key[..].into(), key.nonce[..].into())), Vec::new())
            }
            SymAlgo::AesEax => {
                DecState::Eax(Box::new(EaxDec::with_key_and_nonce(key.key[..].into(), key.nonce[..].into())))
            }
            SymAlgo::Chacha20Poly1305 => {
                let (c, m) = chacha_parts(key);
                DecState::Chacha(Box::new(c), m)
            }
            SymAlgo::AesGcm => {
                let (c, m, mask) = gcm_parts(key);
                DecState::Gcm(Box::new(c), m, mask)
            }
        };
        Ok(Decryptor { state, tag })
    }

    /// Decrypts `input`, appending plaintext to `out` (CBC holds back its last block for unpadding).
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        match &mut self.state {
            DecState::Cbc(dec, pending) => {
                pending.extend_from_slice(input);
                // Keep at least one whole block (possibly the padded last one) and any partial block.
                let keep = match pending.len() % 16 {
                    0 => 16.min(pending.len()),
                    r => r,
                };
                let ready = pending.len() - keep;
                if ready > 0 {
                    out.extend_from_slice(&pending[..ready]);
                    pending.drain(..ready);
                    cbc_decrypt_blocks(dec, &mut out[start..]);
                }
            }
            DecState::Eax(d) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    d.decrypt_unauthenticated_hazmat(piece);
                }
            }
            DecState::Chacha(c, mac) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    mac.update(piece);
                    c.apply_keystream(piece);
                }
            }
            DecState::Gcm(c, mac, _) => {
                out.extend_from_slice(input);
                for piece in out[start..].chunks_mut(PIECE) {
                    mac.update(piece);
                    c.apply_keystream(piece);
                }
            }
        }
    }

    /// Finishes: checks the tag in constant time, or unpads the last CBC block.
    pub fn finalize(self, out: &mut Vec<u8>) -> Result<()> {
        let expected = self.tag;
        let check = |computed: [u8; 16]| -> Result<()> {
            let ok: bool = expected.map(|t| computed.ct_eq(&t).into()).unwrap_or(false);
            if ok {
                Ok(())
            } else {
                Err(Error::Integrity("MAC check failed".into()))
            }
        };
        match self.state {
            DecState::Cbc(mut dec, mut pending) => {
                if pending.len() != 16 {
                    return Err(Error::Integrity("AES_CBC ciphertext length is not a positive multiple of 16".into()));
                }
                cbc_decrypt_blocks(&mut dec, &mut pending);
                let pad = pending[15] as usize;
                let bad_pad = pad == 0 || pad > 16 || pending[16 - pad..].iter().any(|&b| b as usize != pad);
                if bad_pad {
                    return Err(Error::Integrity("AES_CBC padding is incorrect".into()));
                }
                out.extend_from_slice(&pending[..16 - pad]);
                Ok(())
            }
            DecState::Eax(d) => {
                let tag = expected.ok_or_else(|| Error::Integrity("missing tag".into()))?;
                d.finish(&tag.into()).map_err(|_| Error::Integrity("MAC check failed".into()))
            }
            DecState::Chacha(_, mac) => {
                let total = mac.total;
                check(mac.finish(chacha_lengths(total)))
            }
            DecState::Gcm(_, mac, mask) => {
                let total = mac.total;
                check(xor16(mac.finish(gcm_lengths(total)), &mask))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::AeadInPlace;

    #[test]
    fn streamed_aeads_match_one_shot_crates() {
        for len in [0usize, 1, 15, 16, 17, 100, 1000] {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for algo in [SymAlgo::Chacha20Poly1305, SymAlgo::AesGcm, SymAlgo::AesEax] {
                let key = SymKey::generate(algo);
                let mut buf = pt.clone();
                let tag = match algo {
                    SymAlgo::Chacha20Poly1305 => chacha20poly1305::ChaCha20Poly1305::new(key.key[..].into())
                        .encrypt_in_place_detached(key.nonce[..].into(), b"", &mut buf)
                        .unwrap()
                        .to_vec(),
                    SymAlgo::AesGcm => aes_gcm::Aes256Gcm::new(key.key[..].into())
                        .encrypt_in_place_detached(key.nonce[..].into(), b"", &mut buf)
                        .unwrap()
                        .to_vec(),
                    _ => eax::Eax::<Aes256>::new(key.key[..].into())
                        .encrypt_in_place_detached(key.nonce[..].into(), b"", &mut buf)
                        .unwrap()
                        .to_vec(),
                };
                // Streamed in uneven pieces.
                let mut enc = Encryptor::new(&key);
                let mut out = Vec::new();
                for piece in pt.chunks(7) {
                    enc.update(piece, &mut out);
                }
                let t = enc.finalize(&mut out).unwrap();
                assert_eq!(out, buf, "{algo} {len}");
                assert_eq!(t, tag, "{algo} {len}");
                let mut dec = Decryptor::new(&key, Some(&tag)).unwrap();
                let mut back = Vec::new();
                for piece in out.chunks(5) {
                    dec.update(piece, &mut back);
                }
                dec.finalize(&mut back).unwrap();
                assert_eq!(back, pt);
            }
        }
    }

    #[test]
    fn cbc_streamed_matches_one_shot_and_detects_bad_padding() {
        for len in [0usize, 1, 15, 16, 17, 100] {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let key = SymKey::generate(SymAlgo::AesCbc);
            let reference = CbcEnc::new(key.key[..].into(), key.nonce[..].into())
                .encrypt_padded_vec_mut::<cipher::block_padding::Pkcs7>(&pt);
            let cd = encrypt(&key, &pt);
            assert_eq!(cd.ciphertext, reference);
            assert_eq!(&*decrypt(&key, &cd).unwrap(), &pt);
            let mut bad = cd.clone();
            let n = bad.ciphertext.len();
            bad.ciphertext[n - 1] ^= 1;
            assert!(
                matches!(decrypt(&key, &bad), Err(Error::Integrity(_)))
                    || decrypt(&key, &bad).unwrap().as_slice() != pt
            );
        }
    }

    #[test]
    fn tampering_is_detected() {
        for algo in [SymAlgo::Chacha20Poly1305, SymAlgo::AesGcm, SymAlgo::AesEax] {
            let key = SymKey::generate(algo);
            let mut cd = encrypt(&key, b"hello world");
            cd.ciphertext[0] ^= 1;
            assert!(matches!(decrypt(&key, &cd), Err(Error::Integrity(_))), "{algo}");
        }
    }

    #[test]
    fn key_dict_json_round_trip() {
        for algo in SymAlgo::ALL {
            let key = SymKey::generate(*algo);
            let json = key.to_json();
            let back = SymKey::from_json(*algo, &json).unwrap();
            assert_eq!(&back.key[..], &key.key[..]);
            assert_eq!(&back.nonce[..], &key.nonce[..]);
            let text = std::str::from_utf8(&json).unwrap();
            assert!(text.starts_with(if *algo == SymAlgo::AesCbc { "{\"iv\": " } else { "{\"key\": " }), "{text}");
        }
    }
}
