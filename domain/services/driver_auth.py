"""Driver accounts: register, log in, rotating refresh tokens, password reset, access tokens (JWT)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import jwt
from sqlalchemy import exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.config import AuthConfig
from domain.errors import Conflict, Unauthorized, ValidationFailed
from domain.models import ChargingToken, Network, PasswordResetToken, RefreshToken, User
from domain.secrets import digest, hash_password, new_token, verify_password
from domain.services.charging_tokens import issue_token
from domain.types import utcnow

JWT_ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Session:
    """What register, login and refresh hand back to the driver."""

    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    token_uid: str | None


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    user_uuid: UUID
    network_id: int | None
    family_id: UUID
    """The refresh-token family (the sign-in) the access token was issued for: revoking it ends the token."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def access_token(config: AuthConfig, user: User, family: UUID) -> str:
    now = utcnow()
    claims = {
        "sub": str(user.uuid),
        "uid": user.id,
        "net": user.network_id,
        "fid": str(family),
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=config.access_token_ttl_seconds)).timestamp()),
        "jti": uuid4().hex,
    }
    return jwt.encode(claims, config.secret_key, algorithm=JWT_ALGORITHM)


def read_access_token(config: AuthConfig, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token, config.secret_key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired", error="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid access token", error="invalid_token") from exc
    if claims.get("typ") != "access" or not isinstance(claims.get("uid"), int):
        raise Unauthorized("Invalid access token", error="invalid_token")
    try:
        user_uuid, family_id = UUID(str(claims["sub"])), UUID(str(claims.get("fid")))
    except ValueError as exc:  # no family: issued before families were checked, or not ours
        raise Unauthorized("Invalid access token", error="invalid_token") from exc
    return AccessClaims(
        user_id=claims["uid"], user_uuid=user_uuid, network_id=claims.get("net"), family_id=family_id
    )


async def signed_in_user(session: AsyncSession, claims: AccessClaims) -> User:
    """The driver of a valid access token, in one query: the user row (by primary key) if the token's
    refresh family is still live (an indexed ``EXISTS`` on ``refresh_token.family_id``). A revoked
    family (refresh-token reuse, password reset) ends its access tokens at once."""
    live = exists().where(
        col(RefreshToken.family_id) == claims.family_id, col(RefreshToken.revoked_at).is_(None)
    )
    user = (await session.exec(select(User).where(User.id == claims.user_id, live))).first()
    if user is None or not user.is_active or user.deleted_at is not None or user.uuid != claims.user_uuid:
        raise Unauthorized("Invalid access token", error="invalid_token")
    return user


async def _new_refresh(
    session: AsyncSession, config: AuthConfig, user: User, family: UUID
) -> tuple[RefreshToken, str]:
    assert user.id is not None
    secret = new_token(32)
    row = RefreshToken(
        user_id=user.id,
        family_id=family,
        token_hash=digest(secret),
        expires_at=utcnow() + timedelta(days=config.refresh_token_ttl_days),
    )
    session.add(row)
    await session.flush()
    return row, secret


async def _first_token_uid(session: AsyncSession, user: User) -> str | None:
    stmt = (
        select(ChargingToken.uid)
        .where(ChargingToken.user_id == user.id, col(ChargingToken.valid).is_(True))
        .order_by(col(ChargingToken.id))
    )
    return (await session.exec(stmt)).first()


async def sign_in(session: AsyncSession, config: AuthConfig, user: User) -> Session:
    """A new sign-in (a new refresh-token family) for ``user``: what login and register hand back."""
    family = uuid4()
    _, refresh = await _new_refresh(session, config, user, family)
    return Session(
        access_token=access_token(config, user, family),
        refresh_token=refresh,
        expires_in=config.access_token_ttl_seconds,
        user=user,
        token_uid=await _first_token_uid(session, user),
    )


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    first_name: str
    last_name: str
    phone: str | None = None


async def register(
    session: AsyncSession, config: AuthConfig, network: Network, form: Registration
) -> Session:
    """A new driver in ``network``, with an app charging token provisioned for them."""
    email = normalize_email(form.email)
    check_password(form.password)
    if not form.first_name.strip() or not form.last_name.strip():
        raise ValidationFailed("firstName and lastName are required")
    taken = await session.exec(select(User.id).where(User.network_id == network.id, User.email == email))
    if taken.first() is not None:
        raise Conflict("An account with this email already exists", error="email_taken")
    user = User(
        network_id=network.id,
        email=email,
        password_hash=await asyncio.to_thread(hash_password, form.password),
        first_name=form.first_name.strip(),
        last_name=form.last_name.strip(),
        phone_number=form.phone,
    )
    session.add(user)
    await session.flush()
    await issue_token(session, network, user, token_type="APP_USER", alias="App")
    return await sign_in(session, config, user)


async def login(
    session: AsyncSession, config: AuthConfig, network_ids: frozenset[int] | None, email: str, password: str
) -> Session:
    stmt = select(User).where(User.email == normalize_email(email), col(User.deleted_at).is_(None))
    if network_ids is not None:
        stmt = stmt.where(col(User.network_id).in_(sorted(network_ids)))
    user = (await session.exec(stmt.order_by(col(User.id)))).first()
    # argon2 costs ~0.15 s of CPU: in a thread, so the event loop keeps serving everyone else.
    matches = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not matches or user is None or not user.is_active:
        raise Unauthorized("Invalid email or password", error="invalid_credentials")
    user.last_active_at = utcnow()
    session.add(user)
    return await sign_in(session, config, user)


def _in_networks(user: User, network_ids: frozenset[int] | None) -> bool:
    return network_ids is None or (user.network_id is not None and user.network_id in network_ids)


async def refresh(
    session: AsyncSession, config: AuthConfig, presented: str, network_ids: frozenset[int] | None = None
) -> Session:
    """Rotate a refresh token. A token used again after the grace period revokes its whole family.

    ``network_ids`` are the networks the caller's key reaches: another network's token is refused
    (and, being refused before anything else, cannot be used to revoke that driver's sessions).
    """
    now = utcnow()
    row = (
        await session.exec(select(RefreshToken).where(RefreshToken.token_hash == digest(presented)))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("Invalid refresh token", error="invalid_refresh_token")
    user = await session.get(User, row.user_id)
    if (
        user is None
        or not user.is_active
        or user.deleted_at is not None
        or not _in_networks(user, network_ids)
    ):
        raise Unauthorized("Invalid refresh token", error="invalid_refresh_token")
    if row.used_at is not None:
        if now - row.used_at <= timedelta(seconds=config.refresh_reuse_grace_seconds):
            # A benign duplicate (two tabs refreshing at once): a new access token, the same refresh token.
            token = access_token(config, user, row.family_id)
            return Session(token, presented, config.access_token_ttl_seconds, user, None)
        await revoke_family(session, row.family_id, "reuse_detected")
        await session.commit()
        raise Unauthorized("Refresh token reuse detected; sign in again", error="refresh_token_reused")
    claimed = await session.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.id) == row.id,
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.revoked_at).is_(None),  # not revoked meanwhile (a concurrent reuse)
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Unauthorized("Refresh token already used", error="refresh_token_reused")
    new_row, secret = await _new_refresh(session, config, user, row.family_id)
    row.replaced_by_id = new_row.id
    session.add(row)
    token = access_token(config, user, row.family_id)
    return Session(token, secret, config.access_token_ttl_seconds, user, None)


async def revoke_family(session: AsyncSession, family_id: UUID, reason: str) -> None:
    """End a sign-in: its refresh tokens and, since principal resolution checks the family, its
    access tokens."""
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


async def revoke_all(session: AsyncSession, user_id: int, reason: str) -> None:
    """End every sign-in of the driver (refresh and access tokens)."""
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


@dataclass(frozen=True)
class ResetMail:
    to: str
    subject: str
    body: str


async def forgot_password(
    session: AsyncSession, config: AuthConfig, network_ids: frozenset[int] | None, email: str
) -> ResetMail | None:
    """A single-use reset token for the account, if there is one; the caller answers the same either way."""
    stmt = select(User).where(User.email == normalize_email(email), col(User.deleted_at).is_(None))
    if network_ids is not None:
        stmt = stmt.where(col(User.network_id).in_(sorted(network_ids)))
    user = (await session.exec(stmt.order_by(col(User.id)))).first()
    if user is None or user.id is None or not user.is_active:
        return None
    secret = new_token(32)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=digest(secret),
            expires_at=utcnow() + timedelta(minutes=config.password_reset_ttl_minutes),
        )
    )
    await session.flush()
    link = f"{config.public_base_url.rstrip('/')}/reset-password?token={secret}"
    body = (
        f"Hello {user.first_name},\n\nSomeone asked to reset the password of your charging account.\n"
        f"Use this link or token within {config.password_reset_ttl_minutes} minutes:\n\n{link}\n\n"
        f"Token: {secret}\n\nIf it was not you, ignore this message.\n"
    )
    return ResetMail(to=user.email, subject="Reset your password", body=body)


async def reset_password(
    session: AsyncSession, token: str, new_password: str, network_ids: frozenset[int] | None = None
) -> User:
    """Set a new password with a single-use reset token; every refresh token of the driver is revoked."""
    check_password(new_password)
    now = utcnow()
    row = (
        await session.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token)))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed("The reset token is invalid or has expired", error="invalid_reset_token")
    claimed = await session.execute(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.id) == row.id, col(PasswordResetToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed("The reset token is invalid or has expired", error="invalid_reset_token")
    user = await session.get(User, row.user_id)
    if (
        user is None
        or user.id is None
        or not user.is_active
        or user.deleted_at is not None
        or not _in_networks(user, network_ids)
    ):
        raise ValidationFailed("The reset token is invalid or has expired", error="invalid_reset_token")
    user.password_hash = await asyncio.to_thread(hash_password, new_password)
    user.updated_at = now
    session.add(user)
    # Any other reset link still in the driver's mailbox dies with this one.
    await session.execute(
        update(PasswordResetToken)
        .where(col(PasswordResetToken.user_id) == user.id, col(PasswordResetToken.used_at).is_(None))
        .values(used_at=now)
    )
    await revoke_all(session, user.id, "password_reset")
    return user
