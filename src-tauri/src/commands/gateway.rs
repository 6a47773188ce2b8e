//! What the guardian does through the gateway: publish, list requests, accept, reject. Every accept and reject
//! is recorded in the identity's signed journal.

use flightbox::ejson::canonicalize;
use flightbox::gateway::client::GatewayClient;
use flightbox::gateway::ops::{self, PublicationState};
use flightbox::gateway::protocol::{RevelationRequest, RevelationRequestStatus};
use flightbox::identity::{Identity, IdentitySecrets};
use flightbox::journal::{AnsweredKey, Decision, DecisionRecord};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};

use super::{blocking, identity, parse_uid, passphrase, secrets};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Where an identity stands on the gateway.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct PublicationView {
    /// `published`, `not_published` or `published_but_different`.
    pub state: String,
    /// What differs, when published but different.
    pub differences: Vec<String>,
    /// The gateway asked.
    pub gateway_url: String,
}

/// A key asked for in a request.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct RequestKeyView {
    /// Cryptainer name.
    pub cryptainer_name: String,
    /// Cryptainer uid.
    pub cryptainer_uid: String,
    /// Cryptainer metadata as JSON text, if any.
    pub cryptainer_metadata: Option<String>,
    /// The guardian's keychain uid concerned.
    pub keychain_uid: String,
    /// Its algorithm.
    pub key_algo: String,
    /// Answer status (`PENDING` until answered).
    pub status: String,
}

/// A revelation request.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct RequestView {
    /// Request uid.
    pub uid: String,
    /// Requestor uid.
    pub requestor_uid: String,
    /// Why they ask.
    pub description: String,
    /// `PENDING`, `ACCEPTED` or `REJECTED`.
    pub status: String,
    /// When (UTC, ISO 8601).
    pub created_at: String,
    /// Keys concerned, one per cryptainer and key.
    pub keys: Vec<RequestKeyView>,
}

/// What an acceptance sent.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct AcceptOutcome {
    /// Per key: `cryptainer name: STATUS`.
    pub statuses: Vec<String>,
    /// Keys decrypted and sent.
    pub decrypted: u32,
}

struct Ctx {
    id: Identity,
    secrets: IdentitySecrets,
    client: GatewayClient,
    url: String,
}

impl Ctx {
    fn new(state: &AppState, uid: &str) -> AppResult<Ctx> {
        let id = identity(state, uid)?;
        let secrets = secrets(state, &id)?;
        let url = state.settings().gateway_url;
        let client = GatewayClient::new(&url).map_err(|e| AppError::Invalid(e.to_string()))?;
        Ok(Ctx { id, secrets, client, url })
    }

    fn err(&self, e: flightbox::Error) -> AppError {
        AppError::from_core(e, &self.id.metadata().keystore_owner, &self.url)
    }

    fn requests(&self) -> AppResult<Vec<RevelationRequest>> {
        ops::guardian_requests(&self.client, &self.id.with_secrets(&self.secrets), None).map_err(|e| self.err(e))
    }

    fn pending(&self, request_uid: &str) -> AppResult<RevelationRequest> {
        let uid = parse_uid(request_uid)?;
        let r = self
            .requests()?
            .into_iter()
            .find(|r| r.revelation_request_uid.0 == uid)
            .ok_or_else(|| AppError::NotFound(format!("revelation request {uid}")))?;
        if r.revelation_request_status != RevelationRequestStatus::Pending {
            return Err(AppError::RequestAlreadyHandled);
        }
        Ok(r)
    }
}

fn publication(ctx: &Ctx) -> AppResult<PublicationView> {
    let state = ops::publication_state(&ctx.client, &ctx.id.with_secrets(&ctx.secrets)).map_err(|e| ctx.err(e))?;
    let (name, differences) = match state {
        PublicationState::NotPublished => ("not_published", vec![]),
        PublicationState::Published => ("published", vec![]),
        PublicationState::PublishedButDifferent { differences } => ("published_but_different", differences),
    };
    Ok(PublicationView { state: name.into(), differences, gateway_url: ctx.url.clone() })
}

/// Whether the identity is on the gateway, and identical.
#[tauri::command]
#[specta::specta]
pub async fn identity_publication<R: Runtime>(app: AppHandle<R>, uid: String) -> AppResult<PublicationView> {
    blocking(move || publication(&Ctx::new(&app.state::<AppState>(), &uid)?)).await
}

/// Publishes the identity's public keys (once).
#[tauri::command]
#[specta::specta]
pub async fn identity_publish<R: Runtime>(app: AppHandle<R>, uid: String) -> AppResult<PublicationView> {
    blocking(move || {
        let ctx = Ctx::new(&app.state::<AppState>(), &uid)?;
        let current = publication(&ctx)?;
        if current.state != "not_published" {
            return Err(AppError::AlreadyPublished { owner: ctx.id.metadata().keystore_owner.clone() });
        }
        ops::publish(&ctx.client, &ctx.id.with_secrets(&ctx.secrets)).map_err(|e| ctx.err(e))?;
        publication(&ctx)
    })
    .await
}

fn view(r: &RevelationRequest) -> AppResult<RequestView> {
    Ok(RequestView {
        uid: r.revelation_request_uid.to_string(),
        requestor_uid: r.revelation_requestor_uid.to_string(),
        description: r.revelation_request_description.clone(),
        status: r.revelation_request_status.as_str().into(),
        created_at: r.created_at.to_string(),
        keys: r
            .symkey_decryption_requests
            .iter()
            .map(|s| {
                Ok(RequestKeyView {
                    cryptainer_name: s.cryptainer_name.clone(),
                    cryptainer_uid: s.cryptainer_uid.to_string(),
                    cryptainer_metadata: match &s.cryptainer_metadata {
                        Some(m) if !m.is_null() => Some(
                            serde_json::to_string_pretty(&canonicalize(m)?)
                                .map_err(|e| AppError::Internal(e.to_string()))?,
                        ),
                        _ => None,
                    },
                    keychain_uid: s.target_public_authenticator_key.keychain_uid.to_string(),
                    key_algo: s.target_public_authenticator_key.key_algo.clone(),
                    status: s.symkey_decryption_status.as_str().into(),
                })
            })
            .collect::<AppResult<_>>()?,
    })
}

/// Requests addressed to this identity, every status, newest first.
#[tauri::command]
#[specta::specta]
pub async fn requests_list<R: Runtime>(app: AppHandle<R>, uid: String) -> AppResult<Vec<RequestView>> {
    blocking(move || Ctx::new(&app.state::<AppState>(), &uid)?.requests()?.iter().map(view).collect()).await
}

fn record(r: &RevelationRequest, decision: Decision, statuses: Option<&[String]>) -> DecisionRecord {
    DecisionRecord {
        decision,
        revelation_request_uid: r.revelation_request_uid.0,
        revelation_requestor_uid: r.revelation_requestor_uid.0,
        request_description: r.revelation_request_description.clone(),
        keys: r
            .symkey_decryption_requests
            .iter()
            .enumerate()
            .map(|(i, s)| AnsweredKey {
                cryptainer_name: s.cryptainer_name.clone(),
                cryptainer_uid: s.cryptainer_uid.0,
                status: statuses.and_then(|st| st.get(i).cloned()).unwrap_or_default(),
            })
            .collect(),
    }
}

fn journal(state: &AppState, ctx: &Ctx, record: DecisionRecord) -> AppResult<()> {
    let _lock = state.store.lock()?;
    ctx.id.journal().append(ctx.id.uid(), record, &ctx.secrets.journal_key())?;
    Ok(())
}

/// Accepts a request: opens the needed private keys with the passphrase, decrypts each key locally,
/// re-encrypts it for the requestor and sends the per-key statuses. A wrong passphrase sends nothing.
#[tauri::command]
#[specta::specta]
pub async fn request_accept<R: Runtime>(
    app: AppHandle<R>,
    uid: String,
    request_uid: String,
    passphrase_value: String,
) -> AppResult<AcceptOutcome> {
    let pass = passphrase(passphrase_value);
    blocking(move || {
        let state = app.state::<AppState>();
        let ctx = Ctx::new(&state, &uid)?;
        let request = ctx.pending(&request_uid)?;
        accept_with(&state, &ctx, &request, &ctx.id.with_secrets(&ctx.secrets), &pass)
    })
    .await
}

fn accept_with(
    state: &AppState,
    ctx: &Ctx,
    request: &RevelationRequest,
    guardian: &flightbox::identity::Guardian<'_>,
    passphrase: &str,
) -> AppResult<AcceptOutcome> {
    let results =
        ops::accept(&ctx.client, guardian, &request.revelation_request_uid.0, passphrase).map_err(|e| ctx.err(e))?;
    let statuses: Vec<String> = results.iter().map(|r| r.symkey_decryption_status.as_str().to_string()).collect();
    journal(state, ctx, record(request, Decision::Accepted, Some(&statuses)))?;
    Ok(AcceptOutcome {
        decrypted: statuses.iter().filter(|s| *s == "DECRYPTED").count() as u32,
        statuses: request
            .symkey_decryption_requests
            .iter()
            .zip(&statuses)
            .map(|(s, st)| format!("{}: {st}", s.cryptainer_name))
            .collect(),
    })
}

/// Accepts a request with biometric approval instead of the passphrase. When the biometric check fails or is
/// cancelled nothing is sent (`BiometricFailed`: ask the passphrase); when the platform's key is gone (enrolment
/// changed) or the keys no longer open with the released key, biometric approval is also turned off for this
/// identity.
#[tauri::command]
#[specta::specta]
pub async fn request_accept_biometric<R: Runtime>(
    app: AppHandle<R>,
    uid: String,
    request_uid: String,
) -> AppResult<AcceptOutcome> {
    blocking(move || {
        let state = app.state::<AppState>();
        let ctx = Ctx::new(&state, &uid)?;
        let record = ctx
            .id
            .quick_unlock()?
            .ok_or_else(|| AppError::BiometricUnavailable("biometric approval is off for this identity".into()))?;
        let request = ctx.pending(&request_uid)?;
        let reason = format!("Approve the request {:?}", request.revelation_request_description);
        let key = match state.biometric_gate()?.unwrap(&reason, &record) {
            Err(AppError::BiometricUnavailable(why)) => {
                let _lock = state.store.lock()?;
                super::approval::turn_off(&state, &ctx.id)?;
                return Err(AppError::BiometricFailed(format!(
                    "{why}; biometric approval was turned off: use the passphrase"
                )));
            }
            other => other?,
        };
        match accept_with(&state, &ctx, &request, &ctx.id.with_unlock_key(&ctx.secrets, &key), "") {
            Err(AppError::WrongPassphrase { .. }) => {
                let _lock = state.store.lock()?;
                super::approval::turn_off(&state, &ctx.id)?;
                Err(AppError::BiometricFailed(
                    "biometric approval no longer matches the keys and was turned off: use the passphrase".into(),
                ))
            }
            other => other,
        }
    })
    .await
}

/// Rejects a request.
#[tauri::command]
#[specta::specta]
pub async fn request_reject<R: Runtime>(app: AppHandle<R>, uid: String, request_uid: String) -> AppResult<()> {
    blocking(move || {
        let state = app.state::<AppState>();
        let ctx = Ctx::new(&state, &uid)?;
        let request = ctx.pending(&request_uid)?;
        ops::reject(&ctx.client, &ctx.id.with_secrets(&ctx.secrets), &request.revelation_request_uid.0)
            .map_err(|e| ctx.err(e))?;
        journal(&state, &ctx, record(&request, Decision::Rejected, None))
    })
    .await
}
