"""Secrets the server must read back (webhook signing secrets), sealed with a key derived from the
server key: Fernet (AES-128-CBC + HMAC-SHA256, authenticated), so a row read from the database alone
reveals nothing and a tampered value is refused."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_PURPOSE = "chargegraph-webhook-secret:"


class UnsealError(ValueError):
    """The sealed value was not made with this server key, or was altered."""


def _fernet(server_key: str) -> Fernet:
    if not server_key:
        raise ValueError("the server key is empty")
    derived = hashlib.sha256((_PURPOSE + server_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(server_key: str, plain: str) -> str:
    """Encrypt ``plain`` for storage; every call gives a different text (random IV)."""
    return _fernet(server_key).encrypt(plain.encode()).decode("ascii")


def unseal(server_key: str, sealed: str) -> str:
    """The plain value of :func:`seal`'s output; :class:`UnsealError` if it cannot be authenticated."""
    try:
        return _fernet(server_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise UnsealError("the sealed secret cannot be opened with this server key") from exc
