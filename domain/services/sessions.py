"""Sessions started and stopped from the platform: remote start (a PENDING session until the charger
starts), its timeout, remote stop, and force-stop of a hung session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import Update, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import RemoteStart, RemoteStop, Verdict
from domain.db import Database
from domain.errors import Conflict, ValidationFailed
from domain.models import Charger, ChargingSession, Connector
from domain.ports import ChargerCommands
from domain.services import cdr, live_events
from domain.services.tariff_lookup import effective_tariffs
from domain.types import utcnow

LIVE = ("PENDING", "ACTIVE", "STOPPING")
START_TIMEOUT_REASON = "RemoteStartTimeout"
FORCE_STOP_REASON = "ForceStopped"


@dataclass(frozen=True)
class Commanded:
    """A session and the charger's verdict on the command sent for it."""

    session: ChargingSession
    verdict: Verdict


async def remote_start(
    db: Database,
    commands: ChargerCommands,
    charger: Charger,
    *,
    connector_number: int,
    id_tag: str,
    user_id: int | None = None,
    charging_token_id: int | None = None,
    auth_method: str = "REMOTE",
    timeout: float | None = None,
) -> Commanded:
    """Create a PENDING session (with a correlation id and remote start id) and send RemoteStart.

    Not accepted: the session is FAULTED with the charger's reason. Accepted: it stays PENDING until the
    charger starts the transaction (ACTIVE, see ``transactions.transaction_started``) or the start
    times out (``fail_stale_pending``)."""
    assert charger.id is not None
    async with db.unit_of_work() as session:
        connector = (
            await session.exec(
                select(Connector).where(
                    Connector.charger_id == charger.id,
                    Connector.connector_number == connector_number,
                    col(Connector.deleted_at).is_(None),
                )
            )
        ).first()
        if connector is None or connector.id is None:
            raise ValidationFailed(f"connectorNumber: this charger has no connector {connector_number}")
        busy = (
            await session.exec(
                select(ChargingSession.id).where(
                    ChargingSession.connector_id == connector.id, col(ChargingSession.status).in_(LIVE)
                )
            )
        ).first()
        if busy is not None:
            raise Conflict("A session is already in progress on this connector", error="connector_busy")
        tariff = (await effective_tariffs(session, [connector.id]))[0]
        row = ChargingSession(
            network_id=charger.network_id,
            charger_id=charger.id,
            connector_id=connector.id,
            connector_number=connector_number,
            location_id=charger.location_id,
            user_id=user_id,
            charging_token_id=charging_token_id,
            tariff_id=tariff.id if tariff is not None else None,
            currency=tariff.currency if tariff is not None else "USD",
            id_tag=id_tag,
            auth_method=auth_method,
            status="PENDING",
            correlation_id=uuid4(),
            start_reason="Remote",
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        row.remote_start_id = row.id
        session.add(row)
    verdict = await commands.send(
        charger.uid, RemoteStart(connector_number, id_tag, row.remote_start_id or 0), timeout=timeout
    )
    if not verdict.accepted:
        now = utcnow()
        reason = (verdict.reason or verdict.status or "Rejected")[:40]
        async with db.unit_of_work() as session:
            await _changed(
                session,
                "session.failed",
                update(ChargingSession)
                .where(col(ChargingSession.id) == row.id, col(ChargingSession.status) == "PENDING")
                .values(status="FAULTED", stop_reason=reason, ended_at=now, updated_at=now),
            )
    return Commanded(await reload(db, row), verdict)


async def _changed(session: AsyncSession, event_type: str, stmt: Update) -> int:
    """Run a conditional UPDATE of sessions and record ``event_type`` for each row it changed."""
    ids = list((await session.exec(stmt.returning(col(ChargingSession.id)))).scalars())
    if ids:
        changed = await session.exec(select(ChargingSession).where(col(ChargingSession.id).in_(ids)))
        for changed_row in changed.all():
            await session.refresh(changed_row)
            await live_events.session_event(session, event_type, changed_row)
    return len(ids)


async def reload(db: Database, row: ChargingSession) -> ChargingSession:
    async with db.session() as session:
        fresh = await session.get(ChargingSession, row.id)
    assert fresh is not None
    return fresh


async def fail_stale_pending(db: Database, now: datetime, timeout_seconds: float) -> int:
    """Remote starts the charger never followed within ``timeout_seconds`` become FAULTED. Rows are
    claimed by the conditional UPDATE itself, so two instances never fail one twice."""
    cutoff = now - timedelta(seconds=timeout_seconds)
    async with db.unit_of_work() as session:
        return await _changed(
            session,
            "session.failed",
            update(ChargingSession)
            .where(col(ChargingSession.status) == "PENDING", col(ChargingSession.created_at) < cutoff)
            .values(status="FAULTED", stop_reason=START_TIMEOUT_REASON, ended_at=now, updated_at=now),
        )


async def remote_stop(
    db: Database,
    commands: ChargerCommands,
    charger: Charger,
    row: ChargingSession,
    *,
    timeout: float | None = None,
) -> Commanded:
    """Send RemoteStop for an ACTIVE session; accepted → STOPPING until the charger ends it (unless it
    already has); not accepted → it stays ACTIVE."""
    if row.status != "ACTIVE" or row.ocpp_transaction_id is None:
        raise Conflict(f"The session is {row.status}, not ACTIVE", error="session_not_active")
    verdict = await commands.send(charger.uid, RemoteStop(row.ocpp_transaction_id), timeout=timeout)
    if verdict.accepted:
        now = utcnow()
        async with db.unit_of_work() as session:
            await _changed(
                session,
                "session.updated",
                update(ChargingSession)
                .where(col(ChargingSession.id) == row.id, col(ChargingSession.status) == "ACTIVE")
                .values(status="STOPPING", stop_requested_at=now, updated_at=now),
            )
    return Commanded(await reload(db, row), verdict)


async def force_stop(
    db: Database,
    commands: ChargerCommands,
    charger: Charger,
    row: ChargingSession,
    *,
    timeout: float | None = None,
) -> tuple[ChargingSession, bool]:
    """Close a hung session: RemoteStop if the charger is connected, then, whatever it answers, the
    session COMPLETES locally ("ForceStopped") at the last known meter, costed, with its CDR.
    Returns the session and whether this call stopped it (False when it had already ended)."""
    if row.ended_at is not None or row.status not in LIVE:
        return row, False
    if row.ocpp_transaction_id is not None and commands.ocpp_version(charger.uid) is not None:
        await commands.send(charger.uid, RemoteStop(row.ocpp_transaction_id), timeout=timeout)
    async with db.unit_of_work() as session:
        locked = (
            await session.exec(select(ChargingSession).where(ChargingSession.id == row.id).with_for_update())
        ).one()
        if locked.ended_at is None:
            await cdr.close(session, locked, ended_at=utcnow(), stop_reason=FORCE_STOP_REASON)
            await live_events.session_event(session, "session.completed", locked)
    return await reload(db, row), True
