"""Charging tokens: the credentials a charger reads (RFID serials or app-issued identifiers)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, ValidationFailed
from domain.models import ChargingToken, Network, User
from domain.secrets import random_code
from domain.types import as_utc, utcnow

TOKEN_TYPES = ("RFID", "APP_USER", "AD_HOC_USER", "OTHER")


def contract_id(network: Network, uid: str) -> str:
    """An OCPI-style eMA id: COUNTRY-PARTY-UNIQUE."""
    return f"{network.country}-{network.party_id}-{uid[:8].upper()}"


async def issue_token(
    session: AsyncSession,
    network: Network,
    user: User,
    *,
    token_type: str = "RFID",
    uid: str | None = None,
    alias: str | None = None,
    expires_at: datetime | None = None,
) -> ChargingToken:
    if token_type not in TOKEN_TYPES:
        raise ValidationFailed(f"tokenType must be one of {', '.join(TOKEN_TYPES)}")
    assert network.id is not None and user.id is not None
    if uid is None:
        uid = random_code(12)
    else:
        uid = uid.strip().upper()
        # isalnum() alone would take any Unicode letter or digit ("Ä", "٣"): a charger sends ASCII.
        if not uid or len(uid) > 36 or not (uid.isascii() and uid.isalnum()):
            raise ValidationFailed("uid must be 1 to 36 letters and digits")
    if expires_at is not None:
        expires_at = as_utc(expires_at)
        if expires_at <= utcnow():
            raise ValidationFailed("expiresAt must be in the future")
    taken = await session.exec(
        select(ChargingToken.id).where(ChargingToken.network_id == network.id, ChargingToken.uid == uid)
    )
    if taken.first() is not None:
        raise Conflict("A token with this uid already exists", error="token_uid_taken")
    token = ChargingToken(
        network_id=network.id,
        user_id=user.id,
        uid=uid,
        contract_id=contract_id(network, uid),
        token_type=token_type,
        alias=alias,
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    return token
