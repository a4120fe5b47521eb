"""Field encryption for ID numbers: AES-GCM ciphertext plus a keyed hash.

A database dump alone reveals no ID number; the keyed hash (HMAC-SHA256 under a
key derived from the field key) allows exact look-up and duplicate detection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_ID_BYTES = 4


class CryptoError(Exception):
    """A ciphertext that this key cannot open (wrong key or tampered data)."""


class FieldCrypto:
    def __init__(self, key: bytes, *, old_keys: tuple[bytes, ...] = ()) -> None:
        if len(key) != 32:
            raise ValueError("field key must be 32 bytes")
        self._key = key
        self._aead = AESGCM(key)
        self._key_id = key_id(key)
        self._hash_key = hmac.new(key, b"xueji id-number hash", "sha256").digest()
        self._old = {key_id(k): AESGCM(k) for k in old_keys}

    def encrypt(self, plaintext: str, *, context: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context)
        return VERSION + self._key_id + nonce + sealed

    def decrypt(self, blob: bytes, *, context: bytes = b"") -> str:
        if blob[:1] != VERSION:
            raise CryptoError("unknown ciphertext version")
        kid = blob[1 : 1 + KEY_ID_BYTES]
        aead = self._aead if kid == self._key_id else self._old.get(kid)
        if aead is None:
            raise CryptoError("ciphertext was sealed under an unknown key")
        body = blob[1 + KEY_ID_BYTES :]
        try:
            return aead.decrypt(
                body[:NONCE_BYTES], body[NONCE_BYTES:], context
            ).decode()
        except InvalidTag as exc:
            raise CryptoError("ciphertext does not open under its key") from exc

    def is_current(self, blob: bytes) -> bool:
        return blob[1 : 1 + KEY_ID_BYTES] == self._key_id

    def lookup_hash(self, normalized: str) -> str:
        return hmac.new(self._hash_key, normalized.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"key-id" + key).digest()[:KEY_ID_BYTES]


class NumberSealer:
    """Deterministic encryption (AES-SIV) for student numbers.

    A G number is the ID number with a prefix (第十条), so it is no less
    sensitive; sealing it deterministically keeps equality look-ups, ``IN``
    lists and the unique constraint working in SQL on the sealed text.
    """

    def __init__(self, field_key: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=None, info=b"xueji numbers"
        ).derive(field_key)
        self._siv = AESSIV(derived)

    def seal(self, plaintext: str) -> str:
        sealed = self._siv.encrypt(plaintext.encode(), None)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        try:
            return self._siv.decrypt(raw, None).decode()
        except InvalidTag as exc:
            raise CryptoError("sealed number does not open under this key") from exc
