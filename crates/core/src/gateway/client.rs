//! JSON-RPC client of the gateway, over HTTP(S) with rustls. Calls that only read are retried on transport
//! errors and 5xx answers; calls that change state are never retried blindly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::ejson::{DateTimeMs, Uid};
use crate::gateway::protocol::*;

/// Largest answer read from a gateway.
pub const MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// A gateway endpoint.
pub struct GatewayClient {
    url: String,
    agent: ureq::Agent,
    next_id: AtomicU64,
    retries: u32,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GatewayClient({})", self.url)
    }
}

type R<T> = std::result::Result<T, GatewayError>;

impl GatewayClient {
    /// A client for a gateway given by its base URL (`https://host`) or its full endpoint URL.
    pub fn new(url: &str) -> R<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(GatewayError::Protocol(format!(
                "gateway URL must start with http:// or https://, got {url:?}"
            )));
        }
        let url = if trimmed.ends_with("/gateway/jsonrpc") {
            format!("{trimmed}/")
        } else {
            format!("{trimmed}{JSONRPC_PATH}")
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("flightbox/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(GatewayClient { url, agent, next_id: AtomicU64::new(1), retries: 2 })
    }

    /// A client for a JSON-RPC endpoint given by its full URL (a `jsonrpc_api` trustee's `jsonrpc_url`).
    pub fn for_endpoint(url: &str) -> R<Self> {
        let mut c = Self::new(url)?;
        c.url = url.trim().to_string();
        Ok(c)
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn call<T: DeserializeOwned>(&self, method: &str, params: Value, idempotent: bool) -> R<T> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut body = Vec::new();
        crate::ejson::write_value(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}), &mut body);
        let mut attempt = 0;
        loop {
            match self.call_once::<T>(&body) {
                Err(e @ (GatewayError::Unreachable { .. } | GatewayError::Http { status: 500..=599, .. }))
                    if idempotent && attempt < self.retries =>
                {
                    let _ = e;
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(300 * u64::from(attempt)));
                }
                other => return other,
            }
        }
    }

    fn call_once<T: DeserializeOwned>(&self, body: &[u8]) -> R<T> {
        let resp = self.agent.post(&self.url).set("Content-Type", "application/json").send_bytes(body);
        let (status, resp) = match resp {
            Ok(r) => (r.status(), r),
            Err(ureq::Error::Status(code, r)) => (code, r),
            Err(ureq::Error::Transport(t)) => {
                return Err(GatewayError::Unreachable { url: self.url.clone(), message: t.to_string() })
            }
        };
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(resp.into_reader(), MAX_RESPONSE_BYTES), &mut bytes)
            .map_err(|e| GatewayError::Unreachable { url: self.url.clone(), message: e.to_string() })?;
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        let error_message = |v: &Option<Value>| {
            v.as_ref()
                .and_then(|v| v["error"]["message"].as_str().map(String::from))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned())
        };
        if status != 200 {
            return Err(GatewayError::Http { status, message: error_message(&parsed) });
        }
        let Some(Value::Object(envelope)) = parsed else {
            return Err(GatewayError::Protocol("the answer is not a JSON object".into()));
        };
        if let Some(err) = envelope.get("error").filter(|e| !e.is_null()) {
            let data = &err["data"];
            let slugs: Vec<String> = data["status_slugs"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                .unwrap_or_default();
            let message =
                data["message_untranslated"].as_str().or(err["message"].as_str()).unwrap_or("error").to_string();
            if slugs.is_empty() {
                return Err(GatewayError::Protocol(message));
            }
            return Err(GatewayError::Functional { kind: ErrorKind::from_slugs(&slugs), message });
        }
        let result = envelope.get("result").cloned().unwrap_or(Value::Null);
        let text = result.to_string();
        crate::ejson::from_slice(text.as_bytes()).map_err(|e| GatewayError::Protocol(e.to_string()))
    }

    /// Publishes an identity (once: a second publication is `KeystoreAlreadyExists`).
    pub fn set_public_authenticator(
        &self,
        keystore_uid: Uid,
        keystore_owner: &str,
        public_keys: &[PublicKeyEntry],
        keystore_secret: &str,
        keystore_creation_datetime: Option<DateTimeMs>,
    ) -> R<()> {
        let mut p = Map::new();
        p.insert("keystore_uid".into(), to_value(&keystore_uid)?);
        p.insert("keystore_owner".into(), json!(keystore_owner));
        p.insert("public_keys".into(), to_value(public_keys)?);
        p.insert("keystore_secret".into(), json!(keystore_secret));
        if let Some(d) = keystore_creation_datetime {
            p.insert("keystore_creation_datetime".into(), to_value(&d)?);
        }
        self.call::<Value>("set_public_authenticator", Value::Object(p), false).map(|_| ())
    }

    /// A published identity; with the secret, also checks that it is still the right one.
    pub fn get_public_authenticator(&self, keystore_uid: Uid, keystore_secret: Option<&str>) -> R<PublicAuthenticator> {
        let mut p = Map::new();
        p.insert("keystore_uid".into(), to_value(&keystore_uid)?);
        if let Some(s) = keystore_secret {
            p.insert("keystore_secret".into(), json!(s));
        }
        self.call("get_public_authenticator", Value::Object(p), true)
    }

    /// Submits a revelation request to one guardian.
    #[allow(clippy::too_many_arguments)]
    pub fn submit_revelation_request(
        &self,
        authenticator_keystore_uid: Uid,
        revelation_requestor_uid: Uid,
        revelation_request_description: &str,
        revelation_response_public_key: &[u8],
        revelation_response_keychain_uid: Uid,
        symkey_decryption_requests: &[SymkeyDecryptionRequestInput],
    ) -> R<()> {
        let p = json!({
            "authenticator_keystore_uid": to_value(&authenticator_keystore_uid)?,
            "revelation_requestor_uid": to_value(&revelation_requestor_uid)?,
            "revelation_request_description": revelation_request_description,
            "revelation_response_public_key": to_value(&crate::ejson::Bin(revelation_response_public_key.to_vec()))?,
            "revelation_response_keychain_uid": to_value(&revelation_response_keychain_uid)?,
            "revelation_response_key_algo": "RSA_OAEP",
            "symkey_decryption_requests": to_value(symkey_decryption_requests)?,
        });
        self.call::<Value>("submit_revelation_request", p, false).map(|_| ())
    }

    /// Requests made by a requestor, every status.
    pub fn list_requestor_revelation_requests(&self, revelation_requestor_uid: Uid) -> R<Vec<RevelationRequest>> {
        self.call(
            "list_requestor_revelation_requests",
            json!({"revelation_requestor_uid": to_value(&revelation_requestor_uid)?}),
            true,
        )
    }

    /// Requests made to a guardian, every status.
    pub fn list_authenticator_revelation_requests(
        &self,
        keystore_uid: Uid,
        keystore_secret: &str,
    ) -> R<Vec<RevelationRequest>> {
        let p = json!({"authenticator_keystore_uid": to_value(&keystore_uid)?, "authenticator_keystore_secret": keystore_secret});
        self.call("list_authenticator_revelation_requests", p, true)
    }

    /// Refuses a pending request.
    pub fn reject_revelation_request(&self, revelation_request_uid: Uid, keystore_secret: &str) -> R<()> {
        let p = json!({"revelation_request_uid": to_value(&revelation_request_uid)?, "authenticator_keystore_secret": keystore_secret});
        self.call::<Value>("reject_revelation_request", p, false).map(|_| ())
    }

    /// Answers a pending request.
    pub fn accept_revelation_request(
        &self,
        revelation_request_uid: Uid,
        keystore_secret: &str,
        results: &[SymkeyDecryptionResult],
    ) -> R<()> {
        let p = json!({
            "revelation_request_uid": to_value(&revelation_request_uid)?,
            "authenticator_keystore_secret": keystore_secret,
            "symkey_decryption_results": to_value(results)?,
        });
        self.call::<Value>("accept_revelation_request", p, false).map(|_| ())
    }
}

/// Calls of a remote trustee (`jsonrpc_api` trustee, the Witness Angel server's `/trustee/jsonrpc/`).
impl GatewayClient {
    /// Public key PEM of a keypair, created by the trustee unless `must_exist`.
    pub fn fetch_public_key(&self, keychain_uid: Uid, key_algo: &str, must_exist: bool) -> R<Vec<u8>> {
        let p = json!({"keychain_uid": to_value(&keychain_uid)?, "key_algo": key_algo, "must_exist": must_exist});
        self.call::<crate::ejson::Bin>("fetch_public_key", p, true).map(|b| b.0)
    }

    /// A timestamped signature of a (digest) message.
    pub fn get_message_signature(
        &self,
        keychain_uid: Uid,
        message: &[u8],
        signature_algo: &str,
    ) -> R<crate::model::SignatureStruct> {
        let p = json!({"keychain_uid": to_value(&keychain_uid)?, "message": to_value(&crate::ejson::Bin(message.to_vec()))?, "signature_algo": signature_algo});
        self.call("get_message_signature", p, false)
    }

    /// Asks the trustee to allow decryption with these keypairs (keychain uid, key algo).
    pub fn request_decryption_authorization(&self, keypairs: &[(Uid, String)], request_message: &str) -> R<Value> {
        let ids: Vec<Value> =
            keypairs.iter().map(|(u, a)| Ok(json!({"keychain_uid": to_value(u)?, "key_algo": a}))).collect::<R<_>>()?;
        self.call(
            "request_decryption_authorization",
            json!({"keypair_identifiers": ids, "request_message": request_message}),
            false,
        )
    }

    /// Decrypts a cipherdict with the trustee's private key; returns the key struct bytes.
    pub fn decrypt_with_private_key(&self, keychain_uid: Uid, cipher_algo: &str, cipherdict: &Value) -> R<Vec<u8>> {
        let p = json!({"keychain_uid": to_value(&keychain_uid)?, "cipher_algo": cipher_algo, "cipherdict": cipherdict});
        self.call::<crate::ejson::Bin>("decrypt_with_private_key", p, false).map(|b| b.0)
    }
}

fn to_value<T: serde::Serialize + ?Sized>(v: &T) -> R<Value> {
    serde_json::to_value(v).map_err(|e| GatewayError::Protocol(e.to_string()))
}
