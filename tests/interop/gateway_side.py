"""wacryptolib 0.11 against our gateway, as the Witness Angel apps use it.

    python gateway_side.py submit URL POOL_DIR CRYPTAINER DESCRIPTION   # prints the requestor uid
    python gateway_side.py decrypt URL POOL_DIR CRYPTAINER REQUESTOR_UID OUTPUT
    python gateway_side.py guardian URL AUTHENTICATOR_DIR PASSPHRASE    # accepts every pending request

The requestor side gathers the key ciphertexts with wacryptolib's own `gather_decryptable_symkeys`, submits
with `JsonRpcProxy`, then decrypts with `decrypt_payload_from_cryptainer(..., gateway_urls=...,
revelation_requestor_uid=...)`. The guardian side decrypts with wacryptolib's `TrusteeApi`, as the
upstream authenticator app does.
"""
import sys
import uuid
from pathlib import Path

from wacryptolib.cipher import encrypt_bytestring
from wacryptolib.cryptainer import decrypt_payload_from_cryptainer, gather_decryptable_symkeys, load_cryptainer_from_filesystem
from wacryptolib.jsonrpc_client import JsonRpcProxy, status_slugs_response_error_handler
from wacryptolib.keygen import load_asymmetric_key_from_pem_bytestring
from wacryptolib.keystore import FilesystemKeystore, FilesystemKeystorePool, generate_keypair_for_storage
from wacryptolib.trustee import TrusteeApi
from wacryptolib.utilities import dump_to_json_bytes, load_from_json_bytes


def proxy(url):
    return JsonRpcProxy(url.rstrip("/") + "/gateway/jsonrpc/", response_error_handler=status_slugs_response_error_handler)


def submit(url, pool_dir, cryptainer_path, description):
    pool = FilesystemKeystorePool(Path(pool_dir))
    cryptainer = load_cryptainer_from_filesystem(Path(cryptainer_path), include_payload_ciphertext=False)
    requestor_uid = uuid.uuid4()
    response_keychain_uid = uuid.uuid4()
    keypair = generate_keypair_for_storage("RSA_OAEP", keystore=pool.get_local_keyfactory(), keychain_uid=response_keychain_uid)
    per_trustee = gather_decryptable_symkeys([(Path(cryptainer_path).name, cryptainer)])
    gw = proxy(url)
    count = 0
    for trustee_id, (trustee, requests) in per_trustee.items():
        if trustee["trustee_type"] != "authenticator":
            continue
        gw.submit_revelation_request(
            authenticator_keystore_uid=trustee["keystore_uid"],
            revelation_requestor_uid=requestor_uid,
            revelation_request_description=description,
            revelation_response_public_key=keypair["public_key"],
            revelation_response_keychain_uid=response_keychain_uid,
            revelation_response_key_algo="RSA_OAEP",
            symkey_decryption_requests=requests,
        )
        count += 1
    assert count, "no guardian in this cryptainer"
    print(requestor_uid)


def decrypt(url, pool_dir, cryptainer_path, requestor_uid, output):
    pool = FilesystemKeystorePool(Path(pool_dir))
    cryptainer = load_cryptainer_from_filesystem(Path(cryptainer_path))
    payload, report = decrypt_payload_from_cryptainer(
        cryptainer, keystore_pool=pool, gateway_urls=[url.rstrip("/") + "/gateway/jsonrpc/"],
        revelation_requestor_uid=uuid.UUID(requestor_uid))
    if payload is None:
        sys.exit("wacryptolib could not decrypt:\n%s" % report.format_entries())
    Path(output).write_bytes(payload)


def guardian(url, authenticator_dir, passphrase):
    keystore = FilesystemKeystore(Path(authenticator_dir))
    metadata = keystore.get_keystore_metadata()
    trustee = TrusteeApi(keystore)
    gw = proxy(url)
    requests = gw.list_authenticator_revelation_requests(
        authenticator_keystore_uid=metadata["keystore_uid"], authenticator_keystore_secret=metadata["keystore_secret"])
    accepted = 0
    for request in requests:
        if request["revelation_request_status"] != "PENDING":
            continue
        response_key = load_asymmetric_key_from_pem_bytestring(request["revelation_response_public_key"], key_algo="RSA_OAEP")
        results = []
        for symkey in request["symkey_decryption_requests"]:
            target = symkey["target_public_authenticator_key"]
            key_struct_bytes = trustee.decrypt_with_private_key(
                keychain_uid=target["keychain_uid"], cipher_algo=target["key_algo"],
                cipherdict=load_from_json_bytes(symkey["symkey_decryption_request_data"]), passphrases=[passphrase])
            response = encrypt_bytestring(key_struct_bytes, cipher_algo="RSA_OAEP", key_dict=dict(key=response_key))
            results.append(dict(symkey_decryption_request_data=symkey["symkey_decryption_request_data"],
                                symkey_decryption_response_data=dump_to_json_bytes(response),
                                symkey_decryption_status="DECRYPTED"))
        gw.accept_revelation_request(revelation_request_uid=request["revelation_request_uid"],
                                     authenticator_keystore_secret=metadata["keystore_secret"], symkey_decryption_results=results)
        accepted += 1
    print(accepted)


def trustee_encrypt(trustee_url, pool_dir, input_path, output_path):
    """Encrypt with a jsonrpc_api trustee (key wrapping and a signature), wacryptolib's way."""
    from wacryptolib.cryptainer import encrypt_payload_into_cryptainer, dump_cryptainer_to_filesystem
    trustee = {"trustee_type": "jsonrpc_api", "jsonrpc_url": trustee_url}
    conf = {"payload_cipher_layers": [{"payload_cipher_algo": "AES_EAX", "key_cipher_layers": [
        {"key_cipher_algo": "RSA_OAEP", "key_cipher_trustee": trustee}],
        "payload_signatures": [{"payload_digest_algo": "SHA256", "payload_signature_algo": "RSA_PSS", "payload_signature_trustee": trustee}]}]}
    pool = FilesystemKeystorePool(Path(pool_dir))
    c = encrypt_payload_into_cryptainer(Path(input_path).read_bytes(), cryptoconf=conf, cryptainer_metadata=None, keystore_pool=pool)
    dump_cryptainer_to_filesystem(Path(output_path), c)


def trustee_decrypt(pool_dir, cryptainer_path, output):
    """Ask the jsonrpc_api trustees for authorization, then decrypt, wacryptolib's way."""
    from wacryptolib.cryptainer import gather_trustee_dependencies, request_decryption_authorizations
    pool = FilesystemKeystorePool(Path(pool_dir))
    cryptainer = load_cryptainer_from_filesystem(Path(cryptainer_path))
    deps = gather_trustee_dependencies([cryptainer])
    request_decryption_authorizations(deps, keystore_pool=pool, request_message="wacryptolib asks")
    payload, report = decrypt_payload_from_cryptainer(cryptainer, keystore_pool=pool)
    if payload is None:
        sys.exit("wacryptolib could not decrypt:\n%s" % report.format_entries())
    errors = [e for e in report.get_error_entries() if e["entry_type"] == "SIGNATURE_ERROR"]
    if errors:
        sys.exit("signature errors: %s" % errors)
    Path(output).write_bytes(payload)


if __name__ == "__main__":
    {"submit": submit, "decrypt": decrypt, "guardian": guardian, "trustee_encrypt": trustee_encrypt,
     "trustee_decrypt": trustee_decrypt}[sys.argv[1]](*sys.argv[2:])
