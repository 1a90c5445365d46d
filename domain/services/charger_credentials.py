"""Charger credentials: the HTTP Basic password a charge point presents (OCPP security profiles 1 and 2).

The password is stored as an argon2 hash and shown once, when it is set or rotated. A charger with no
password is refused at the OCPP handshake: the operator sets one first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from domain.db import Database
from domain.errors import ValidationFailed, not_found
from domain.models import Charger
from domain.secrets import hash_password, new_token, verify_password
from domain.types import utcnow

MIN_LENGTH = 16
"""OCPP 1.6 security (and 2.0.1) require 16 to 40 characters for the BasicAuthPassword."""
MAX_LENGTH = 40


@dataclass(frozen=True)
class NewPassword:
    charger_uid: str
    password: str
    """Shown once; only its hash is stored."""


def generate() -> str:
    """A random password of 32 URL-safe characters."""
    return new_token(24)


def check(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(
            f"password: must be {MIN_LENGTH} to {MAX_LENGTH} characters", error="invalid_password"
        )
    if not password.isprintable() or ":" in password:
        raise ValidationFailed("password: printable characters only, no colon", error="invalid_password")


async def set_password(
    db: Database, charger_id: int, password: str | None = None, *, enforce_policy: bool = True
) -> NewPassword:
    """Set or rotate a charger's password (a random one when none is given); returns it once.
    ``enforce_policy`` false keeps a password a charger already uses (auto-registration)."""
    secret = password if password is not None else generate()
    if enforce_policy:
        check(secret)
    hashed = hash_password(secret)
    async with db.unit_of_work() as session:
        charger = await session.get(Charger, charger_id)
        if charger is None or charger.deleted_at is not None:
            raise not_found("Charger")
        charger.password_hash = hashed
        charger.updated_at = utcnow()
        uid = charger.uid
    return NewPassword(uid, secret)


async def set_password_by_uid(db: Database, uid: str, password: str | None = None) -> NewPassword:
    async with db.session() as session:
        stmt = select(Charger.id).where(Charger.uid == uid, col(Charger.deleted_at).is_(None))
        charger_id = (await session.exec(stmt)).first()
    if charger_id is None:
        raise not_found("Charger")
    return await set_password(db, charger_id, password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Constant-time check of a presented password (a missing hash never matches)."""
    return verify_password(stored_hash, password)
