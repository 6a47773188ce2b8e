"""wacryptolib 0.11 side of the cross-implementation tests.

    python wacryptolib_side.py make OUT_DIR       # authenticators, pool and cryptainers made by wacryptolib
    python wacryptolib_side.py decrypt MANIFEST   # decrypt cryptainers made by flightbox, check expectations

Both read the cases from cases.json beside this file. `decrypt` prints one JSON line per case and exits
non-zero when any case does not behave as expected.
"""
import json
import shutil
import sys
import uuid
from pathlib import Path

from wacryptolib.cryptainer import (
    decrypt_payload_from_cryptainer,
    dump_cryptainer_to_filesystem,
    get_cryptoconf_summary,
    encrypt_payload_and_stream_cryptainer_to_filesystem,
    encrypt_payload_into_cryptainer,
    load_cryptainer_from_filesystem,
    check_cryptainer_sanity,
)
from wacryptolib.keystore import FilesystemKeystorePool, ReadonlyFilesystemKeystore
from wacryptolib.operations import create_authenticator
from wacryptolib.utilities import dump_to_json_bytes, load_from_json_bytes, load_from_json_str
import jsonschema

HERE = Path(__file__).resolve().parent
OUR_SCHEMA = json.loads((HERE.parent.parent / "gen" / "schemas" / "cryptainer.schema.json").read_text())
SPEC = json.loads((HERE / "cases.json").read_text(encoding="utf8"))


def payload_bytes(size):
    return bytes((i * 131 + 7) % 251 for i in range(size))


def resolve(tree, uids):
    """Replace "@X" placeholders with Extended JSON UUIDs, then load as native wacryptolib data."""
    text = json.dumps(tree)
    for key in sorted(uids, key=len, reverse=True):
        text = text.replace('"%s"' % key, json.dumps({"$uuid": uids[key].replace("-", "")}))
    return load_from_json_str(text)


def passphrase_mapper(case, uids):
    mapper = {}
    for p in case["passphrases"]:
        name, _, mode = p.partition("=")
        value = SPEC["authenticators"][name] if mode != "wrong" else "not the right passphrase"
        mapper.setdefault("authenticator@%s" % uids["@" + name], []).append(value)
    return mapper


def import_authenticator(pool, auth_dir, include_private_keys=True):
    tree = ReadonlyFilesystemKeystore(auth_dir).export_to_keystore_tree(include_private_keys=include_private_keys)
    pool.import_foreign_keystore_from_keystore_tree(tree)


def tamper(path, case):
    kind = case["tamper"]
    cryptainer = load_cryptainer_from_filesystem(path, include_payload_ciphertext=False)
    offloaded = Path(str(path) + ".payload")
    if kind == "payload":
        if offloaded.exists():
            data = bytearray(offloaded.read_bytes())
        else:
            data = bytearray(load_from_json_bytes(path.read_bytes())["payload_ciphertext_struct"]["ciphertext_value"])
        idx = len(data) - 17 if case["conf"]["payload_cipher_layers"][-1]["payload_cipher_algo"] == "AES_CBC" else len(data) // 2
        data[idx] ^= 1
        if offloaded.exists():
            offloaded.write_bytes(bytes(data))
            return
        full = load_from_json_bytes(path.read_bytes())
        full["payload_ciphertext_struct"]["ciphertext_value"] = bytes(data)
        path.write_bytes(dump_to_json_bytes(full))
        return
    full = load_from_json_bytes(path.read_bytes())
    layer = full["payload_cipher_layers"][0]
    if kind == "tag":
        tag = bytearray(layer["payload_macs"]["tag"])
        tag[0] ^= 1
        layer["payload_macs"]["tag"] = bytes(tag)
    elif kind == "signature":
        s = layer["payload_signatures"][0]["payload_signature_struct"]
        v = bytearray(s["signature_value"])
        v[10] ^= 1
        s["signature_value"] = bytes(v)
    elif kind == "key":
        cd = load_from_json_bytes(layer["key_ciphertext"])
        chunk = bytearray(cd["ciphertext_chunks"][0])
        chunk[5] ^= 1
        cd["ciphertext_chunks"][0] = bytes(chunk)
        layer["key_ciphertext"] = dump_to_json_bytes(cd)
    path.write_bytes(dump_to_json_bytes(full))


def make(out):
    out = Path(out)
    out.mkdir(parents=True)
    uids = {}
    auth_dirs = {}
    for name, passphrase in SPEC["authenticators"].items():
        d = out / "authenticators" / name
        d.parent.mkdir(parents=True, exist_ok=True)
        create_authenticator(d, keypair_count=3, keystore_owner="Guardian " + name[1:],
                             keystore_passphrase_hint="hint for " + name, keystore_passphrase=passphrase)
        ks = ReadonlyFilesystemKeystore(d)
        uids["@" + name] = str(ks.get_keystore_metadata()["keystore_uid"])
        for i, kp in enumerate(ks.list_keypair_identifiers()):
            uids["@%sK%d" % (name, i)] = str(kp["keychain_uid"])
        auth_dirs[name] = str(d)
    for i in range(4):
        uids["@K%d" % i] = str(uuid.uuid4())
    pool_dir = out / "pool"
    pool_dir.mkdir()
    pool = FilesystemKeystorePool(pool_dir)
    for d in auth_dirs.values():
        import_authenticator(pool, d, include_private_keys=False)
    cases_out = []
    cdir = out / "cryptainers"
    cdir.mkdir()
    for case in SPEC["cases"]:
        conf = resolve(case["conf"], uids)
        metadata = case["metadata"]
        payload = payload_bytes(case["size"])
        path = cdir / (case["name"] + ".crypt")
        if case["inline"]:
            c = encrypt_payload_into_cryptainer(payload, cryptoconf=conf, cryptainer_metadata=metadata, keystore_pool=pool)
            dump_cryptainer_to_filesystem(path, c, offload_payload_ciphertext=False)
        else:
            encrypt_payload_and_stream_cryptainer_to_filesystem(
                payload, cryptainer_filepath=path, cryptoconf=conf, cryptainer_metadata=metadata, keystore_pool=pool)
        if case["tamper"]:
            tamper(path, case)
        # Our published JSON Schema accepts wacryptolib's cryptainers.
        jsonschema.Draft202012Validator(OUR_SCHEMA).validate(json.loads(path.read_text()))
        plain = cdir / (case["name"] + ".plain")
        plain.write_bytes(payload)
        summary = get_cryptoconf_summary(load_cryptainer_from_filesystem(path, include_payload_ciphertext=False))
        cases_out.append(dict(name=case["name"], crypt=str(path), plaintext=str(plain), summary=summary))
    manifest = dict(uids=uids, authenticators=auth_dirs, pool=str(pool_dir), cases=cases_out)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def decrypt(manifest_path):
    manifest = json.loads(Path(manifest_path).read_text())
    uids = manifest["uids"]
    work = Path(manifest_path).parent / "wacryptolib_pool"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    # Keystores made by flightbox, imported the wacryptolib way (private keys included).
    pool = FilesystemKeystorePool(work)
    for d in manifest["authenticators"].values():
        import_authenticator(pool, d, include_private_keys=True)
    shutil.copytree(Path(manifest["pool"]) / "local_keyfactory", work / "local_keyfactory")
    by_name = {c["name"]: c for c in SPEC["cases"]}
    failures = 0
    for entry in manifest["cases"]:
        case = by_name[entry["name"]]
        path = Path(entry["crypt"])
        cryptainer = load_cryptainer_from_filesystem(path)
        result = dict(name=case["name"], expect=case["expect"])
        try:
            check_cryptainer_sanity(cryptainer)
            jsonschema.Draft202012Validator(OUR_SCHEMA).validate(json.loads(path.read_text()))
            if case["size"] or not case["inline"]:
                # wacryptolib's own JSON schema rejects an empty base64 string, even in its own cryptainers.
                check_cryptainer_sanity(json.loads(path.read_text()), jsonschema_mode=True)
            plaintext, report = decrypt_payload_from_cryptainer(
                cryptainer, keystore_pool=pool, passphrase_mapper=passphrase_mapper(case, uids))
        except Exception as exc:  # a crash is a failure of the case
            result.update(ok=False, error=repr(exc))
            failures += 1
            print(json.dumps(result))
            continue
        expected = Path(entry["plaintext"]).read_bytes()
        problems = [e["entry_message"] for e in report.get_error_entries()]
        signature_errors = [e for e in report.get_error_entries() if e["entry_type"] == "SIGNATURE_ERROR"]
        if case["expect"] == "ok":
            ok = plaintext == expected and not signature_errors
        elif case["expect"] == "signature_invalid":
            ok = bool(signature_errors)  # wacryptolib reports bad signatures but still decrypts
        else:
            ok = plaintext is None and bool(problems)
        if cryptainer.get("cryptainer_metadata") != (case["metadata"] and load_from_json_str(json.dumps(case["metadata"]))):
            ok = False
            problems.append("metadata differs: %r" % cryptainer.get("cryptainer_metadata"))
        result.update(ok=ok, problems=problems)
        failures += not ok
        print(json.dumps(result, ensure_ascii=True))
    print("%d passed, %d failed" % (len(manifest["cases"]) - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    {"make": make, "decrypt": decrypt}[sys.argv[1]](sys.argv[2])
