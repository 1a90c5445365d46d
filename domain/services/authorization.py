"""May an id tag charge here: token validity, the driver's fraud hold, reservations, concurrent sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import ChargingSession, ChargingToken, Reservation, User
from domain.types import as_utc

TokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid", "Unknown", "ConcurrentTx"]
"""2.0.1 vocabulary plus ConcurrentTx; the 1.6 handler maps Unknown to Invalid."""


@dataclass(frozen=True)
class TokenVerdict:
    status: TokenStatus
    expires_at: datetime | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True)
class Checked:
    verdict: TokenVerdict
    token: ChargingToken | None = None
    reservation: Reservation | None = None


def normalize(id_tag: str) -> str:
    """Token uids are stored upper-case (see ``charging_tokens.issue_token``)."""
    return id_tag.strip().upper()


async def token_status(
    session: AsyncSession, network_id: int, id_tag: str, at: datetime
) -> tuple[TokenVerdict, ChargingToken | None]:
    """The token's own standing at ``at``: Unknown, Invalid, Expired, Blocked or Accepted."""
    row = (
        await session.exec(
            select(ChargingToken, User)
            .join(User, col(User.id) == col(ChargingToken.user_id))
            .where(ChargingToken.network_id == network_id, ChargingToken.uid == normalize(id_tag))
        )
    ).first()
    if row is None:
        return TokenVerdict("Unknown"), None
    token, user = row
    expires = as_utc(token.expires_at) if token.expires_at is not None else None
    if not token.valid or token.invalidated_at is not None:
        return TokenVerdict("Invalid", expires), token
    if expires is not None and expires <= as_utc(at):
        return TokenVerdict("Expired", expires), token
    if user.fraud_hold or not user.is_active or user.deleted_at is not None:
        return TokenVerdict("Blocked", expires), token
    return TokenVerdict("Accepted", expires), token


async def live_reservations(
    session: AsyncSession, charger_id: int, connector_number: int | None, at: datetime
) -> list[Reservation]:
    """Accepted, unexpired reservations holding ``connector_number`` (or the whole charger, 0)."""
    numbers = [0] if connector_number is None else [0, connector_number]
    stmt = select(Reservation).where(
        Reservation.charger_id == charger_id,
        Reservation.status == "Accepted",
        col(Reservation.expires_at) > at,
        col(Reservation.connector_number).in_(numbers),
    )
    return list((await session.exec(stmt)).all())


async def check(
    session: AsyncSession,
    *,
    network_id: int,
    charger_id: int,
    id_tag: str,
    at: datetime,
    connector_number: int | None = None,
    reservation_id: int | None = None,
    excluding_session: int | None = None,
    remote_started: bool = False,
) -> Checked:
    """The verdict for starting with ``id_tag`` on this charger (and connector) at ``at``.

    A remote start we sent ourselves (``remote_started``) stands for its tag even when the tag is no
    token (operator tags). A connector held by a live reservation only takes the reservation's tag
    (others are Invalid); the matching reservation is returned so the start can use it. A token
    already charging elsewhere is ConcurrentTx.
    """
    verdict, token = await token_status(session, network_id, id_tag, at)
    if remote_started and verdict.status == "Unknown":
        verdict = TokenVerdict("Accepted")
    reservation: Reservation | None = None
    held = await live_reservations(session, charger_id, connector_number, at)
    if reservation_id is not None:
        held += [
            r
            for r in (
                await session.exec(
                    select(Reservation).where(
                        Reservation.charger_id == charger_id,
                        Reservation.ocpp_reservation_id == reservation_id,
                        col(Reservation.status).in_(["Accepted", "Pending"]),
                    )
                )
            ).all()
            if r not in held
        ]
    if held:
        mine = [r for r in held if normalize(r.id_tag) == normalize(id_tag)]
        if not mine:
            return Checked(TokenVerdict("Invalid", verdict.expires_at), token)
        reservation = mine[0]
    if verdict.status == "Accepted" and token is not None:
        busy = select(ChargingSession.id).where(
            ChargingSession.charging_token_id == token.id, ChargingSession.status == "ACTIVE"
        )
        if excluding_session is not None:
            busy = busy.where(ChargingSession.id != excluding_session)
        if (await session.exec(busy.limit(1))).first() is not None:
            verdict = TokenVerdict("ConcurrentTx", verdict.expires_at)
    return Checked(verdict, token, reservation)
