//! The remote trustee (`jsonrpc_api` trustees of cryptoconfs), as the Witness Angel server's `/trustee/`
//! application: keypairs created on demand, signatures of digests, and decryption only within 24 hours of
//! an authorization request made less than 5 minutes after the keypair was created (upstream's rule).
//! Private keys are stored encrypted with the server's trustee secret.

use flightbox::ejson::{Bin, Int, Uid};
use flightbox::gateway::protocol::ErrorKind;
use flightbox::keys::{KeyAlgo, KeygenOptions, PemProtection, PrivateKey};
use flightbox::model::{SignatureAlgo, SignatureStruct};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{invalid, params, to_json, ApiError, ApiResult, AppState};

const GRACE_MS: i64 = 5 * 60 * 1000;
const LIFESPAN_MS: i64 = 24 * 3600 * 1000;
const MAX_MESSAGE: usize = 128;

fn algo(name: &str) -> ApiResult<KeyAlgo> {
    name.parse().map_err(|_| invalid(format!("unsupported key algorithm {name:?}")))
}

async fn ensure_key(
    st: &AppState,
    keychain_uid: &Uid,
    key_algo: KeyAlgo,
    create: bool,
) -> ApiResult<crate::store::TrusteeKeyRow> {
    let uid = keychain_uid.to_string();
    if let Some(k) = st.store.trustee_key(&uid, key_algo.as_str()).await? {
        return Ok(k);
    }
    if !create {
        return Err(ApiError::Functional(
            ErrorKind::KeyDoesNotExist,
            format!("Keypair {key_algo}/{uid} not found in database"),
        ));
    }
    let secret = st.trustee_secret.clone();
    let (public, private) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<u8>), String> {
        let k = flightbox::keys::generate(key_algo, KeygenOptions::default()).map_err(|e| e.to_string())?;
        let public = k.public_key().to_pem().map_err(|e| e.to_string())?;
        let private = k
            .to_pem_with(Some(&secret), PemProtection::Pbkdf2Sha256 { iterations: 1000 })
            .map_err(|e| e.to_string())?;
        Ok((public, private.to_vec()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Internal)?;
    st.store.insert_trustee_key(&uid, key_algo.as_str(), &public, &private, crate::now_ms()).await?;
    // Re-read: a concurrent creation may have won.
    st.store
        .trustee_key(&uid, key_algo.as_str())
        .await?
        .ok_or_else(|| ApiError::Internal("trustee key vanished".into()))
}

fn open_private(st: &AppState, row: &crate::store::TrusteeKeyRow, key_algo: KeyAlgo) -> ApiResult<PrivateKey> {
    PrivateKey::from_pem(&row.private_key_encrypted, key_algo, Some(&st.trustee_secret), "trustee key")
        .map_err(|e| ApiError::Internal(format!("trustee key unreadable (wrong trustee secret?): {e}")))
}

pub(crate) async fn dispatch(st: &AppState, method: &str, p: Value) -> ApiResult<Value> {
    match method {
        "fetch_public_key" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                keychain_uid: Uid,
                key_algo: String,
                #[serde(default)]
                must_exist: bool,
            }
            let p: P = params(p)?;
            let k = ensure_key(st, &p.keychain_uid, algo(&p.key_algo)?, !p.must_exist).await?;
            to_json(&Bin(k.public_key))
        }
        "get_message_signature" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                keychain_uid: Uid,
                message: Bin,
                signature_algo: String,
            }
            let p: P = params(p)?;
            if p.message.len() > MAX_MESSAGE {
                return Err(invalid("Message too big for signing, only a hash should be sent"));
            }
            let sig_algo: SignatureAlgo = p
                .signature_algo
                .parse()
                .map_err(|_| invalid(format!("unsupported signature algorithm {:?}", p.signature_algo)))?;
            let key_algo = KeyAlgo::from(sig_algo);
            let row = ensure_key(st, &p.keychain_uid, key_algo, true).await?;
            let key = open_private(st, &row, key_algo)?;
            let sig: SignatureStruct = flightbox::primitives::signature::sign(&key, sig_algo, &p.message)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            to_json(&sig)
        }
        "request_decryption_authorization" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Id {
                keychain_uid: Uid,
                key_algo: String,
            }
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                keypair_identifiers: Vec<Id>,
                request_message: String,
                #[serde(default)]
                passphrases: Option<Value>,
            }
            let p: P = params(p)?;
            let _ = (&p.request_message, &p.passphrases);
            if p.keypair_identifiers.is_empty() {
                return Err(invalid("Keypair identifiers must not be empty, when requesting decryption authorization"));
            }
            let now = crate::now_ms();
            let (mut ok, mut too_old, mut missing) = (0, 0, 0);
            for id in &p.keypair_identifiers {
                match st.store.trustee_key(&id.keychain_uid.to_string(), &id.key_algo).await? {
                    None => missing += 1,
                    Some(k) if k.created_at < now - GRACE_MS => too_old += 1,
                    Some(_) => {
                        st.store.authorize_trustee_key(&id.keychain_uid.to_string(), &id.key_algo, now).await?;
                        ok += 1;
                    }
                }
            }
            Ok(json!({
                "response_message": format!("Authorization provided to {ok} key pairs for 24h, rejected for {too_old} key pairs due to age, and impossible for {missing} key pairs not found"),
                "success_count": to_json(&Int(ok))?, "too_old_count": to_json(&Int(too_old))?, "not_found_count": to_json(&Int(missing))?,
            }))
        }
        "decrypt_with_private_key" => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct P {
                keychain_uid: Uid,
                cipher_algo: String,
                cipherdict: Value,
                #[serde(default)]
                passphrases: Option<Value>,
                #[serde(default)]
                cryptainer_metadata: Option<Value>,
            }
            let p: P = params(p)?;
            // As upstream: server keys have no passphrase, and the metadata is not checked.
            let _ = (&p.passphrases, &p.cryptainer_metadata);
            if p.cipher_algo != "RSA_OAEP" {
                return Err(invalid(format!("unsupported cipher {:?}", p.cipher_algo)));
            }
            let row = ensure_key(st, &p.keychain_uid, KeyAlgo::RsaOaep, false).await?;
            let now = crate::now_ms();
            match row.decryption_authorized_at {
                Some(at) if at <= now && now <= at + LIFESPAN_MS => {}
                Some(_) => {
                    return Err(ApiError::Functional(
                        ErrorKind::AuthorizationError,
                        "Decryption authorization has expired".into(),
                    ))
                }
                None => {
                    return Err(ApiError::Functional(ErrorKind::AuthorizationError, "Decryption not authorized".into()))
                }
            }
            let key = open_private(st, &row, KeyAlgo::RsaOaep)?;
            let text = p.cipherdict.to_string();
            let cd = flightbox::primitives::rsa_oaep::OaepCipherdict::from_json(text.as_bytes())
                .map_err(|e| invalid(format!("cipherdict: {e}")))?;
            let plain = flightbox::primitives::rsa_oaep::decrypt(
                key.as_rsa().map_err(|e| ApiError::Internal(e.to_string()))?,
                &cd,
            )
            .map_err(|e| {
                ApiError::Functional(ErrorKind::FunctionalError, format!("Failed RSA_OAEP decryption ({e})"))
            })?;
            to_json(&Bin(plain.to_vec()))
        }
        other => Err(ApiError::UnknownMethod(other.to_string())),
    }
}
