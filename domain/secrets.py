"""Secrets at rest: random tokens, their SHA-256 digests, argon2 password hashes, constant-time compares."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_ALNUM = string.ascii_uppercase + string.digits


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def random_code(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def digest(token: str) -> str:
    """SHA-256 hex digest, for high-entropy tokens (API keys, refresh and reset tokens)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so that unknown accounts are not told apart.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
