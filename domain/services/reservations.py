"""Reservations: a connector held for one token until an expiry (OCPP ReserveNow / CancelReservation).

A reservation is *live* while its status is ``Accepted`` and ``expires_at`` is in the future: only
then does the charger hold the connector, and only the bound id tag may start on it (the transaction
service checks :func:`live` against the table). ``Pending`` rows are in flight (ReserveNow sent, no
answer yet) and also block a second reservation of the same connector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import CancelReservation, ReserveNow, Verdict
from domain.db import Database
from domain.errors import Conflict, ValidationFailed, not_found
from domain.models import ChargingSession, Connector, Reservation
from domain.ports import ChargerCommands
from domain.services import live_events
from domain.types import utcnow

MIN_EXPIRY_MINUTES = 1
MAX_EXPIRY_MINUTES = 1440
DEFAULT_EXPIRY_MINUTES = 15

HOLDING = ("Pending", "Accepted")
"""Statuses that hold the connector until ``expires_at`` (Pending: ReserveNow in flight)."""
OPEN_SESSION = ("PENDING", "ACTIVE", "STOPPING")


@dataclass(frozen=True)
class ReservationRequest:
    """What to reserve: the charger (already checked as reachable by the caller) and the token."""

    network_id: int
    charger_id: int
    charger_uid: str
    connector_number: int
    id_tag: str
    charging_token_id: int | None
    user_id: int | None
    expiry_minutes: int = DEFAULT_EXPIRY_MINUTES


@dataclass(frozen=True)
class Outcome:
    """The reservation after a reserve or cancel, and the charger's verdict when a command was sent."""

    reservation: Reservation
    verdict: Verdict | None


def live(now: datetime) -> list[ColumnElement[bool]]:
    """WHERE clauses of a live reservation: Accepted by the charger and not yet expired."""
    return [col(Reservation.status) == "Accepted", col(Reservation.expires_at) > now]


async def live_on_connector(
    session: AsyncSession, charger_id: int, connector_number: int, now: datetime | None = None
) -> Reservation | None:
    """The live reservation holding this connector, if any."""
    stmt = select(Reservation).where(
        Reservation.charger_id == charger_id,
        Reservation.connector_number == connector_number,
        *live(now or utcnow()),
    )
    return (await session.exec(stmt)).first()


def _holding(charger_id: int, connector_number: int, now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(Reservation.charger_id) == charger_id,
        col(Reservation.connector_number) == connector_number,
        col(Reservation.status).in_(HOLDING),
        col(Reservation.expires_at) > now,
    ]


async def _claim(session: AsyncSession, request: ReservationRequest, now: datetime) -> Reservation:
    """Insert the Pending row, refusing a connector already held or charging."""
    connector = (
        await session.exec(
            select(Connector)
            .where(
                Connector.charger_id == request.charger_id,
                Connector.connector_number == request.connector_number,
                col(Connector.deleted_at).is_(None),
            )
            .with_for_update()
        )
    ).first()
    if connector is None:
        raise not_found("Connector")
    reservation = Reservation(
        network_id=request.network_id,
        charger_id=request.charger_id,
        connector_id=connector.id,
        connector_number=request.connector_number,
        user_id=request.user_id,
        charging_token_id=request.charging_token_id,
        id_tag=request.id_tag,
        status="Pending",
        created_at=now,
        expires_at=now + timedelta(minutes=request.expiry_minutes),
        updated_at=now,
    )
    # Writing first takes SQLite's write lock, so a concurrent reserve sees this row or waits.
    session.add(reservation)
    await session.flush()
    assert reservation.id is not None
    reservation.ocpp_reservation_id = reservation.id
    session.add(reservation)
    others = (
        select(func.count())
        .select_from(Reservation)
        .where(
            *_holding(request.charger_id, request.connector_number, now),
            col(Reservation.id) != reservation.id,
        )
    )
    if (await session.exec(others)).one():
        raise Conflict("This connector is already reserved", error="connector_reserved")
    charging = (
        select(func.count())
        .select_from(ChargingSession)
        .where(
            col(ChargingSession.charger_id) == request.charger_id,
            col(ChargingSession.connector_number) == request.connector_number,
            col(ChargingSession.status).in_(OPEN_SESSION),
        )
    )
    if (await session.exec(charging)).one():
        raise Conflict("A charging session is in progress on this connector", error="connector_in_use")
    await session.flush()
    return reservation


def _rejection(verdict: Verdict) -> str:
    reason = verdict.reason or f"Rejected by charger ({verdict.status or 'Rejected'})"
    if verdict.retryable:
        reason += " Retryable: try again when the charger is online."
    return reason[:200]


async def reserve(
    db: Database, commands: ChargerCommands, request: ReservationRequest, *, timeout: float | None = None
) -> Outcome:
    """Reserve a connector: a Pending row, ReserveNow to the charger, then Accepted or Rejected (with
    the charger's reason; an unreachable charger is Rejected and the reason says it is retryable)."""
    if not MIN_EXPIRY_MINUTES <= request.expiry_minutes <= MAX_EXPIRY_MINUTES:
        raise ValidationFailed(
            f"expiryMinutes must be between {MIN_EXPIRY_MINUTES} and {MAX_EXPIRY_MINUTES}",
            details=[{"field": "expiryMinutes", "message": "out of range"}],
        )
    if request.connector_number < 1:
        raise ValidationFailed(
            "connectorNumber must be 1 or more",
            details=[{"field": "connectorNumber", "message": "out of range"}],
        )
    now = utcnow()
    async with db.unit_of_work() as session:
        reservation = await _claim(session, request, now)
    assert reservation.ocpp_reservation_id is not None
    verdict = await commands.send(
        request.charger_uid,
        ReserveNow(
            connector_number=request.connector_number,
            expires_at=reservation.expires_at,
            id_tag=request.id_tag,
            reservation_id=reservation.ocpp_reservation_id,
        ),
        timeout=timeout,
    )
    answered = utcnow()
    async with db.unit_of_work() as session:
        row = await session.get(Reservation, reservation.id, with_for_update=True)
        assert row is not None
        if row.status == "Pending":  # not cancelled or expired meanwhile
            if verdict.accepted:
                row.status, row.accepted_at, row.status_reason = "Accepted", answered, None
            else:
                row.status, row.status_reason = "Rejected", _rejection(verdict)
            row.updated_at = answered
            session.add(row)
            if verdict.accepted:
                await live_events.reservation_event(session, "reservation.created", row)
    return Outcome(row, verdict)


async def cancel(
    db: Database,
    commands: ChargerCommands,
    reservation_id: int,
    charger_uid: str,
    *,
    timeout: float | None = None,
) -> Outcome:
    """Cancel: we stop honouring the hold at once (Cancelled, cancelled_at), then ask the charger to
    release it when it had accepted it. Cancelling twice changes nothing."""
    now = utcnow()
    async with db.unit_of_work() as session:
        row = await session.get(Reservation, reservation_id, with_for_update=True)
        if row is None:
            raise not_found("Reservation")
        if row.status == "Cancelled":
            return Outcome(row, None)
        if row.status not in HOLDING:
            raise Conflict(
                f"The reservation is {row.status} and cannot be cancelled", error="not_cancellable"
            )
        was_accepted = row.status == "Accepted"
        row.status, row.cancelled_at, row.updated_at = "Cancelled", now, now
        row.status_reason = "Cancelled by the driver"
        session.add(row)
        await live_events.reservation_event(session, "reservation.cancelled", row)
    if not was_accepted or row.ocpp_reservation_id is None:
        return Outcome(row, None)
    verdict = await commands.send(charger_uid, CancelReservation(row.ocpp_reservation_id), timeout=timeout)
    if verdict.accepted:
        return Outcome(row, verdict)
    note = verdict.reason or f"the charger answered {verdict.status or 'Rejected'}"
    reason = f"Cancelled; the charger did not confirm ({note}). The hold is no longer honoured."
    async with db.unit_of_work() as session:
        fresh = await session.get(Reservation, reservation_id)
        assert fresh is not None
        fresh.status_reason = reason[:200]
        fresh.updated_at = utcnow()
        session.add(fresh)
    return Outcome(fresh, verdict)


async def expire_due(db: Database, now: datetime | None = None) -> int:
    """Mark every Pending or Accepted reservation past its expiry Expired; returns how many.

    One UPDATE claims the rows, so instances running this concurrently never expire one twice.
    """
    moment = now or utcnow()
    stmt = (
        update(Reservation)
        .where(col(Reservation.status).in_(HOLDING), col(Reservation.expires_at) < moment)
        .values(status="Expired", expired_at=moment, updated_at=moment, status_reason="Expired unused")
    )
    async with db.unit_of_work() as session:
        ids = list((await session.exec(stmt.returning(col(Reservation.id)))).scalars())
        if ids:
            expired = await session.exec(select(Reservation).where(col(Reservation.id).in_(ids)))
            for row in expired.all():
                await session.refresh(row)
                await live_events.reservation_event(session, "reservation.expired", row)
        return len(ids)
