//! Identities: create, list, view (with QR codes), check the passphrase, back up, restore, delete; the journal.

use flightbox::ejson::DateTimeMs;
use flightbox::identity::Identity;
use flightbox::keystore::NewAuthenticator;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use super::{blocking, identity, passphrase, secrets};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// An identity in lists.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct IdentitySummary {
    /// Keystore uid (the identity's full ID).
    pub uid: String,
    /// Owner name.
    pub owner: String,
    /// Creation date (UTC, ISO 8601), if known.
    pub created_at: Option<String>,
    /// Passphrase hint.
    pub passphrase_hint: String,
    /// Number of keypairs.
    pub key_count: u32,
    /// Keypairs whose private key is missing.
    pub missing_private_keys: u32,
}

/// A keypair of an identity.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct KeyView {
    /// Keychain uid.
    pub keychain_uid: String,
    /// Algorithm.
    pub key_algo: String,
    /// Whether the private key is on this device.
    pub private_key_present: bool,
}

/// Everything shown on an identity's screen.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct IdentityDetails {
    /// Summary.
    pub summary: IdentitySummary,
    /// Keypairs.
    pub keys: Vec<KeyView>,
    /// QR code (SVG) of the identity's uid.
    pub uid_qr_svg: String,
    /// The gateway URL in use.
    pub gateway_url: String,
    /// QR code (SVG) of the gateway URL.
    pub gateway_qr_svg: String,
    /// SHA-256 fingerprint (hex) of the journal's Ed25519 public key.
    pub journal_key_fingerprint: String,
}

/// Progress of a key generation, sent as the `identity-progress` event.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct KeygenProgress {
    /// Keypairs done.
    pub done: u32,
    /// Keypairs in all.
    pub total: u32,
}

/// How a key fared in a passphrase check.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum KeyCheck {
    /// The passphrase opens it.
    Ok,
    /// No private key here.
    Missing,
    /// The passphrase does not open it.
    Failed,
}

/// One line of a passphrase check.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct KeyCheckLine {
    /// Keychain uid.
    pub keychain_uid: String,
    /// Algorithm.
    pub key_algo: String,
    /// Outcome.
    pub outcome: KeyCheck,
    /// Why it failed.
    pub reason: Option<String>,
}

/// The report of a passphrase check (the same as `flightbox authenticator validate`).
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct PassphraseReport {
    /// Whether every key is present and opens.
    pub ok: bool,
    /// Key by key.
    pub keys: Vec<KeyCheckLine>,
}

/// One decision of the journal.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct JournalEntryView {
    /// 1 for the first.
    pub sequence: u32,
    /// When (UTC, ISO 8601).
    pub recorded_at: String,
    /// `accepted` or `rejected`.
    pub decision: String,
    /// The request.
    pub request_uid: String,
    /// Who asked.
    pub requestor_uid: String,
    /// Why they asked.
    pub description: String,
    /// Each key concerned, as `name: STATUS`.
    pub keys: Vec<String>,
    /// Hash of the entry (hex).
    pub hash: String,
}

/// The journal and whether it verifies.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct JournalView {
    /// Entries, newest first.
    pub entries: Vec<JournalEntryView>,
    /// Whether the chain and every signature verify.
    pub intact: bool,
    /// What is wrong otherwise.
    pub problems: Vec<String>,
    /// Path of the journal file (for `flightbox authenticator journal verify`).
    pub path: String,
}

fn date(d: Option<DateTimeMs>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn summary(id: &Identity) -> AppResult<IdentitySummary> {
    let keys = id.keys()?;
    let m = id.metadata();
    Ok(IdentitySummary {
        uid: id.uid().hyphenated().to_string(),
        owner: m.keystore_owner.clone(),
        created_at: date(m.keystore_creation_datetime),
        passphrase_hint: m.keystore_passphrase_hint.clone().unwrap_or_default(),
        key_count: keys.len() as u32,
        missing_private_keys: keys.iter().filter(|k| !k.private_key_present).count() as u32,
    })
}

fn qr_svg(text: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(180, 180).quiet_zone(true).build())
}

/// Hands a new identity's secrets to the secret store; if that fails, removes the identity again, so that no
/// identity is left without its gateway secret and journal key.
fn keep_secrets(state: &AppState, id: &Identity, secrets: &flightbox::identity::IdentitySecrets) -> AppResult<()> {
    state.secrets.put(&id.uid(), &secrets.to_json()).inspect_err(|_| {
        let _ = state.store.delete(&id.uid());
    })
}

/// Identities on this device, oldest first.
#[tauri::command]
#[specta::specta]
pub fn identities_list(state: State<'_, AppState>) -> AppResult<Vec<IdentitySummary>> {
    state.store.list()?.iter().map(summary).collect()
}

/// Creates an identity (a wacryptolib-compatible authenticator), reporting progress as `identity-progress`
/// events. The private keys are sealed with the passphrase; the secrets go to the keychain.
#[tauri::command]
#[specta::specta]
pub async fn identity_create<R: Runtime>(
    app: AppHandle<R>,
    owner: String,
    passphrase_value: String,
    passphrase_hint: String,
    keypair_count: u32,
    key_bits: u32,
) -> AppResult<IdentitySummary> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let params = NewAuthenticator {
            owner: &owner,
            passphrase_hint: &passphrase_hint,
            keypair_count: keypair_count as usize,
            key_bits: key_bits as usize,
        };
        let (id, secrets) = state.store.create(&params, &pass, state.kdf_cost, |done, total| {
            let _ = app.emit("identity-progress", KeygenProgress { done: done as u32, total: total as u32 });
        })?;
        keep_secrets(&state, &id, &secrets)?;
        summary(&id)
    })
    .await
}

/// One identity with its keys and QR codes.
#[tauri::command]
#[specta::specta]
pub fn identity_view(state: State<'_, AppState>, uid: String) -> AppResult<IdentityDetails> {
    let id = identity(&state, &uid)?;
    let gateway_url = state.settings().gateway_url;
    let journal_key = id.journal_public_key()?;
    Ok(IdentityDetails {
        summary: summary(&id)?,
        keys: id
            .keys()?
            .into_iter()
            .map(|k| KeyView {
                keychain_uid: k.keychain_uid.hyphenated().to_string(),
                key_algo: k.key_algo.to_string(),
                private_key_present: k.private_key_present,
            })
            .collect(),
        uid_qr_svg: qr_svg(&id.uid().hyphenated().to_string())?,
        gateway_qr_svg: qr_svg(&gateway_url)?,
        gateway_url,
        journal_key_fingerprint: fingerprint(journal_key.as_bytes()),
    })
}

/// Hex SHA-256 of bytes.
fn fingerprint(bytes: &[u8]) -> String {
    flightbox::primitives::digest::hash(flightbox::model::DigestAlgo::Sha256, bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the passphrase against every private key.
#[tauri::command]
#[specta::specta]
pub async fn identity_check_passphrase<R: Runtime>(
    app: AppHandle<R>,
    uid: String,
    passphrase_value: String,
) -> AppResult<PassphraseReport> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let id = identity(&state, &uid)?;
        let check = id.check_passphrase(&pass)?;
        let line = |k: &flightbox::keystore::KeypairIdentifier, outcome, reason| KeyCheckLine {
            keychain_uid: k.keychain_uid.hyphenated().to_string(),
            key_algo: k.key_algo.to_string(),
            outcome,
            reason,
        };
        let mut keys: Vec<KeyCheckLine> = check.valid.iter().map(|k| line(k, KeyCheck::Ok, None)).collect();
        keys.extend(check.missing_private_keys.iter().map(|k| line(k, KeyCheck::Missing, None)));
        keys.extend(check.undecodable.iter().map(|(k, why)| line(k, KeyCheck::Failed, Some(why.clone()))));
        Ok(PassphraseReport { ok: check.is_ok(), keys })
    })
    .await
}

/// Backs an identity up as a wacryptolib authenticator zip protected by its passphrase. Without `path`, writes
/// `flightbox-<owner>-<uid>.zip` in the Downloads folder. Never overwrites. Returns the file written.
#[tauri::command]
#[specta::specta]
pub async fn identity_export<R: Runtime>(
    app: AppHandle<R>,
    uid: String,
    passphrase_value: String,
    path: Option<String>,
) -> AppResult<String> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let id = identity(&state, &uid)?;
        let secrets = secrets(&state, &id)?;
        let dest = match path.filter(|p| !p.trim().is_empty()) {
            Some(p) => std::path::PathBuf::from(p.trim()),
            None => {
                let dir = app
                    .path()
                    .download_dir()
                    .or_else(|_| app.path().document_dir())
                    .map_err(|e| AppError::Internal(format!("no Downloads folder: {e}")))?;
                let owner: String =
                    id.metadata().keystore_owner.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }).collect();
                dir.join(format!("flightbox-{owner}-{}.zip", id.uid().hyphenated()))
            }
        };
        if dest.exists() {
            return Err(AppError::AlreadyExists(format!("{} already exists: nothing was written", dest.display())));
        }
        id.export_zip(&dest, &pass, &secrets, false)
            .map_err(|e| AppError::from_core(e, &id.metadata().keystore_owner, ""))?;
        Ok(dest.display().to_string())
    })
    .await
}

/// Restores an identity from a wacryptolib authenticator (zip or folder, from this app, the reference app or
/// wacryptolib), opening its keys with the passphrase. A wrong passphrase stores nothing.
#[tauri::command]
#[specta::specta]
pub async fn identity_import<R: Runtime>(
    app: AppHandle<R>,
    path: String,
    passphrase_value: String,
) -> AppResult<IdentitySummary> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let src = std::path::PathBuf::from(path.trim());
        if !src.exists() {
            return Err(AppError::NotFound(src.display().to_string()));
        }
        let (id, secrets) = state
            .store
            .import(&src, &pass, state.kdf_cost)
            .map_err(|e| AppError::from_core(e, &src.display().to_string(), ""))?;
        keep_secrets(&state, &id, &secrets)?;
        summary(&id)
    })
    .await
}

/// Deletes an identity from this device (its keys, its secrets, the key kept for biometric approval). Back it
/// up first.
#[tauri::command]
#[specta::specta]
pub fn identity_delete(state: State<'_, AppState>, uid: String) -> AppResult<()> {
    let id = identity(&state, &uid)?;
    let quick = id.quick_unlock().ok().flatten();
    state.store.delete(&id.uid())?;
    if let (Some(record), Ok(gate)) = (quick, state.biometric_gate()) {
        let _ = gate.forget(&record);
    }
    state.secrets.delete(&id.uid())
}

/// The decision journal, newest first, verified.
#[tauri::command]
#[specta::specta]
pub fn journal_view(state: State<'_, AppState>, uid: String) -> AppResult<JournalView> {
    let id = identity(&state, &uid)?;
    let journal = id.journal();
    let entries = journal.entries()?;
    let (intact, problems) = if entries.is_empty() {
        (true, Vec::new())
    } else {
        let report = flightbox::journal::verify(journal.path(), &id.journal_public_key()?)?;
        (report.is_ok(), report.problems)
    };
    Ok(JournalView {
        entries: entries
            .into_iter()
            .rev()
            .map(|e| JournalEntryView {
                sequence: e.sequence as u32,
                recorded_at: DateTimeMs(e.recorded_at_ms).to_string(),
                decision: match e.record.decision {
                    flightbox::journal::Decision::Accepted => "accepted".into(),
                    flightbox::journal::Decision::Rejected => "rejected".into(),
                },
                request_uid: e.record.revelation_request_uid.hyphenated().to_string(),
                requestor_uid: e.record.revelation_requestor_uid.hyphenated().to_string(),
                description: e.record.request_description,
                keys: e.record.keys.iter().map(|k| format!("{}: {}", k.cryptainer_name, k.status)).collect(),
                hash: e.hash,
            })
            .collect(),
        intact,
        problems,
        path: journal.path().display().to_string(),
    })
}
