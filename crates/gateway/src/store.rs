//! Storage of the gateway: an embedded SQLite file by default, PostgreSQL through `--database-url`,
//! through sqlx's `Any` driver with one schema per backend (`migrations/`). Secrets are stored only as
//! Argon2id hashes; public keys and blobs exactly as received.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

/// A storage failure (never shown to clients in detail).
#[derive(Debug, thiserror::Error)]
#[error("database error: {0}")]
pub struct StoreError(#[from] pub sqlx::Error);

/// Result alias.
pub type StoreResult<T> = Result<T, StoreError>;

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
}

/// A published identity as stored.
#[derive(Clone, Debug)]
pub struct AuthenticatorRow {
    pub keystore_uid: String,
    pub keystore_owner: String,
    pub keystore_creation_datetime: Option<i64>,
    pub keystore_secret_hash: String,
}

/// A public key as stored.
#[derive(Clone, Debug)]
pub struct KeyRow {
    pub id: i64,
    pub keychain_uid: String,
    pub key_algo: String,
    pub key_value: Vec<u8>,
}

/// A revelation request as stored.
#[derive(Clone, Debug)]
pub struct RequestRow {
    pub revelation_request_uid: String,
    pub keystore_uid: String,
    pub revelation_requestor_uid: String,
    pub revelation_request_description: String,
    pub revelation_response_public_key: Vec<u8>,
    pub revelation_response_keychain_uid: String,
    pub revelation_response_key_algo: String,
    pub revelation_request_status: String,
    pub created_at: i64,
}

/// One key of a request as stored.
#[derive(Clone, Debug)]
pub struct SymkeyRow {
    pub key_id: i64,
    pub cryptainer_uid: String,
    pub cryptainer_name: String,
    pub cryptainer_metadata: Option<String>,
    pub request_data: Vec<u8>,
    pub response_data: Vec<u8>,
    pub status: String,
}

/// One key of a new request: (key id, cryptainer uid, cryptainer name, metadata JSON, request data).
pub type NewSymkey = (i64, String, String, Option<String>, Vec<u8>);

/// A new request to insert.
pub struct NewRequest {
    pub row: RequestRow,
    pub symkeys: Vec<NewSymkey>,
}

fn request_row(r: &AnyRow) -> StoreResult<RequestRow> {
    Ok(RequestRow {
        revelation_request_uid: r.try_get("revelation_request_uid")?,
        keystore_uid: r.try_get("keystore_uid")?,
        revelation_requestor_uid: r.try_get("revelation_requestor_uid")?,
        revelation_request_description: r.try_get("revelation_request_description")?,
        revelation_response_public_key: r.try_get("revelation_response_public_key")?,
        revelation_response_keychain_uid: r.try_get("revelation_response_keychain_uid")?,
        revelation_response_key_algo: r.try_get("revelation_response_key_algo")?,
        revelation_request_status: r.try_get("revelation_request_status")?,
        created_at: r.try_get("created_at")?,
    })
}

const REQUEST_COLUMNS: &str = "revelation_request_uid, keystore_uid, revelation_requestor_uid, revelation_request_description, \
    revelation_response_public_key, revelation_response_keychain_uid, revelation_response_key_algo, revelation_request_status, created_at";

impl Store {
    /// Opens the database and creates the schema when needed.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        // SQLite serializes writers anyway: one connection avoids "database is locked".
        let pool = AnyPoolOptions::new().max_connections(if sqlite { 1 } else { 16 }).connect(url).await?;
        let schema =
            if sqlite { include_str!("../migrations/sqlite.sql") } else { include_str!("../migrations/postgres.sql") };
        if sqlite {
            sqlx::query("PRAGMA foreign_keys = ON").execute(&pool).await?;
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        for stmt in schema.split(';') {
            let body: String =
                stmt.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
            if !body.trim().is_empty() {
                sqlx::query(&body).execute(&pool).await?;
            }
        }
        Ok(Store { pool })
    }

    /// Inserts an identity and its keys; `Ok(false)` when the uid is already published.
    pub async fn insert_authenticator(
        &self,
        a: &AuthenticatorRow,
        keys: &[(String, String, Vec<u8>)],
        now: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT keystore_uid FROM public_authenticator WHERE keystore_uid = $1")
            .bind(&a.keystore_uid)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO public_authenticator (keystore_uid, keystore_owner, keystore_creation_datetime, keystore_secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&a.keystore_uid)
        .bind(&a.keystore_owner)
        .bind(a.keystore_creation_datetime)
        .bind(&a.keystore_secret_hash)
        .bind(now)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            // A concurrent publication of the same uid won the race.
            if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
                return Ok(false);
            }
            return Err(e.into());
        }
        for (keychain_uid, key_algo, key_value) in keys {
            sqlx::query("INSERT INTO public_authenticator_key (keystore_uid, keychain_uid, key_algo, key_value) VALUES ($1, $2, $3, $4)")
                .bind(&a.keystore_uid)
                .bind(keychain_uid)
                .bind(key_algo)
                .bind(key_value.as_slice())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// An identity by uid.
    pub async fn authenticator(&self, keystore_uid: &str) -> StoreResult<Option<AuthenticatorRow>> {
        let row = sqlx::query(
            "SELECT keystore_uid, keystore_owner, keystore_creation_datetime, keystore_secret_hash FROM public_authenticator WHERE keystore_uid = $1",
        )
        .bind(keystore_uid)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(AuthenticatorRow {
                keystore_uid: r.try_get("keystore_uid")?,
                keystore_owner: r.try_get("keystore_owner")?,
                keystore_creation_datetime: r.try_get("keystore_creation_datetime")?,
                keystore_secret_hash: r.try_get("keystore_secret_hash")?,
            })
        })
        .transpose()
    }

    /// The keys of an identity, in publication order.
    pub async fn keys(&self, keystore_uid: &str) -> StoreResult<Vec<KeyRow>> {
        let rows = sqlx::query("SELECT id, keychain_uid, key_algo, key_value FROM public_authenticator_key WHERE keystore_uid = $1 ORDER BY id")
            .bind(keystore_uid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyRow {
                    id: r.try_get("id")?,
                    keychain_uid: r.try_get("keychain_uid")?,
                    key_algo: r.try_get("key_algo")?,
                    key_value: r.try_get("key_value")?,
                })
            })
            .collect()
    }

    /// Inserts a request and its keys atomically.
    pub async fn insert_request(&self, req: &NewRequest) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let r = &req.row;
        sqlx::query(&format!(
            "INSERT INTO revelation_request ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&r.revelation_request_uid)
        .bind(&r.keystore_uid)
        .bind(&r.revelation_requestor_uid)
        .bind(&r.revelation_request_description)
        .bind(r.revelation_response_public_key.as_slice())
        .bind(&r.revelation_response_keychain_uid)
        .bind(&r.revelation_response_key_algo)
        .bind(&r.revelation_request_status)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?;
        for (position, (key_id, cuid, name, meta, data)) in req.symkeys.iter().enumerate() {
            sqlx::query(
                "INSERT INTO symkey_decryption_request (revelation_request_uid, key_id, position, cryptainer_uid, cryptainer_name, \
                 cryptainer_metadata, symkey_decryption_request_data, symkey_decryption_response_data, symkey_decryption_status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&r.revelation_request_uid)
            .bind(*key_id)
            .bind(position as i64)
            .bind(cuid)
            .bind(name)
            .bind(meta.as_deref())
            .bind(data.as_slice())
            .bind(&[][..])
            .bind("PENDING")
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Requests of a requestor, or to a guardian, oldest first.
    pub async fn requests_by(&self, column: &'static str, uid: &str) -> StoreResult<Vec<RequestRow>> {
        debug_assert!(column == "revelation_requestor_uid" || column == "keystore_uid");
        let rows = sqlx::query(&format!("SELECT {REQUEST_COLUMNS} FROM revelation_request WHERE {column} = $1 ORDER BY created_at, revelation_request_uid"))
            .bind(uid)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(request_row).collect()
    }

    /// One request.
    pub async fn request(&self, uid: &str) -> StoreResult<Option<RequestRow>> {
        let row =
            sqlx::query(&format!("SELECT {REQUEST_COLUMNS} FROM revelation_request WHERE revelation_request_uid = $1"))
                .bind(uid)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(request_row).transpose()
    }

    /// The keys asked in a request, in submission order.
    pub async fn symkeys(&self, request_uid: &str) -> StoreResult<Vec<SymkeyRow>> {
        let rows = sqlx::query(
            "SELECT key_id, cryptainer_uid, cryptainer_name, cryptainer_metadata, symkey_decryption_request_data, \
             symkey_decryption_response_data, symkey_decryption_status FROM symkey_decryption_request \
             WHERE revelation_request_uid = $1 ORDER BY position",
        )
        .bind(request_uid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SymkeyRow {
                    key_id: r.try_get("key_id")?,
                    cryptainer_uid: r.try_get("cryptainer_uid")?,
                    cryptainer_name: r.try_get("cryptainer_name")?,
                    cryptainer_metadata: r.try_get("cryptainer_metadata")?,
                    request_data: r.try_get("symkey_decryption_request_data")?,
                    response_data: r.try_get("symkey_decryption_response_data")?,
                    status: r.try_get("symkey_decryption_status")?,
                })
            })
            .collect()
    }

    /// Moves a PENDING request to `status`, with the answers (request data, response, status) when
    /// accepting. `Ok(false)` when it was no longer PENDING (handled meanwhile).
    pub async fn finish_request(
        &self,
        uid: &str,
        status: &str,
        answers: &[(Vec<u8>, Vec<u8>, String)],
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE revelation_request SET revelation_request_status = $1 WHERE revelation_request_uid = $2 AND revelation_request_status = 'PENDING'")
            .bind(status)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        for (data, response, st) in answers {
            sqlx::query(
                "UPDATE symkey_decryption_request SET symkey_decryption_response_data = $1, symkey_decryption_status = $2 \
                 WHERE revelation_request_uid = $3 AND symkey_decryption_request_data = $4",
            )
            .bind(response.as_slice())
            .bind(st)
            .bind(uid)
            .bind(data.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A key by id.
    pub async fn key(&self, id: i64) -> StoreResult<Option<KeyRow>> {
        let row =
            sqlx::query("SELECT id, keychain_uid, key_algo, key_value FROM public_authenticator_key WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(KeyRow {
                id: r.try_get("id")?,
                keychain_uid: r.try_get("keychain_uid")?,
                key_algo: r.try_get("key_algo")?,
                key_value: r.try_get("key_value")?,
            })
        })
        .transpose()
    }
}

/// A remote trustee's keypair as stored.
#[derive(Clone, Debug)]
pub struct TrusteeKeyRow {
    pub public_key: Vec<u8>,
    pub private_key_encrypted: Vec<u8>,
    pub created_at: i64,
    pub decryption_authorized_at: Option<i64>,
}

impl Store {
    /// A trustee keypair.
    pub async fn trustee_key(&self, keychain_uid: &str, key_algo: &str) -> StoreResult<Option<TrusteeKeyRow>> {
        let row = sqlx::query(
            "SELECT public_key, private_key_encrypted, created_at, decryption_authorized_at FROM trustee_keypair WHERE keychain_uid = $1 AND key_algo = $2",
        )
        .bind(keychain_uid)
        .bind(key_algo)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TrusteeKeyRow {
                public_key: r.try_get("public_key")?,
                private_key_encrypted: r.try_get("private_key_encrypted")?,
                created_at: r.try_get("created_at")?,
                decryption_authorized_at: r.try_get("decryption_authorized_at")?,
            })
        })
        .transpose()
    }

    /// Stores a new trustee keypair; `Ok(false)` if one appeared meanwhile.
    pub async fn insert_trustee_key(
        &self,
        keychain_uid: &str,
        key_algo: &str,
        public: &[u8],
        private_enc: &[u8],
        now: i64,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "INSERT INTO trustee_keypair (keychain_uid, key_algo, public_key, private_key_encrypted, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(keychain_uid)
        .bind(key_algo)
        .bind(public)
        .bind(private_enc)
        .bind(now)
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Marks a trustee keypair as authorized for decryption from `now`.
    pub async fn authorize_trustee_key(&self, keychain_uid: &str, key_algo: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE trustee_keypair SET decryption_authorized_at = $1 WHERE keychain_uid = $2 AND key_algo = $3",
        )
        .bind(now)
        .bind(keychain_uid)
        .bind(key_algo)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
