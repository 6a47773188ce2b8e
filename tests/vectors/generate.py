"""Regenerates the known-answer vectors of this folder with pycryptodome and wacryptolib 0.11.

    .venv/bin/python tests/vectors/generate.py

The vectors are committed; the Rust tests (crates/core/tests/vectors.rs) read them.
"""
import json
import random
import uuid
from datetime import datetime, timezone
from pathlib import Path

from Crypto.Protocol.SecretSharing import Shamir, _Element
from wacryptolib.cipher import encrypt_bytestring
from wacryptolib.keygen import generate_keypair, load_asymmetric_key_from_pem_bytestring
from wacryptolib.signature import sign_message
from wacryptolib.utilities import dump_to_json_str

HERE = Path(__file__).resolve().parent
rng = random.Random(42)


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def gf():
    cases = []
    for _ in range(40):
        a, b = rbytes(16), rbytes(16)
        prod = (_Element(a) * _Element(b)).encode()
        inv = _Element(a).inverse().encode()
        cases.append(dict(a=a.hex(), b=b.hex(), product=prod.hex(), inverse_of_a=inv.hex()))
    splits = []
    for k, n in [(1, 1), (1, 3), (2, 3), (3, 5), (5, 5), (4, 10)]:
        secret = rbytes(16)
        shares = Shamir.split(k, n, secret)
        splits.append(dict(k=k, n=n, secret=secret.hex(), shares=[[i, s.hex()] for i, s in shares]))
    return dict(gf_mul=cases, shamir_split=splits)


def rsa_oaep():
    keypair = generate_keypair(key_algo="RSA_OAEP", key_length_bits=2048)
    public = load_asymmetric_key_from_pem_bytestring(keypair["public_key"], key_algo="RSA_OAEP")
    out = []
    for size in [0, 1, 59, 60, 61, 200]:
        plaintext = rbytes(size)
        cd = encrypt_bytestring(plaintext, cipher_algo="RSA_OAEP", key_dict=dict(key=public))
        out.append(dict(plaintext=plaintext.hex(), cipherdict=dump_to_json_str(cd)))
    return dict(private_key_pem=keypair["private_key"].decode(), public_key_pem=keypair["public_key"].decode(), cases=out)


def signatures():
    out = []
    for algo, params in [("RSA_PSS", {}), ("ECC_DSS", {"curve": "p256"}), ("ECC_DSS", {"curve": "p384"}),
                         ("ECC_DSS", {"curve": "p521"}), ("DSA_DSS", {})]:
        keypair = generate_keypair(key_algo=algo, **params)
        private = load_asymmetric_key_from_pem_bytestring(keypair["private_key"], key_algo=algo)
        message = rbytes(64)
        sig = sign_message(message, signature_algo=algo, private_key=private)
        out.append(dict(algo=algo, params=params, public_key_pem=keypair["public_key"].decode(),
                        private_key_pem=keypair["private_key"].decode(),
                        message=message.hex(), signature=dump_to_json_str(sig)))
    return out


def protected_keys():
    """Private keys protected the ways pycryptodome and wacryptolib write them."""
    from Crypto.PublicKey import RSA, ECC, DSA
    passphrase = "  Pässphrase ﬁne  "  # wacryptolib strips and NFKC-normalizes before use
    encoded = "Pässphrase fine".encode("utf8")
    rsa = RSA.generate(2048)
    out = []
    for protection in ["PBKDF2WithHMAC-SHA1AndAES256-CBC", "PBKDF2WithHMAC-SHA256AndAES256-CBC",
                       "PBKDF2WithHMAC-SHA512AndAES256-CBC", "scryptAndAES256-CBC", "PBKDF2WithHMAC-SHA1AndDES-EDE3-CBC"]:
        pem = rsa.export_key(format="PEM", pkcs=8, passphrase=encoded, protection=protection).decode()
        out.append(dict(algo="RSA_OAEP", protection=protection, pem=pem, public_pem=rsa.publickey().export_key().decode()))
    ecc = ECC.generate(curve="p256")
    out.append(dict(algo="ECC_DSS", protection="wacryptolib ECC", public_pem=ecc.public_key().export_key(format="PEM"),
                    pem=ecc.export_key(format="PEM", passphrase=encoded, use_pkcs8=True,
                                       protection="PBKDF2WithHMAC-SHA1AndAES128-CBC")))
    dsa = DSA.generate(2048)
    out.append(dict(algo="DSA_DSS", protection="wacryptolib DSA", public_pem=dsa.publickey().export_key().decode(),
                    pem=dsa.export_key(format="PEM", passphrase=encoded, pkcs8=True,
                                       protection="PBKDF2WithHMAC-SHA1AndDES-EDE3-CBC").decode()))
    return dict(passphrase=passphrase, keys=out)


def extended_json():
    doc = {
        "a": "hêllo",
        "b": b"xyz",
        "c": uuid.UUID("7c0b18f5-f410-4e83-9263-b38c2328e516"),
        "d": 5,
        "e": 2 ** 40,
        "f": -7,
        "g": [True, False, None, "\u0001\"\\/\n\t😀"],
        "h": {"z": 1, "a": {"nested": [b"", b"\x00\xff" * 20]}},
        "i": datetime(2021, 3, 4, 5, 6, 7, 89000, tzinfo=timezone.utc),
    }
    return dict(known=dump_to_json_str({"a": "hêllo", "b": b"xyz", "c": uuid.UUID("7c0b18f5-f410-4e83-9263-b38c2328e516")}),
                mixed=dump_to_json_str(doc))


(HERE / "gf128_shamir.json").write_text(json.dumps(gf(), indent=1))
(HERE / "rsa_oaep.json").write_text(json.dumps(rsa_oaep(), indent=1))
(HERE / "signatures.json").write_text(json.dumps(signatures(), indent=1))
(HERE / "protected_keys.json").write_text(json.dumps(protected_keys(), indent=1, ensure_ascii=False))
(HERE / "extended_json.json").write_text(json.dumps(extended_json(), indent=1, ensure_ascii=False))
