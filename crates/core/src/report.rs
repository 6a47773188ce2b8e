//! Operation reports: what happened to each guardian, key and shard during a decryption. Data, not logs.

use serde::Serialize;

/// Severity of an entry.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A step that went well.
    Info,
    /// Something failed but decryption may still succeed (a missing shard above the threshold, a signature).
    Warning,
    /// Something that prevents decryption.
    Error,
}

/// What went wrong, for programs that branch on it.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The guardian's keystore was not imported.
    KeystoreNotFound {
        /// Its uid.
        keystore_uid: String,
    },
    /// The private key is not in the keystore.
    PrivateKeyNotFound {
        /// The key.
        key: String,
    },
    /// No given passphrase opens the private key.
    WrongPassphrase {
        /// The key.
        key: String,
    },
    /// A key ciphertext did not decrypt (wrong key or altered data).
    KeyDecryptionFailed,
    /// A tag, padding or structure check failed: data was altered.
    IntegrityFailure,
    /// Not enough shards of a shared secret.
    NotEnoughShards {
        /// Threshold.
        needed: usize,
        /// Shards decrypted.
        found: usize,
    },
    /// A payload signature is invalid or could not be checked.
    SignatureInvalid,
    /// A trustee kind this build cannot use.
    NotSupported,
}

/// One entry of a report.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct ReportEntry {
    /// Where in the cryptainer: "payload layer 1/2 › key layer 1 › shard 2/3".
    pub location: String,
    /// The guardian concerned, when there is one.
    pub trustee: Option<String>,
    /// Severity.
    pub level: Level,
    /// Machine-readable problem, if any.
    pub problem: Option<Problem>,
    /// Sentence for a person.
    pub message: String,
}

/// The report of one decryption.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationReport {
    /// Entries in the order things happened.
    pub entries: Vec<ReportEntry>,
}

impl OperationReport {
    /// Adds an entry.
    pub fn add(
        &mut self,
        location: &str,
        trustee: Option<String>,
        level: Level,
        problem: Option<Problem>,
        message: impl Into<String>,
    ) {
        self.entries.push(ReportEntry {
            location: location.to_string(),
            trustee,
            level,
            problem,
            message: message.into(),
        });
    }

    /// Entries that are warnings or errors.
    pub fn problems(&self) -> impl Iterator<Item = &ReportEntry> {
        self.entries.iter().filter(|e| e.level != Level::Info)
    }

    /// Whether any entry is an error.
    pub fn has_errors(&self) -> bool {
        self.entries.iter().any(|e| e.level == Level::Error)
    }

    /// Whether any entry names this problem.
    pub fn has_problem(&self, pred: impl Fn(&Problem) -> bool) -> bool {
        self.entries.iter().any(|e| e.problem.as_ref().is_some_and(&pred))
    }
}

impl std::fmt::Display for OperationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.entries {
            let level = match e.level {
                Level::Info => "ok",
                Level::Warning => "warning",
                Level::Error => "error",
            };
            write!(f, "  [{level}] {}: ", e.location)?;
            if let Some(t) = &e.trustee {
                write!(f, "{t}: ")?;
            }
            writeln!(f, "{}", e.message)?;
        }
        Ok(())
    }
}
