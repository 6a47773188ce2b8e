//! The Flightbox gateway: the Witness Angel gateway's JSON-RPC methods, envelope, errors and quirks, over
//! an embedded SQLite database (or PostgreSQL), stricter where upstream is weak: duplicate public keys,
//! empty request lists, non-RSA response keys and over-long fields are `ValidationError`s, request bodies
//! are bounded, secrets are stored as Argon2id hashes, and internal errors never leak details.
#![forbid(unsafe_code)]

pub mod store;
mod trustee;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use flightbox::ejson::{Bin, DateTimeMs, Uid};
use flightbox::gateway::protocol::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{AuthenticatorRow, KeyRow, NewRequest, RequestRow, Store, StoreError};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 << 20;
const MAX_OWNER: usize = 256;
const MAX_SECRET: usize = 256;
const MAX_KEYS: usize = 64;
const MAX_KEY_BYTES: usize = 16 << 10;
const MAX_DESCRIPTION: usize = 10_000;
const MAX_SYMKEYS: usize = 1000;
const MAX_NAME: usize = 1000;
const MAX_METADATA: usize = 64 << 10;
const MAX_BLOB: usize = 64 << 10;

pub(crate) struct AppState {
    store: Store,
    /// Protects the remote trustee's private keys at rest.
    trustee_secret: zeroize::Zeroizing<String>,
    /// SHA-256 of secrets already checked against their Argon2id hash, so that polling stays cheap.
    verified: Mutex<HashMap<String, [u8; 32]>>,
}

/// The HTTP routes, with a throw-away trustee secret (remote trustee keys do not survive a restart: for tests).
pub fn router(store: Store) -> Router {
    let mut secret = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
    router_with_trustee_secret(store, secret.iter().map(|b| format!("{b:02x}")).collect())
}

/// The HTTP routes: the gateway at `/gateway/jsonrpc/` and the remote trustee at `/trustee/jsonrpc/`, whose
/// private keys are encrypted with `trustee_secret`.
pub fn router_with_trustee_secret(store: Store, trustee_secret: String) -> Router {
    let state = Arc::new(AppState {
        store,
        trustee_secret: zeroize::Zeroizing::new(trustee_secret),
        verified: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/gateway/jsonrpc/", post(handle))
        .route("/trustee/jsonrpc/", post(handle_trustee))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Runs a gateway on 127.0.0.1 (a free port) in a background thread with its own runtime, until the
/// process ends: for tests and demos that embed one. Returns its base URL (`http://127.0.0.1:PORT`).
pub fn serve_in_background(database_url: &str) -> Result<String, String> {
    let url = database_url.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = (|| -> Result<(tokio::runtime::Runtime, Store, tokio::net::TcpListener), String> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let (store, listener) = rt.block_on(async {
                let store = Store::connect(&url).await.map_err(|e| e.to_string())?;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
                Ok::<_, String>((store, listener))
            })?;
            Ok((rt, store, listener))
        })();
        match started {
            Ok((rt, store, listener)) => {
                let addr = listener.local_addr().map_err(|e| e.to_string());
                let _ = tx.send(addr);
                let _ = rt.block_on(async move { axum::serve(listener, router(store)).await });
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    let addr = rx.recv().map_err(|e| e.to_string())??;
    Ok(format!("http://{addr}"))
}

pub(crate) enum ApiError {
    Functional(ErrorKind, String),
    UnknownMethod(String),
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

pub(crate) fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::Functional(ErrorKind::ValidationError, msg.into())
}

fn reply(status: StatusCode, body: Value) -> Response {
    let mut out = Vec::new();
    flightbox::ejson::write_value(&body, &mut out);
    (status, [(header::CONTENT_TYPE, "application/json")], out).into_response()
}

async fn handle(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    handle_any(st, body, false).await
}

async fn handle_trustee(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    handle_any(st, body, true).await
}

async fn handle_any(st: Arc<AppState>, body: Bytes, trustee: bool) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"id": null, "error": {"code": -32700, "message": "Parse error"}}),
        );
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"id": id, "error": {"code": -32600, "message": "Invalid request"}}),
        );
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::Object(_)) => Ok(request["params"].clone()),
        Some(Value::Array(a)) if a.is_empty() => Ok(json!({})),
        Some(_) => {
            Err(invalid("Json-Rpc parameters must be passed as keyword arguments for this API, not by position"))
        }
    };
    let result = match params {
        Ok(p) if trustee => trustee::dispatch(&st, method, p).await,
        Ok(p) => dispatch(&st, method, p).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(result) => reply(StatusCode::OK, json!({"id": id, "result": result})),
        Err(ApiError::Functional(kind, message)) => reply(
            StatusCode::OK,
            json!({"id": id, "error": {"name": "JSONRPCError", "code": 400,
                "message": "Server-side exception occurred, see error data for details",
                "data": {"status_slugs": kind.status_slugs(), "data": null, "message_translated": null, "message_untranslated": message}}}),
        ),
        Err(ApiError::UnknownMethod(m)) => reply(
            StatusCode::NOT_FOUND,
            json!({"id": id, "error": {"code": -32601, "message": format!("Method not found: {m}")}}),
        ),
        Err(ApiError::Internal(detail)) => {
            eprintln!("internal error in {method}: {detail}");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"id": id, "error": {"code": -32603, "message": "Internal error"}}),
            )
        }
    }
}

pub(crate) fn params<T: DeserializeOwned>(v: Value) -> ApiResult<T> {
    let text = v.to_string();
    flightbox::ejson::from_slice(text.as_bytes()).map_err(|e| invalid(format!("Incorrect input arguments ({e})")))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> ApiResult<Value> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}

async fn dispatch(st: &AppState, method: &str, p: Value) -> ApiResult<Value> {
    match method {
        "set_public_authenticator" => set_public_authenticator(st, params(p)?).await,
        "get_public_authenticator" => get_public_authenticator(st, params(p)?).await,
        "submit_revelation_request" => submit_revelation_request(st, params(p)?).await,
        "list_requestor_revelation_requests" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                revelation_requestor_uid: Uid,
            }
            let p: P = params(p)?;
            let rows =
                st.store.requests_by("revelation_requestor_uid", &p.revelation_requestor_uid.to_string()).await?;
            list(st, rows).await
        }
        "list_authenticator_revelation_requests" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                authenticator_keystore_uid: Uid,
                authenticator_keystore_secret: String,
            }
            let p: P = params(p)?;
            let uid = p.authenticator_keystore_uid.to_string();
            let a = authenticator(st, &uid).await?;
            check_secret(st, &a, &p.authenticator_keystore_secret).await?;
            let rows = st.store.requests_by("keystore_uid", &uid).await?;
            list(st, rows).await
        }
        "reject_revelation_request" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                revelation_request_uid: Uid,
                authenticator_keystore_secret: String,
            }
            let p: P = params(p)?;
            let req = authorized_request(st, &p.revelation_request_uid, &p.authenticator_keystore_secret).await?;
            if !st.store.finish_request(&req.revelation_request_uid, "REJECTED", &[]).await? {
                let now = st.store.request(&req.revelation_request_uid).await?.map(|r| r.revelation_request_status);
                return Err(invalid(format!(
                    "Cannot reject a revelation request in status {}",
                    now.unwrap_or_default()
                )));
            }
            Ok(Value::Null)
        }
        "accept_revelation_request" => accept(st, params(p)?).await,
        other => Err(ApiError::UnknownMethod(other.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyIn {
    keychain_uid: Uid,
    key_algo: String,
    key_value: Bin,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetParams {
    keystore_uid: Uid,
    keystore_owner: String,
    public_keys: Vec<PublicKeyIn>,
    keystore_secret: String,
    #[serde(default)]
    keystore_creation_datetime: Option<DateTimeMs>,
}

pub(crate) fn now_ms() -> i64 {
    DateTimeMs::now().0
}

async fn hash_secret(secret: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::generate(&mut rand_core::OsRng);
        argon2()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

fn argon2() -> argon2::Argon2<'static> {
    // OWASP's Argon2id parameters: 19 MiB, 2 passes.
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

fn sha256(s: &str) -> [u8; 32] {
    use flightbox_sha::Digest;
    flightbox_sha::Sha256::digest(s.as_bytes()).into()
}

mod flightbox_sha {
    pub use sha2::{Digest, Sha256};
}

async fn check_secret(st: &AppState, a: &AuthenticatorRow, secret: &str) -> ApiResult<()> {
    let digest = sha256(secret);
    let cached = st.verified.lock().map(|m| m.get(&a.keystore_uid).copied()).unwrap_or(None);
    if let Some(c) = cached {
        use subtle::ConstantTimeEq;
        if bool::from(c.ct_eq(&digest)) {
            return Ok(());
        }
    }
    let hash = a.keystore_secret_hash.clone();
    let secret = secret.to_string();
    let ok = tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash).map(|h| argon2().verify_password(secret.as_bytes(), &h).is_ok()).unwrap_or(false)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !ok {
        return Err(ApiError::Functional(
            ErrorKind::AuthenticationError,
            "The provided keystore secret is not correct for target authenticator".into(),
        ));
    }
    if let Ok(mut m) = st.verified.lock() {
        m.insert(a.keystore_uid.clone(), digest);
    }
    Ok(())
}

async fn authenticator(st: &AppState, uid: &str) -> ApiResult<AuthenticatorRow> {
    st.store.authenticator(uid).await?.ok_or_else(|| {
        ApiError::Functional(ErrorKind::KeystoreDoesNotExist, format!("Authenticator {uid} does not exist in database"))
    })
}

async fn set_public_authenticator(st: &AppState, p: SetParams) -> ApiResult<Value> {
    if p.keystore_owner.trim().is_empty() || p.keystore_owner.chars().count() > MAX_OWNER {
        return Err(invalid(format!("keystore_owner must have 1 to {MAX_OWNER} characters")));
    }
    if p.keystore_secret.is_empty() || p.keystore_secret.len() > MAX_SECRET {
        return Err(invalid(format!("keystore_secret must have 1 to {MAX_SECRET} characters")));
    }
    if p.public_keys.is_empty() || p.public_keys.len() > MAX_KEYS {
        return Err(invalid(format!("public_keys must hold 1 to {MAX_KEYS} keys")));
    }
    let mut seen_ids = std::collections::HashSet::new();
    let mut seen_values = std::collections::HashSet::new();
    for k in &p.public_keys {
        if k.key_algo != "RSA_OAEP" {
            return Err(invalid(format!("unsupported key_algo {:?} (RSA_OAEP expected)", k.key_algo)));
        }
        if k.key_value.len() > MAX_KEY_BYTES {
            return Err(invalid("key_value too long"));
        }
        flightbox::keys::PublicKey::from_pem(&k.key_value, flightbox::keys::KeyAlgo::RsaOaep)
            .and_then(|pk| pk.as_rsa().cloned())
            .and_then(|r| flightbox::primitives::rsa_oaep::encrypt(&r, b"").map(|_| ()))
            .map_err(|e| invalid(format!("key_value of {} is not a usable RSA public key ({e})", k.keychain_uid)))?;
        if !seen_ids.insert((k.keychain_uid, k.key_algo.clone())) || !seen_values.insert(k.key_value.0.clone()) {
            return Err(invalid(format!("duplicate public key {} in public_keys", k.keychain_uid)));
        }
    }
    let uid = p.keystore_uid.to_string();
    let hash = hash_secret(p.keystore_secret).await?;
    let row = AuthenticatorRow {
        keystore_uid: uid.clone(),
        keystore_owner: p.keystore_owner,
        keystore_creation_datetime: p.keystore_creation_datetime.map(|d| d.0),
        keystore_secret_hash: hash,
    };
    let keys: Vec<(String, String, Vec<u8>)> =
        p.public_keys.into_iter().map(|k| (k.keychain_uid.to_string(), k.key_algo, k.key_value.0)).collect();
    if !st.store.insert_authenticator(&row, &keys, now_ms()).await? {
        return Err(ApiError::Functional(
            ErrorKind::KeystoreAlreadyExists,
            format!("Authenticator {uid} already exists in database"),
        ));
    }
    Ok(Value::Null)
}

fn uid_of(s: &str) -> ApiResult<Uid> {
    uuid::Uuid::parse_str(s).map(Uid).map_err(|e| ApiError::Internal(format!("bad uid in database: {e}")))
}

fn key_entry(k: &KeyRow) -> ApiResult<PublicKeyEntry> {
    Ok(PublicKeyEntry {
        keychain_uid: uid_of(&k.keychain_uid)?,
        key_algo: k.key_algo.clone(),
        key_value: Bin(k.key_value.clone()),
    })
}

async fn public_authenticator(st: &AppState, a: &AuthenticatorRow) -> ApiResult<PublicAuthenticator> {
    let keys = st.store.keys(&a.keystore_uid).await?;
    Ok(PublicAuthenticator {
        keystore_uid: uid_of(&a.keystore_uid)?,
        keystore_owner: a.keystore_owner.clone(),
        keystore_creation_datetime: a.keystore_creation_datetime.map(DateTimeMs),
        public_keys: keys.iter().map(key_entry).collect::<ApiResult<_>>()?,
    })
}

async fn get_public_authenticator(st: &AppState, p: GetParams) -> ApiResult<Value> {
    let a = authenticator(st, &p.keystore_uid.to_string()).await?;
    if let Some(secret) = p.keystore_secret.as_deref().filter(|s| !s.is_empty()) {
        check_secret(st, &a, secret).await?;
    }
    to_json(&public_authenticator(st, &a).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetParams {
    keystore_uid: Uid,
    #[serde(default)]
    keystore_secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitParams {
    authenticator_keystore_uid: Uid,
    revelation_requestor_uid: Uid,
    revelation_request_description: String,
    revelation_response_public_key: Bin,
    revelation_response_keychain_uid: Uid,
    revelation_response_key_algo: String,
    symkey_decryption_requests: Vec<SymkeyDecryptionRequestInput>,
}

async fn submit_revelation_request(st: &AppState, p: SubmitParams) -> ApiResult<Value> {
    if p.revelation_request_description.trim().is_empty()
        || p.revelation_request_description.chars().count() > MAX_DESCRIPTION
    {
        return Err(invalid(format!("revelation_request_description must have 1 to {MAX_DESCRIPTION} characters")));
    }
    if p.revelation_response_key_algo != "RSA_OAEP" {
        return Err(invalid(format!(
            "revelation_response_key_algo must be RSA_OAEP, not {:?}",
            p.revelation_response_key_algo
        )));
    }
    flightbox::keys::PublicKey::from_pem(&p.revelation_response_public_key, flightbox::keys::KeyAlgo::RsaOaep)
        .and_then(|k| k.as_rsa().cloned())
        .and_then(|r| flightbox::primitives::rsa_oaep::encrypt(&r, b"").map(|_| ()))
        .map_err(|e| invalid(format!("revelation_response_public_key is not a usable RSA public key ({e})")))?;
    if p.symkey_decryption_requests.is_empty() || p.symkey_decryption_requests.len() > MAX_SYMKEYS {
        return Err(invalid(format!("symkey_decryption_requests must hold 1 to {MAX_SYMKEYS} entries")));
    }
    let mut seen = std::collections::HashSet::new();
    for s in &p.symkey_decryption_requests {
        if !seen.insert(s.symkey_decryption_request_data.0.clone()) {
            return Err(invalid("Duplicate symkey_decryption_request_data values found in symkey_decryption_requests"));
        }
        if s.symkey_decryption_request_data.is_empty() || s.symkey_decryption_request_data.len() > MAX_BLOB {
            return Err(invalid("symkey_decryption_request_data must have 1 byte to 64 KiB"));
        }
        if s.cryptainer_name.chars().count() > MAX_NAME {
            return Err(invalid("cryptainer_name too long"));
        }
        if let Some(m) = &s.cryptainer_metadata {
            if !m.is_object() && !m.is_null() {
                return Err(invalid("cryptainer_metadata must be a dict or null"));
            }
        }
    }
    let uid = p.authenticator_keystore_uid.to_string();
    let _ = authenticator(st, &uid).await?;
    let keys = st.store.keys(&uid).await?;
    let mut symkeys = Vec::with_capacity(p.symkey_decryption_requests.len());
    for s in p.symkey_decryption_requests {
        let kc = s.keychain_uid.to_string();
        let key = keys.iter().find(|k| k.keychain_uid == kc && k.key_algo == s.key_algo).ok_or_else(|| {
            ApiError::Functional(
                ErrorKind::KeyDoesNotExist,
                format!("Public key {kc} does not exist in key storage for authenticator {uid}"),
            )
        })?;
        let meta = match s.cryptainer_metadata.filter(|m| !m.is_null()) {
            Some(m) => {
                let canonical =
                    flightbox::ejson::canonicalize(&m).map_err(|e| invalid(format!("cryptainer_metadata: {e}")))?;
                let mut out = Vec::new();
                flightbox::ejson::write_value(&canonical, &mut out);
                if out.len() > MAX_METADATA {
                    return Err(invalid("cryptainer_metadata too large"));
                }
                Some(String::from_utf8(out).map_err(|e| ApiError::Internal(e.to_string()))?)
            }
            None => None,
        };
        symkeys.push((
            key.id,
            s.cryptainer_uid.to_string(),
            s.cryptainer_name,
            meta,
            s.symkey_decryption_request_data.0,
        ));
    }
    let row = RequestRow {
        revelation_request_uid: uuid::Uuid::new_v4().to_string(),
        keystore_uid: uid,
        revelation_requestor_uid: p.revelation_requestor_uid.to_string(),
        revelation_request_description: p.revelation_request_description,
        revelation_response_public_key: p.revelation_response_public_key.0,
        revelation_response_keychain_uid: p.revelation_response_keychain_uid.to_string(),
        revelation_response_key_algo: p.revelation_response_key_algo,
        revelation_request_status: "PENDING".into(),
        created_at: now_ms(),
    };
    st.store.insert_request(&NewRequest { row, symkeys }).await?;
    Ok(Value::Null)
}

fn status<T: DeserializeOwned>(s: &str) -> ApiResult<T> {
    serde_json::from_value(Value::String(s.to_string()))
        .map_err(|e| ApiError::Internal(format!("bad status in database: {e}")))
}

async fn list(st: &AppState, rows: Vec<RequestRow>) -> ApiResult<Value> {
    let mut authenticators: HashMap<String, PublicAuthenticator> = HashMap::new();
    let mut keys: HashMap<i64, PublicKeyEntry> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if !authenticators.contains_key(&r.keystore_uid) {
            let a = authenticator(st, &r.keystore_uid).await?;
            authenticators.insert(r.keystore_uid.clone(), public_authenticator(st, &a).await?);
            for k in st.store.keys(&r.keystore_uid).await? {
                keys.insert(k.id, key_entry(&k)?);
            }
        }
        let mut symkeys = Vec::new();
        for s in st.store.symkeys(&r.revelation_request_uid).await? {
            let target = match keys.get(&s.key_id) {
                Some(k) => k.clone(),
                None => {
                    key_entry(&st.store.key(s.key_id).await?.ok_or_else(|| ApiError::Internal("dangling key".into()))?)?
                }
            };
            let metadata = match &s.cryptainer_metadata {
                Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|e| ApiError::Internal(e.to_string()))?),
                None => None,
            };
            symkeys.push(SymkeyDecryption {
                target_public_authenticator_key: target,
                cryptainer_name: s.cryptainer_name,
                cryptainer_uid: uid_of(&s.cryptainer_uid)?,
                cryptainer_metadata: metadata,
                symkey_decryption_request_data: Bin(s.request_data),
                symkey_decryption_response_data: Bin(s.response_data),
                symkey_decryption_status: status(&s.status)?,
            });
        }
        out.push(RevelationRequest {
            target_public_authenticator: authenticators[&r.keystore_uid].clone(),
            revelation_request_uid: uid_of(&r.revelation_request_uid)?,
            revelation_requestor_uid: uid_of(&r.revelation_requestor_uid)?,
            revelation_request_description: r.revelation_request_description,
            revelation_response_public_key: Bin(r.revelation_response_public_key),
            revelation_response_keychain_uid: uid_of(&r.revelation_response_keychain_uid)?,
            revelation_response_key_algo: r.revelation_response_key_algo,
            revelation_request_status: status(&r.revelation_request_status)?,
            symkey_decryption_requests: symkeys,
            created_at: DateTimeMs(r.created_at),
        });
    }
    to_json(&out)
}

async fn authorized_request(st: &AppState, uid: &Uid, secret: &str) -> ApiResult<RequestRow> {
    let req = st.store.request(&uid.to_string()).await?.ok_or_else(|| {
        ApiError::Functional(ErrorKind::ExistenceError, format!("Revelation request {uid} does not exist"))
    })?;
    let a = authenticator(st, &req.keystore_uid).await?;
    check_secret(st, &a, secret).await?;
    Ok(req)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptParams {
    revelation_request_uid: Uid,
    authenticator_keystore_secret: String,
    symkey_decryption_results: Vec<SymkeyDecryptionResult>,
}

async fn accept(st: &AppState, p: AcceptParams) -> ApiResult<Value> {
    if p.symkey_decryption_results.is_empty() {
        return Err(invalid("symkey_decryption_results must not be empty"));
    }
    for r in &p.symkey_decryption_results {
        if r.symkey_decryption_status == SymkeyDecryptionStatus::Pending {
            return Err(invalid("symkey_decryption_status PENDING is not an answer"));
        }
        if r.symkey_decryption_response_data.len() > MAX_BLOB {
            return Err(invalid("symkey_decryption_response_data too long"));
        }
        let decrypted = r.symkey_decryption_status == SymkeyDecryptionStatus::Decrypted;
        if decrypted == r.symkey_decryption_response_data.is_empty() {
            return Err(invalid(format!(
                "Incoherence between symkey_decryption_status={} and presence of symkey_decryption_response_data",
                r.symkey_decryption_status.as_str()
            )));
        }
    }
    let req = authorized_request(st, &p.revelation_request_uid, &p.authenticator_keystore_secret).await?;
    if req.revelation_request_status != "PENDING" {
        return Err(invalid(format!("Cannot accept a revelation request in status {}", req.revelation_request_status)));
    }
    let expected: std::collections::HashSet<Vec<u8>> =
        st.store.symkeys(&req.revelation_request_uid).await?.into_iter().map(|s| s.request_data).collect();
    let received: std::collections::HashSet<Vec<u8>> =
        p.symkey_decryption_results.iter().map(|r| r.symkey_decryption_request_data.0.clone()).collect();
    if expected != received || received.len() != p.symkey_decryption_results.len() {
        return Err(invalid(format!(
            "Difference between expected and received symkey_decryption_results: {} unexpected, {} missing",
            received.difference(&expected).count(),
            expected.difference(&received).count()
        )));
    }
    let answers: Vec<(Vec<u8>, Vec<u8>, String)> = p
        .symkey_decryption_results
        .into_iter()
        .map(|r| {
            (
                r.symkey_decryption_request_data.0,
                r.symkey_decryption_response_data.0,
                r.symkey_decryption_status.as_str().to_string(),
            )
        })
        .collect();
    if !st.store.finish_request(&req.revelation_request_uid, "ACCEPTED", &answers).await? {
        return Err(invalid("Cannot accept a revelation request that was handled meanwhile"));
    }
    Ok(Value::Null)
}
