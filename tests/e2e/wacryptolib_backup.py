"""What wacryptolib 0.11 makes of the app's backups, and an authenticator made by wacryptolib for the app to import.

    python wacryptolib_backup.py check ZIP PASSPHRASE   # prints JSON: uid, owner, secret length, keys opened
    python wacryptolib_backup.py make DIR PASSPHRASE    # creates a wacryptolib authenticator folder, prints its uid
"""
import json
import sys
import tempfile
import zipfile
from pathlib import Path

from wacryptolib.keygen import load_asymmetric_key_from_pem_bytestring
from wacryptolib.keystore import ReadonlyFilesystemKeystore
from wacryptolib.operations import create_authenticator


def check(zip_path, passphrase):
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(tmp)
        ks = ReadonlyFilesystemKeystore(Path(tmp))
        meta = ks.get_keystore_metadata()
        opened = 0
        for kp in ks.list_keypair_identifiers():
            pem = ks.get_private_key(keychain_uid=kp["keychain_uid"], key_algo=kp["key_algo"])
            load_asymmetric_key_from_pem_bytestring(pem, key_algo=kp["key_algo"], passphrase=passphrase)
            opened += 1
        print(json.dumps(dict(uid=str(meta["keystore_uid"]), owner=meta["keystore_owner"],
                              secret_length=len(meta["keystore_secret"]), keys_opened=opened)))


def make(directory, passphrase):
    create_authenticator(Path(directory), keypair_count=2, keystore_owner="Wacryptolib Wanda",
                         keystore_passphrase_hint="the wacryptolib one", keystore_passphrase=passphrase)
    print(ReadonlyFilesystemKeystore(Path(directory)).get_keystore_metadata()["keystore_uid"])


if __name__ == "__main__":
    {"check": check, "make": make}[sys.argv[1]](*sys.argv[2:])
