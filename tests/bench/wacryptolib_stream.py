"""wacryptolib's streaming encryption and its decryption of one file, as its own CLI does them.

    python wacryptolib_stream.py encrypt POOL CONF INPUT OUTPUT.crypt
    python wacryptolib_stream.py decrypt POOL INPUT.crypt OUTPUT
"""
import sys
from pathlib import Path

from wacryptolib.cryptainer import (
    decrypt_payload_from_cryptainer,
    encrypt_payload_and_stream_cryptainer_to_filesystem,
    load_cryptainer_from_filesystem,
)
from wacryptolib.keystore import FilesystemKeystorePool
from wacryptolib.utilities import load_from_json_file

op, pool = sys.argv[1], FilesystemKeystorePool(sys.argv[2])
if op == "encrypt":
    conf, src, dst = sys.argv[3:6]
    with open(src, "rb") as f:
        encrypt_payload_and_stream_cryptainer_to_filesystem(
            f, cryptainer_filepath=Path(dst), cryptoconf=load_from_json_file(conf), cryptainer_metadata=None,
            keystore_pool=pool)
else:
    src, dst = sys.argv[3:5]
    payload, report = decrypt_payload_from_cryptainer(load_cryptainer_from_filesystem(Path(src)), keystore_pool=pool)
    if payload is None:
        sys.exit("decryption failed: %s" % report.format_entries())
    Path(dst).write_bytes(payload)
