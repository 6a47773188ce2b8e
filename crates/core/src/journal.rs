//! The decision journal of a guardian identity: every accept and reject, append-only, one JSON object per line.
//!
//! Each entry holds the SHA-256 of the previous entry (`previous_hash`, 64 zeros for the first), its own hash
//! (`hash`, SHA-256 of the entry's canonical JSON without `hash` and `signature`: sorted keys, `", "` and `": "`
//! separators, ASCII escapes) and an Ed25519 signature of that hash by the identity's journal key. Removing,
//! reordering or editing an entry breaks the chain or a signature; [`verify`] says where.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::{Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::error::{Error, Result};
use crate::fsutil::{read_limited, write_atomic};

/// File name of a journal inside an identity folder.
pub const JOURNAL_FILENAME: &str = "journal.jsonl";
/// Largest journal read.
pub const MAX_JOURNAL_BYTES: u64 = 64 << 20;
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the guardian decided.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Keys decrypted and sent to the requestor.
    Accepted,
    /// Refused.
    Rejected,
}

/// One key answered in an accepted request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AnsweredKey {
    /// Name of the cryptainer concerned.
    pub cryptainer_name: String,
    /// Uid of the cryptainer.
    pub cryptainer_uid: uuid::Uuid,
    /// Status sent (`DECRYPTED`, `PRIVATE_KEY_MISSING`, `CORRUPTED`, `METADATA_MISMATCH`; empty when rejected).
    pub status: String,
}

/// What is recorded about a decision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// Accepted or rejected.
    pub decision: Decision,
    /// The request.
    pub revelation_request_uid: uuid::Uuid,
    /// Who asked.
    pub revelation_requestor_uid: uuid::Uuid,
    /// The request's description.
    pub request_description: String,
    /// The keys concerned.
    pub keys: Vec<AnsweredKey>,
}

/// A journal line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JournalEntry {
    /// 1 for the first entry.
    pub sequence: u64,
    /// When it was recorded (milliseconds since the Unix epoch, UTC).
    pub recorded_at_ms: i64,
    /// The identity.
    pub keystore_uid: uuid::Uuid,
    /// The decision.
    pub record: DecisionRecord,
    /// Hash of the previous entry (hex).
    pub previous_hash: String,
    /// Hash of this entry (hex).
    pub hash: String,
    /// Ed25519 signature of `hash`'s 32 bytes (base64).
    pub signature: String,
}

impl JournalEntry {
    fn compute_hash(&self) -> Result<[u8; 32]> {
        let mut v = serde_json::to_value(self).map_err(|e| Error::Json { path: ".".into(), message: e.to_string() })?;
        if let Some(map) = v.as_object_mut() {
            map.remove("hash");
            map.remove("signature");
        }
        let mut bytes = Vec::new();
        crate::ejson::write_value(&v, &mut bytes);
        Ok(sha2::Sha256::digest(&bytes).into())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A journal file.
#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal at `path` (which may not exist yet: then it is empty).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Journal { path: path.into() }
    }

    /// Its file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, as written (not verified: see [`verify`]).
    pub fn entries(&self) -> Result<Vec<JournalEntry>> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        parse(&read_limited(&self.path, MAX_JOURNAL_BYTES)?)
    }

    /// Appends a signed entry, atomically (the whole file is rewritten to a temporary file and renamed). The
    /// caller holds the identity store's lock. Refuses to extend a journal that does not verify.
    pub fn append(
        &self,
        keystore_uid: uuid::Uuid,
        record: DecisionRecord,
        key: &ed25519_dalek::SigningKey,
    ) -> Result<JournalEntry> {
        let existing = if self.path.exists() { read_limited(&self.path, MAX_JOURNAL_BYTES)? } else { Vec::new() };
        let entries = parse(&existing)?;
        let report = verify_entries(&entries, &key.verifying_key());
        if let Some(problem) = report.problems.first() {
            return Err(Error::Integrity(format!("the journal {} is damaged: {problem}", self.path.display())));
        }
        let mut entry = JournalEntry {
            sequence: entries.len() as u64 + 1,
            recorded_at_ms: crate::ejson::DateTimeMs::now().0,
            keystore_uid,
            record,
            previous_hash: entries.last().map_or_else(|| GENESIS.to_string(), |e| e.hash.clone()),
            hash: String::new(),
            signature: String::new(),
        };
        let hash = entry.compute_hash()?;
        entry.hash = hex(&hash);
        entry.signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&hash).to_bytes());
        let mut out = existing;
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend(serde_json::to_vec(&entry).map_err(|e| Error::Json { path: ".".into(), message: e.to_string() })?);
        out.push(b'\n');
        write_atomic(&self.path, &out, true)?;
        Ok(entry)
    }
}

fn parse(bytes: &[u8]) -> Result<Vec<JournalEntry>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Json { path: ".".into(), message: "not UTF-8".into() })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::Json { path: format!("line {}", i + 1), message: e.to_string() })
        })
        .collect()
}

/// Outcome of [`verify`].
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalReport {
    /// Entries read.
    pub entries: usize,
    /// What is wrong, entry by entry (empty when the journal is intact).
    pub problems: Vec<String>,
}

impl JournalReport {
    /// Whether the journal is intact.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies a journal file: parses it, then checks sequence numbers, the hash chain and every signature against
/// `public_key`.
pub fn verify(path: &Path, public_key: &ed25519_dalek::VerifyingKey) -> Result<JournalReport> {
    let entries = parse(&read_limited(path, MAX_JOURNAL_BYTES)?)?;
    Ok(verify_entries(&entries, public_key))
}

fn verify_entries(entries: &[JournalEntry], public_key: &ed25519_dalek::VerifyingKey) -> JournalReport {
    let mut report = JournalReport { entries: entries.len(), problems: Vec::new() };
    let mut previous = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let n = i + 1;
        if e.sequence != n as u64 {
            report.problems.push(format!("entry {n}: sequence number {} (an entry was removed or moved)", e.sequence));
        }
        if e.previous_hash != previous {
            report.problems.push(format!("entry {n}: does not follow the previous entry (chain broken)"));
        }
        match e.compute_hash() {
            Ok(h) if hex(&h) == e.hash => {
                let sig = base64::engine::general_purpose::STANDARD
                    .decode(&e.signature)
                    .ok()
                    .and_then(|b| ed25519_dalek::Signature::from_slice(&b).ok());
                if sig.is_none_or(|s| public_key.verify(&h, &s).is_err()) {
                    report.problems.push(format!("entry {n}: signature does not verify with the journal key"));
                }
            }
            _ => report.problems.push(format!("entry {n}: content does not match its hash (edited)")),
        }
        previous = e.hash.clone();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(decision: Decision, description: &str) -> DecisionRecord {
        DecisionRecord {
            decision,
            revelation_request_uid: uuid::Uuid::new_v4(),
            revelation_requestor_uid: uuid::Uuid::new_v4(),
            request_description: description.into(),
            keys: vec![AnsweredKey {
                cryptainer_name: "clip.mp4.crypt".into(),
                cryptainer_uid: uuid::Uuid::new_v4(),
                status: "DECRYPTED".into(),
            }],
        }
    }

    #[test]
    fn chain_signatures_and_tampering() {
        let tmp = tempfile::tempdir().unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let uid = uuid::Uuid::new_v4();
        let j = Journal::new(tmp.path().join(JOURNAL_FILENAME));
        assert!(j.entries().unwrap().is_empty());
        j.append(uid, record(Decision::Accepted, "police, the accident of May 3"), &key).unwrap();
        j.append(uid, record(Decision::Rejected, "curious neighbour"), &key).unwrap();
        j.append(uid, record(Decision::Accepted, "insurance \u{e9}t\u{e9}"), &key).unwrap();
        let report = verify(j.path(), &key.verifying_key()).unwrap();
        assert_eq!(report, JournalReport { entries: 3, problems: vec![] });

        let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert_eq!(verify(j.path(), &other).unwrap().problems.len(), 3);

        let original = std::fs::read_to_string(j.path()).unwrap();
        let lines: Vec<&str> = original.lines().collect();
        let check = |text: String, expected: &str| {
            std::fs::write(j.path(), text).unwrap();
            let r = verify(j.path(), &key.verifying_key()).unwrap();
            assert!(r.problems.iter().any(|p| p.contains(expected)), "{expected}: {:?}", r.problems);
        };
        check(original.replace("curious neighbour", "a judge"), "entry 2: content does not match its hash");
        check(format!("{}\n{}\n", lines[0], lines[2]), "entry 2: sequence number 3");
        check(format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2]), "chain broken");
        // Recomputing the hash after an edit still fails the signature.
        let mut e: JournalEntry = serde_json::from_str(lines[1]).unwrap();
        e.record.decision = Decision::Accepted;
        e.hash = hex(&e.compute_hash().unwrap());
        check(format!("{}\n{}\n{}\n", lines[0], serde_json::to_string(&e).unwrap(), lines[2]), "signature");
        // A damaged journal is not extended.
        assert!(matches!(j.append(uid, record(Decision::Rejected, "x"), &key), Err(Error::Integrity(_))));
        std::fs::write(j.path(), "{not json\n").unwrap();
        assert!(verify(j.path(), &key.verifying_key()).is_err());
    }
}
