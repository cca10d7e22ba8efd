"""Sealing the personal part of a durable record with the deployment's key.

A record leaves the worker for a shared store, so what it holds of the
caller (slot values, action results, what the call knows is secret, what
was said while recording was paused) is encrypted with AES-256-GCM from
``cryptography`` — a well-kept library, not a cipher of ours. The record's
clear header (format version, flow name and content hash, call id) is bound
to the ciphertext as associated data: a sealed part pasted into another
call's or another flow's record does not open.

The key is 32 random bytes in url-safe base64, what ``superdialog keygen``
prints; by default it is read from ``SUPERDIALOG_STATE_KEY``. That variable
may hold several keys separated by commas: the first seals, every one opens
(rotate by putting the new key first, and drop the old one once the records
it sealed have expired).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass

from superdialog.runtime.durable_values import RecordError

__all__ = ["ENV_KEY", "StateKey", "generate_key"]

ENV_KEY = "SUPERDIALOG_STATE_KEY"
_NONCE = 12
_PREFIX = "A256GCM"


def generate_key() -> str:
    """A new state key: 32 random bytes in url-safe base64 (what ``superdialog keygen`` prints)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _key_bytes(text: str, where: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise RecordError("a state key is not url-safe base64", where=where) from None
    if len(raw) != 32:
        raise RecordError(
            f"a state key must be 32 bytes, this one is {len(raw)} "
            "(make one with `superdialog keygen`)",
            where=where,
        )
    return raw


@dataclass(frozen=True, slots=True, repr=False)
class StateKey:
    """The keys that seal and open records: the first seals, any opens.

    Build it with ``StateKey.parse(text)`` or ``StateKey.from_env()``; its
    ``repr`` shows key ids only, never key material.
    """

    keys: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.keys or any(len(k) != 32 for k in self.keys):
            raise RecordError("a state key holds one or more 32-byte keys", where="state key")

    @classmethod
    def parse(cls, text: str, *, where: str = "state key") -> StateKey:
        """Keys from text: url-safe base64 keys separated by commas."""
        parts = [p for p in text.replace("\n", ",").split(",") if p.strip()]
        if not parts:
            raise RecordError("no key given", where=where)
        return cls(tuple(_key_bytes(p, where) for p in parts))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> StateKey | None:
        """The key in ``SUPERDIALOG_STATE_KEY``, or None when it is unset or empty."""
        text = (os.environ if environ is None else environ).get(ENV_KEY, "")
        return cls.parse(text, where=ENV_KEY) if text.strip() else None

    @staticmethod
    def key_id(key: bytes) -> str:
        """A short public fingerprint of one key (which key sealed a record)."""
        return hashlib.sha256(b"superdialog state key id\x00" + key).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"StateKey({', '.join(self.key_id(k) for k in self.keys)})"

    def seal(self, plaintext: bytes, header: bytes) -> str:
        """Encrypt ``plaintext`` bound to ``header``; text safe for JSON."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # lazy: only when saving

        key = self.keys[0]
        nonce = secrets.token_bytes(_NONCE)
        sealed = AESGCM(key).encrypt(nonce, plaintext, header)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{_PREFIX}.{self.key_id(key)}.{body}"

    def open(self, token: str, header: bytes) -> bytes:
        """Decrypt what ``seal`` made with one of our keys and the same ``header``.

        Raises:
            RecordError: no key of ours sealed it, or it was changed.

        """
        from cryptography.exceptions import InvalidTag  # lazy: only when restoring
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # lazy: as above

        try:
            prefix, kid, body = token.split(".", 2)
            blob = base64.urlsafe_b64decode(body.encode("ascii"))
        except (ValueError, binascii.Error, UnicodeEncodeError, AttributeError):
            raise RecordError("the sealed part is malformed", where="sealed") from None
        if prefix != _PREFIX or len(blob) < _NONCE + 16:
            raise RecordError("the sealed part is malformed", where="sealed")
        key = next((k for k in self.keys if self.key_id(k) == kid), None)
        if key is None:
            raise RecordError(
                f"sealed with key {kid}, which is not among the keys given", where="sealed"
            )
        try:
            return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], header)
        except InvalidTag:
            raise RecordError(
                "the sealed part does not open: it was changed, or belongs to another record",
                where="sealed",
            ) from None
