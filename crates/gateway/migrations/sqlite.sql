-- Flightbox gateway schema, SQLite flavour. Uids are hyphenated lowercase text, dates milliseconds
-- since the epoch, blobs stored exactly as received.
CREATE TABLE IF NOT EXISTS public_authenticator (
    keystore_uid TEXT PRIMARY KEY,
    keystore_owner TEXT NOT NULL,
    keystore_creation_datetime BIGINT,
    keystore_secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS public_authenticator_key (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    keystore_uid TEXT NOT NULL REFERENCES public_authenticator (keystore_uid),
    keychain_uid TEXT NOT NULL,
    key_algo TEXT NOT NULL,
    key_value BLOB NOT NULL,
    UNIQUE (keystore_uid, keychain_uid, key_algo)
);
CREATE TABLE IF NOT EXISTS revelation_request (
    revelation_request_uid TEXT PRIMARY KEY,
    keystore_uid TEXT NOT NULL REFERENCES public_authenticator (keystore_uid),
    revelation_requestor_uid TEXT NOT NULL,
    revelation_request_description TEXT NOT NULL,
    revelation_response_public_key BLOB NOT NULL,
    revelation_response_keychain_uid TEXT NOT NULL,
    revelation_response_key_algo TEXT NOT NULL,
    revelation_request_status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS revelation_request_by_requestor ON revelation_request (revelation_requestor_uid);
CREATE INDEX IF NOT EXISTS revelation_request_by_keystore ON revelation_request (keystore_uid);
CREATE TABLE IF NOT EXISTS symkey_decryption_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    revelation_request_uid TEXT NOT NULL REFERENCES revelation_request (revelation_request_uid),
    key_id BIGINT NOT NULL REFERENCES public_authenticator_key (id),
    position BIGINT NOT NULL,
    cryptainer_uid TEXT NOT NULL,
    cryptainer_name TEXT NOT NULL,
    cryptainer_metadata TEXT,
    symkey_decryption_request_data BLOB NOT NULL,
    symkey_decryption_response_data BLOB NOT NULL,
    symkey_decryption_status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS symkey_by_request ON symkey_decryption_request (revelation_request_uid);
-- Keys of the remote trustee (`jsonrpc_api` trustees, /trustee/jsonrpc/), private keys encrypted with the
-- server's trustee secret (PKCS#8 PBES2), never stored in clear.
CREATE TABLE IF NOT EXISTS trustee_keypair (
    keychain_uid TEXT NOT NULL,
    key_algo TEXT NOT NULL,
    public_key BLOB NOT NULL,
    private_key_encrypted BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    decryption_authorized_at BIGINT,
    PRIMARY KEY (keychain_uid, key_algo)
);
