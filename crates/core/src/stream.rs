//! Streaming encryption and decryption of cryptainers on disk, with memory independent of the payload
//! size, in wacryptolib's layout: `NAME.crypt` (JSON) and, when offloaded, `NAME.crypt.payload` (raw
//! ciphertext). While a cryptainer is being written its files carry a `~` suffix (`NAME.crypt~`,
//! `NAME.crypt.payload~`), so an interrupted run never leaves a cryptainer that looks finished.
//! Decrypted output is written to `OUTPUT~` and renamed only once every tag has been checked.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::cryptainer::{
    finish_cryptainer, start_cryptainer, verify_signatures, PayloadDecryptor, PayloadEncryptor, TrusteeKeys, Unwrapper,
};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::model::{Cryptainer, Cryptoconf, PayloadCiphertextStruct};
use crate::report::{Level, OperationReport, Problem};

/// Size of the chunks read and encrypted at once.
pub const CHUNK_SIZE: usize = 1 << 20;
/// Suffix of cryptainer files.
pub const CRYPTAINER_SUFFIX: &str = ".crypt";
/// Suffix added to the cryptainer file name for its offloaded payload.
pub const PAYLOAD_SUFFIX: &str = ".payload";
/// Suffix of unfinished files.
pub const TEMP_SUFFIX: &str = "~";
/// Largest cryptainer JSON read when the payload is offloaded.
pub const MAX_OFFLOADED_JSON: u64 = 64 << 20;
/// Largest bundled (inline) cryptainer read: its payload is decoded in memory.
pub const MAX_INLINE_JSON: u64 = 512 << 20;

/// Path of the offloaded payload of a cryptainer file.
pub fn payload_path(crypt_path: &Path) -> PathBuf {
    let mut s = crypt_path.as_os_str().to_owned();
    s.push(PAYLOAD_SUFFIX);
    PathBuf::from(s)
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Options of [`encrypt_to_files`].
#[derive(Clone, Copy, Debug, Default)]
pub struct EncryptOptions {
    /// Write the payload inside the JSON (`--bundle`) instead of `NAME.crypt.payload`.
    pub inline: bool,
    /// Replace an existing cryptainer of the same name.
    pub overwrite: bool,
}

/// Encrypts everything `reader` yields into `crypt_path` (`NAME.crypt`), streaming. `progress` gets the
/// number of plaintext bytes read so far.
pub fn encrypt_to_files(
    reader: &mut dyn Read,
    conf: &Cryptoconf,
    metadata: Option<&Value>,
    keys: &dyn TrusteeKeys,
    crypt_path: &Path,
    opts: EncryptOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Cryptainer> {
    let final_payload = payload_path(crypt_path);
    if !opts.overwrite && (crypt_path.exists() || final_payload.exists()) {
        return Err(Error::Io {
            op: "creating",
            path: crypt_path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "a cryptainer of that name exists"),
        });
    }
    let temp_json = with_suffix(crypt_path, TEMP_SUFFIX);
    let temp_payload = with_suffix(&final_payload, TEMP_SUFFIX);
    let result = (|| {
        let (mut cryptainer, secrets) = start_cryptainer(conf, metadata, keys)?;
        cryptainer.payload_ciphertext_struct = Some(PayloadCiphertextStruct::Offloaded);
        write_atomic(&temp_json, &cryptainer.to_json()?, false)?;
        let file = File::create(&temp_payload).map_err(Error::io("creating", &temp_payload))?;
        let mut writer = BufWriter::with_capacity(CHUNK_SIZE, file);
        let mut enc = PayloadEncryptor::new(&secrets);
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut out = Vec::with_capacity(CHUNK_SIZE + 64);
        let mut total = 0u64;
        loop {
            let n = read_full(reader, &mut buf)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            out.clear();
            enc.update(&buf[..n], &mut out);
            writer.write_all(&out).map_err(Error::io("writing", &temp_payload))?;
            progress(total);
        }
        zeroize::Zeroize::zeroize(&mut buf);
        out.clear();
        let integrity = enc.finalize(&mut out);
        writer.write_all(&out).map_err(Error::io("writing", &temp_payload))?;
        let file = writer.into_inner().map_err(|e| Error::io("writing", &temp_payload)(e.into_error()))?;
        file.sync_all().map_err(Error::io("writing", &temp_payload))?;
        drop(file);
        finish_cryptainer(&mut cryptainer, integrity, keys)?;
        if opts.inline {
            write_inline(&cryptainer, &temp_payload, crypt_path)?;
            let _ = std::fs::remove_file(&temp_payload);
        } else {
            std::fs::rename(&temp_payload, &final_payload).map_err(Error::io("renaming", &temp_payload))?;
            write_atomic(crypt_path, &cryptainer.to_json()?, false)?;
        }
        let _ = std::fs::remove_file(&temp_json);
        Ok(cryptainer)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp_payload);
        let _ = std::fs::remove_file(&temp_json);
    }
    result
}

/// Writes a bundled cryptainer whose base64 payload is streamed from `payload_file`: the payload struct
/// is the last key of the sorted JSON, so everything before it is known.
fn write_inline(cryptainer: &Cryptainer, payload_file: &Path, crypt_path: &Path) -> Result<()> {
    const MARKER: &[u8] = b"{\"ciphertext_location\": \"offloaded\"}}";
    let json = cryptainer.to_json()?;
    let prefix = json.strip_suffix(MARKER).ok_or_else(|| Error::Encryption("unexpected cryptainer layout".into()))?;
    let temp = with_suffix(crypt_path, ".inline~");
    let result = (|| -> Result<()> {
        let mut w = BufWriter::new(File::create(&temp).map_err(Error::io("creating", &temp))?);
        let werr = Error::io("writing", &temp);
        let mut write = |b: &[u8]| w.write_all(b);
        let mut res = write(prefix);
        res = res.and_then(|_| {
            write(b"{\"ciphertext_location\": \"inline\", \"ciphertext_value\": {\"$binary\": {\"base64\": \"")
        });
        res.map_err(werr)?;
        let mut input = File::open(payload_file).map_err(Error::io("reading", payload_file))?;
        let mut buf = vec![0u8; 3 * (CHUNK_SIZE / 4)];
        loop {
            let n = read_full(&mut input, &mut buf)?;
            if n == 0 {
                break;
            }
            let enc = base64::engine::general_purpose::STANDARD.encode(&buf[..n]);
            w.write_all(enc.as_bytes()).map_err(Error::io("writing", &temp))?;
        }
        w.write_all(b"\", \"subType\": \"00\"}}}}").map_err(Error::io("writing", &temp))?;
        let f = w.into_inner().map_err(|e| Error::io("writing", &temp)(e.into_error()))?;
        f.sync_all().map_err(Error::io("writing", &temp))?;
        std::fs::rename(&temp, crypt_path).map_err(Error::io("renaming", &temp))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Creates (truncating) a file only its owner can read: decrypted payloads are private by default.
fn create_private(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(Error::io("creating", path))
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Stream(e)),
        }
    }
    Ok(n)
}

/// Reads a cryptainer file (its offloaded payload stays on disk).
pub fn load_cryptainer(crypt_path: &Path) -> Result<Cryptainer> {
    let meta = std::fs::metadata(crypt_path).map_err(Error::io("reading", crypt_path))?;
    let limit = if payload_path(crypt_path).exists() { MAX_OFFLOADED_JSON } else { MAX_INLINE_JSON };
    if meta.len() > limit {
        return Err(Error::Limit(format!(
            "{} has {} bytes, at most {limit} accepted",
            crypt_path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(crypt_path).map_err(Error::io("reading", crypt_path))?;
    Cryptainer::from_json(&bytes)
}

/// Decrypts the cryptainer at `crypt_path` into `output` (written as `output~` readable by its owner only,
/// renamed when every tag and signature checked out). `progress` gets the ciphertext bytes read so far. Returns the report, or
/// `Error::DecryptionReport` when the payload could not be decrypted.
pub fn decrypt_to_file(
    crypt_path: &Path,
    output: &Path,
    unwrapper: &Unwrapper<'_>,
    overwrite: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<OperationReport> {
    if !overwrite && output.exists() {
        return Err(Error::Io {
            op: "creating",
            path: output.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "file exists (use --force to replace it)"),
        });
    }
    let cryptainer = load_cryptainer(crypt_path)?;
    let mut report = OperationReport::default();
    let keys = unwrapper.unwrap_payload_keys(&cryptainer, &mut report);
    let Some(keys) = keys.into_iter().collect::<Option<Vec<_>>>() else {
        return Err(Error::DecryptionReport(report));
    };
    let mut dec = PayloadDecryptor::new(&cryptainer, &keys, true)?;
    let temp = with_suffix(output, TEMP_SUFFIX);
    let result = (|| -> Result<Vec<crate::cryptainer::LayerDigests>> {
        let mut w = BufWriter::with_capacity(CHUNK_SIZE, create_private(&temp)?);
        let mut out = Vec::with_capacity(CHUNK_SIZE + 64);
        let mut feed = |chunk: &[u8], dec: &mut PayloadDecryptor, w: &mut BufWriter<File>| -> Result<()> {
            out.clear();
            dec.update(chunk, &mut out);
            w.write_all(&out).map_err(Error::io("writing", &temp))
        };
        match &cryptainer.payload_ciphertext_struct {
            Some(PayloadCiphertextStruct::Inline { ciphertext_value }) => {
                let total = ciphertext_value.len() as u64;
                for (i, chunk) in ciphertext_value.chunks(CHUNK_SIZE).enumerate() {
                    feed(chunk, &mut dec, &mut w)?;
                    progress(((i * CHUNK_SIZE + chunk.len()) as u64).min(total), total);
                }
            }
            Some(PayloadCiphertextStruct::Offloaded) => {
                let pp = payload_path(crypt_path);
                let mut f = File::open(&pp).map_err(Error::io("reading", &pp))?;
                let total = f.metadata().map(|m| m.len()).unwrap_or(0);
                let mut buf = vec![0u8; CHUNK_SIZE];
                let mut done = 0u64;
                loop {
                    let n = read_full(&mut f, &mut buf)?;
                    if n == 0 {
                        break;
                    }
                    done += n as u64;
                    feed(&buf[..n], &mut dec, &mut w)?;
                    progress(done, total);
                }
            }
            None => return Err(Error::validation("cryptainer", "payload_ciphertext_struct", "unfinished cryptainer")),
        }
        out.clear();
        let digests = dec.finalize(&mut out)?;
        w.write_all(&out).map_err(Error::io("writing", &temp))?;
        let f = w.into_inner().map_err(|e| Error::io("writing", &temp)(e.into_error()))?;
        f.sync_all().map_err(Error::io("writing", &temp))?;
        Ok(digests)
    })();
    let digests = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(match e {
                Error::Integrity(m) => {
                    report.add(
                        "payload",
                        None,
                        Level::Error,
                        Some(Problem::IntegrityFailure),
                        format!("payload does not decrypt: {m}"),
                    );
                    Error::DecryptionReport(report)
                }
                other => other,
            });
        }
    };
    verify_signatures(&cryptainer, &digests, unwrapper.keys, &mut report);
    if report.has_errors() {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::DecryptionReport(report));
    }
    std::fs::rename(&temp, output).map_err(Error::io("renaming", &temp))?;
    Ok(report)
}
