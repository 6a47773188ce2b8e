//! Trustees reached over JSON-RPC (`jsonrpc_api`), beside the keystore pool's local and imported ones.

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::cryptainer::TrusteeKeys;
use crate::ejson::Uid;
use crate::error::{Error, Result};
use crate::gateway::client::GatewayClient;
use crate::keys::{KeyAlgo, PrivateKey, PublicKey};
use crate::keystore::KeystorePool;
use crate::model::{Cryptainer, KeyCipherLayer, SignatureAlgo, SignatureStruct, Trustee};
use crate::report::{Level, OperationReport};

/// The keystore pool, plus remote trustees through their `jsonrpc_url`.
pub struct PoolWithRemoteTrustees<'a> {
    pool: &'a KeystorePool,
    clients: Mutex<HashMap<String, std::sync::Arc<GatewayClient>>>,
    /// Sentence sent with authorization requests.
    pub request_message: String,
}

impl<'a> PoolWithRemoteTrustees<'a> {
    /// Wraps a pool.
    pub fn new(pool: &'a KeystorePool) -> Self {
        PoolWithRemoteTrustees {
            pool,
            clients: Mutex::new(HashMap::new()),
            request_message: "Decryption requested with flightbox".into(),
        }
    }

    fn client(&self, url: &str) -> Result<std::sync::Arc<GatewayClient>> {
        let mut map = self.clients.lock().map_err(|_| Error::NotSupported("client cache poisoned".into()))?;
        if let Some(c) = map.get(url) {
            return Ok(c.clone());
        }
        let c = std::sync::Arc::new(GatewayClient::for_endpoint(url)?);
        map.insert(url.to_string(), c.clone());
        Ok(c)
    }
}

impl TrusteeKeys for PoolWithRemoteTrustees<'_> {
    fn public_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        create: bool,
    ) -> Result<PublicKey> {
        match trustee {
            Trustee::JsonRpcApi { jsonrpc_url } => {
                let pem = self.client(jsonrpc_url)?.fetch_public_key(Uid(*keychain_uid), algo.as_str(), !create)?;
                PublicKey::from_pem(&pem, algo)
            }
            other => self.pool.public_key(other, keychain_uid, algo, create),
        }
    }

    fn private_key(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: KeyAlgo,
        passphrases: &[&str],
    ) -> Result<PrivateKey> {
        match trustee {
            Trustee::JsonRpcApi { .. } => {
                Err(Error::NotSupported("remote trustees never hand out private keys".into()))
            }
            other => self.pool.private_key(other, keychain_uid, algo, passphrases),
        }
    }

    fn sign(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        algo: SignatureAlgo,
        message: &[u8],
    ) -> Result<SignatureStruct> {
        match trustee {
            Trustee::JsonRpcApi { jsonrpc_url } => {
                Ok(self.client(jsonrpc_url)?.get_message_signature(Uid(*keychain_uid), message, algo.as_str())?)
            }
            other => self.pool.sign(other, keychain_uid, algo, message),
        }
    }

    fn remote_decrypt(
        &self,
        trustee: &Trustee,
        keychain_uid: &uuid::Uuid,
        cipherdict: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let Trustee::JsonRpcApi { jsonrpc_url } = trustee else {
            return self.pool.remote_decrypt(trustee, keychain_uid, cipherdict);
        };
        let value: serde_json::Value =
            serde_json::from_slice(cipherdict).map_err(|e| Error::Decryption(e.to_string()))?;
        Ok(Zeroizing::new(self.client(jsonrpc_url)?.decrypt_with_private_key(
            Uid(*keychain_uid),
            "RSA_OAEP",
            &value,
        )?))
    }

    fn prepare_decryption(&self, cryptainer: &Cryptainer, report: &mut OperationReport) {
        // As wacryptolib's request_decryption_authorizations: one request per remote trustee.
        let mut per_url: HashMap<String, Vec<(Uid, String)>> = HashMap::new();
        fn walk(layers: &[KeyCipherLayer], default: Uid, out: &mut HashMap<String, Vec<(Uid, String)>>) {
            for l in layers {
                match l {
                    KeyCipherLayer::RsaOaep(a) => {
                        if let Trustee::JsonRpcApi { jsonrpc_url } = &a.key_cipher_trustee {
                            let id = (a.keychain_uid.unwrap_or(default), "RSA_OAEP".to_string());
                            let list = out.entry(jsonrpc_url.clone()).or_default();
                            if !list.contains(&id) {
                                list.push(id);
                            }
                        }
                    }
                    KeyCipherLayer::SharedSecret(s) => {
                        s.key_shared_secret_shards.iter().for_each(|sh| walk(&sh.key_cipher_layers, default, out))
                    }
                    sym => walk(&sym.as_symmetric().expect("symmetric").1.key_cipher_layers, default, out),
                }
            }
        }
        for p in &cryptainer.payload_cipher_layers {
            walk(&p.key_cipher_layers, cryptainer.keychain_uid, &mut per_url);
        }
        for (url, keypairs) in per_url {
            let result = self
                .client(&url)
                .and_then(|c| Ok(c.request_decryption_authorization(&keypairs, &self.request_message)?));
            match result {
                Ok(v) => report.add(
                    "remote trustees",
                    Some(format!("remote trustee {url}")),
                    Level::Info,
                    None,
                    v["response_message"].as_str().unwrap_or("authorization requested").to_string(),
                ),
                Err(e) => report.add(
                    "remote trustees",
                    Some(format!("remote trustee {url}")),
                    Level::Warning,
                    None,
                    format!("authorization request failed: {e}"),
                ),
            }
        }
    }
}
