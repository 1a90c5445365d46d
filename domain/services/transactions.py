"""What chargers report about charging, in version-neutral form: authorize, transaction start,
updates and meter values, transaction end. The OCPP 1.6 and 2.0.1 handlers both call these.

Each function runs in one unit of work and is idempotent: a replayed or duplicated message (same
charger, same transaction id or same start facts) changes nothing more and returns the same answer.
Times are the charger's own (a transaction queued offline is recorded at its own times).

The energy register only counts up: a reading (or a 1.6 ``meterStop`` / 2.0.1 Transaction.End value)
below the highest one already seen never lowers the session's energy. The highest reading is kept and
billed, the session records the anomaly (``meter_anomaly``) and one operator alert (category
``meter_anomaly``, ``alert.raised``) is raised per session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.db import Database
from domain.errors import not_found
from domain.models import Charger, ChargingSession, Connector, MeterSample, Network, OperatorAlert
from domain.services import authorization, cdr, live_events
from domain.services.authorization import TokenStatus, TokenVerdict
from domain.services.tariff_lookup import effective_tariffs
from domain.types import as_utc, utcnow

__all__ = [
    "Sample",
    "Started",
    "TokenStatus",
    "TokenVerdict",
    "authorize",
    "meter_values",
    "transaction_ended",
    "transaction_started",
    "transaction_updated",
]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"
FAULT_REASONS = frozenset({"OvercurrentFault", "PowerQuality", "GroundFault"})
"""Stop reasons meaning the charger failed the session (FAULTED); every other reason completes it."""
IDLE_STATES = frozenset({"SuspendedEV", "SuspendedEVSE", "EVConnected", "Idle"})

T = TypeVar("T")


@dataclass(frozen=True)
class Sample:
    """One sampled value. ``measurand`` as OCPP names it (Energy.Active.Import.Register, Power.Active.Import,
    SoC, Current.Import, Voltage, ...); ``unit`` as sent (Wh, kWh, W, kW, Percent, A, V) or None for the
    measurand's default."""

    measurand: str
    value: Decimal
    sampled_at: datetime
    unit: str | None = None
    phase: str | None = None
    location: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class Anomaly:
    """The charger reported ``reported_wh`` on the energy register, below ``kept_wh`` already seen."""

    reported_wh: int
    kept_wh: int
    meter_stop: bool = False

    def describe(self) -> str:
        what = "meter stop" if self.meter_stop else "reading"
        return (
            f"Energy register went backwards: {what} {self.reported_wh} Wh below the earlier reading "
            f"{self.kept_wh} Wh; {self.kept_wh} Wh kept and billed"
        )


@dataclass(frozen=True)
class Started:
    transaction_id: str
    """1.6: the integer id we assigned (as text); 2.0.1: the charger's own id, echoed."""
    token: TokenVerdict
    session_uuid: UUID


async def _retrying(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a unit of work; a duplicate racing us to a unique key makes it run once more
    (its idempotent lookup then finds the row the other one wrote)."""
    try:
        async with db.unit_of_work() as session:
            return await work(session)
    except IntegrityError:
        async with db.unit_of_work() as session:
            return await work(session)


async def _charger(session: AsyncSession, charger_id: int) -> Charger:
    charger = await session.get(Charger, charger_id)
    if charger is None or charger.id is None:
        raise not_found("Charger")
    return charger


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _wh(sample: Sample) -> int:
    unit = (sample.unit or "Wh").lower()
    return _whole(sample.value * 1000 if unit == "kwh" else sample.value)


def _w(sample: Sample) -> int:
    unit = (sample.unit or "W").lower()
    return _whole(sample.value * 1000 if unit == "kw" else sample.value)


def _total(sample: Sample) -> bool:
    """The value for the whole outlet, not one phase or the EV side."""
    return sample.phase is None and sample.location in (None, "Outlet")


def _latest(samples: tuple[Sample, ...], measurand: str) -> Sample | None:
    found = [s for s in samples if s.measurand == measurand and _total(s)]
    return max(found, key=lambda s: as_utc(s.sampled_at)) if found else None


def _apply(row: ChargingSession, samples: tuple[Sample, ...]) -> Anomaly | None:
    """Move the session's live values to the newest readings; older readings never move them back,
    and an energy register below the highest one seen is an anomaly (the highest is kept)."""
    if not samples:
        return None
    newest = max(as_utc(s.sampled_at) for s in samples)
    if row.last_meter_at is not None and newest < as_utc(row.last_meter_at):
        return None
    anomaly = None
    energy = _latest(samples, ENERGY)
    if energy is not None:
        register = _wh(energy)
        if row.meter_start_wh is None:
            row.meter_start_wh = register
        if row.current_meter_wh is not None and register < row.current_meter_wh:
            anomaly = Anomaly(register, row.current_meter_wh)
            register = row.current_meter_wh
        row.current_meter_wh = register
        row.energy_wh = max(0, register - row.meter_start_wh)
    power = _latest(samples, POWER)
    if power is not None:
        row.current_power_w = _w(power)
        row.max_power_w = max(row.max_power_w or 0, row.current_power_w)
    soc = _latest(samples, SOC)
    if soc is not None:
        row.current_soc_percent = soc.value
        if row.start_soc_percent is None:
            row.start_soc_percent = soc.value
    row.last_meter_at = newest
    return anomaly


def stop_reading(row: ChargingSession, meter_stop_wh: int | None) -> tuple[int | None, Anomaly | None]:
    """The register to close ``row`` at: the charger's ``meter_stop_wh``, unless it is below the
    highest reading already seen (``current_meter_wh``), which is then kept (an anomaly)."""
    if meter_stop_wh is None or row.current_meter_wh is None or meter_stop_wh >= row.current_meter_wh:
        return meter_stop_wh, None
    return row.current_meter_wh, Anomaly(meter_stop_wh, row.current_meter_wh, meter_stop=True)


async def _flag(session: AsyncSession, row: ChargingSession, anomaly: Anomaly | None) -> None:
    """Record ``anomaly`` on the session and raise an operator alert: once per session, so a charger
    whose meter keeps going backwards raises one alert, not one per message."""
    if anomaly is None or row.meter_anomaly is not None:
        return
    row.meter_anomaly = anomaly.describe()[:200]
    session.add(row)
    alert = OperatorAlert(
        network_id=row.network_id,
        location_id=row.location_id,
        charger_id=row.charger_id,
        connector_id=row.connector_id,
        source="OCPP",
        category="meter_anomaly",
        severity="warning",
        title=f"Meter went backwards in session {row.uuid}",
        message=row.meter_anomaly,
        details={
            "sessionId": str(row.uuid),
            "transactionId": row.ocpp_transaction_id,
            "connectorNumber": row.connector_number,
            "reportedWh": anomaly.reported_wh,
            "keptWh": anomaly.kept_wh,
            "meterStop": anomaly.meter_stop,
        },
    )
    session.add(alert)
    await live_events.alert_raised(session, alert)


def _store(
    session: AsyncSession,
    charger: Charger,
    connector_number: int,
    samples: tuple[Sample, ...],
    row: ChargingSession | None,
) -> None:
    session.add_all(
        [
            MeterSample(
                network_id=charger.network_id,
                session_id=row.id if row is not None else None,
                charger_id=charger.id or 0,
                connector_number=connector_number,
                sampled_at=as_utc(s.sampled_at),
                measurand=s.measurand[:60],
                phase=s.phase,
                location=s.location,
                context=s.context,
                value=s.value,
                unit=s.unit,
            )
            for s in samples
        ]
    )


async def _by_txid(
    session: AsyncSession, charger_id: int, transaction_id: str, *, lock: bool = False
) -> ChargingSession | None:
    stmt = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id, ChargingSession.ocpp_transaction_id == transaction_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.exec(stmt)).first()


async def authorize(
    db: Database, charger_id: int, id_tag: str, *, connector_number: int | None = None
) -> TokenVerdict:
    """Is ``id_tag`` allowed to charge on this charger: a known, active, unexpired token of the
    charger's network whose driver is not on a fraud hold (Blocked). A tag we remote-started with
    (pending on this charger) is Accepted; a reserved connector (or charger) takes only its
    reservation's tag; a token already in an ACTIVE session is ConcurrentTx."""
    async with db.session() as session:
        charger = await _charger(session, charger_id)
        pending = (
            await session.exec(
                select(ChargingSession.id).where(
                    ChargingSession.charger_id == charger_id,
                    ChargingSession.status == "PENDING",
                    ChargingSession.id_tag == id_tag,
                )
            )
        ).first()
        checked = await authorization.check(
            session,
            network_id=charger.network_id,
            charger_id=charger_id,
            id_tag=id_tag,
            at=utcnow(),
            connector_number=connector_number,
            remote_started=pending is not None,
        )
    return checked.verdict


async def transaction_started(
    db: Database,
    charger_id: int,
    *,
    connector_number: int,
    id_tag: str | None,
    started_at: datetime,
    meter_start_wh: int | None = None,
    transaction_id: str | None = None,
    remote_start_id: int | None = None,
    reservation_id: int | None = None,
    reason: str | None = None,
    samples: tuple[Sample, ...] = (),
) -> Started:
    """The charger started a transaction (1.6 StartTransaction: ``transaction_id`` None, we assign
    one; 2.0.1 TransactionEvent Started: the charger's id). Activates the matching PENDING session
    of a remote start (by ``remote_start_id``, else charger + connector + id tag) or creates one."""
    started_at = as_utc(started_at)

    async def work(session: AsyncSession) -> Started:
        charger = await _charger(session, charger_id)
        existing = await _replayed(session, charger_id, connector_number, started_at, id_tag, transaction_id)
        if existing is not None:
            return await _restart_answer(session, charger, existing, id_tag, started_at)
        row = await _pending(session, charger_id, connector_number, id_tag, remote_start_id)
        remote = row is not None
        if row is None:
            row = await _new_session(session, charger, connector_number, id_tag)
        else:
            row.id_tag = id_tag or row.id_tag
            if row.connector_number != connector_number:
                moved = await _new_session(session, charger, connector_number, row.id_tag)
                row.connector_number, row.connector_id = connector_number, moved.connector_id
        verdict = TokenVerdict("Accepted")
        if row.id_tag:
            checked = await authorization.check(
                session,
                network_id=charger.network_id,
                charger_id=charger_id,
                id_tag=row.id_tag,
                at=started_at,
                connector_number=connector_number,
                reservation_id=reservation_id,
                excluding_session=row.id,
                remote_started=remote,
            )
            verdict = checked.verdict
            if checked.token is not None:
                row.charging_token_id = row.charging_token_id or checked.token.id
                row.user_id = row.user_id or checked.token.user_id
                checked.token.last_used_at = started_at
                session.add(checked.token)
            if checked.reservation is not None and verdict.status == "Accepted":
                checked.reservation.status = "Used"
                checked.reservation.used_at = started_at
                checked.reservation.updated_at = utcnow()
                session.add(checked.reservation)
                row.reservation_id = checked.reservation.id
                await live_events.reservation_event(session, "reservation.used", checked.reservation)
        row.status = "ACTIVE"
        row.started_at = started_at
        row.start_reason = reason or row.start_reason or ("Remote" if remote else "Local")
        row.auth_method = row.auth_method or ("RFID" if row.id_tag else "Local")
        if meter_start_wh is not None:
            row.meter_start_wh = meter_start_wh
            row.current_meter_wh = meter_start_wh
        row.updated_at = utcnow()
        session.add(row)
        await session.flush()
        assert row.id is not None
        row.ocpp_transaction_id = transaction_id if transaction_id is not None else str(row.id)
        await _flag(session, row, _apply(row, samples))
        _store(session, charger, connector_number, samples, row)
        await session.flush()
        await live_events.session_event(session, "session.started", row)
        return Started(row.ocpp_transaction_id, verdict, row.uuid)

    return await _retrying(db, work)


async def _replayed(
    session: AsyncSession,
    charger_id: int,
    connector_number: int,
    started_at: datetime,
    id_tag: str | None,
    transaction_id: str | None,
) -> ChargingSession | None:
    if transaction_id is not None:
        return await _by_txid(session, charger_id, transaction_id)
    stmt = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id,
        ChargingSession.connector_number == connector_number,
        ChargingSession.started_at == started_at,
        ChargingSession.id_tag == id_tag,
        col(ChargingSession.ocpp_transaction_id).is_not(None),
    )
    return (await session.exec(stmt)).first()


async def _restart_answer(
    session: AsyncSession, charger: Charger, row: ChargingSession, id_tag: str | None, at: datetime
) -> Started:
    """The answer to a replayed start: the same id, the tag's verdict as it was (not ConcurrentTx
    with itself)."""
    assert row.ocpp_transaction_id is not None and charger.id is not None
    verdict = TokenVerdict("Accepted")
    if id_tag:
        checked = await authorization.check(
            session,
            network_id=charger.network_id,
            charger_id=charger.id,
            id_tag=id_tag,
            at=at,
            excluding_session=row.id,
            remote_started=row.correlation_id is not None,
        )
        verdict = checked.verdict
        if row.reservation_id is not None and verdict.status == "Invalid":
            verdict = TokenVerdict("Accepted", verdict.expires_at)
    return Started(row.ocpp_transaction_id, verdict, row.uuid)


async def _pending(
    session: AsyncSession,
    charger_id: int,
    connector_number: int,
    id_tag: str | None,
    remote_start_id: int | None,
) -> ChargingSession | None:
    """The PENDING session of our remote start this transaction answers."""
    stmt = select(ChargingSession).where(
        ChargingSession.charger_id == charger_id, ChargingSession.status == "PENDING"
    )
    if remote_start_id is not None:
        stmt = stmt.where(ChargingSession.remote_start_id == remote_start_id)
    elif id_tag is not None:
        # the connector we asked for first, else the charger chose another one for that tag
        stmt = stmt.where(ChargingSession.id_tag == id_tag).order_by(
            col(ChargingSession.connector_number) != connector_number
        )
    else:
        return None
    stmt = stmt.order_by(col(ChargingSession.created_at).desc(), col(ChargingSession.id).desc())
    return (await session.exec(stmt.with_for_update())).first()


async def _new_session(
    session: AsyncSession, charger: Charger, connector_number: int, id_tag: str | None
) -> ChargingSession:
    assert charger.id is not None
    connector = (
        await session.exec(
            select(Connector).where(
                Connector.charger_id == charger.id,
                Connector.connector_number == connector_number,
                col(Connector.deleted_at).is_(None),
            )
        )
    ).first()
    tariff = None
    if connector is not None and connector.id is not None:
        tariff = (await effective_tariffs(session, [connector.id]))[0]
    currency = tariff.currency if tariff is not None else await _network_currency(session, charger.network_id)
    return ChargingSession(
        network_id=charger.network_id,
        charger_id=charger.id,
        connector_id=connector.id if connector is not None else None,
        connector_number=connector_number,
        location_id=charger.location_id,
        tariff_id=tariff.id if tariff is not None else None,
        currency=currency,
        id_tag=id_tag,
        status="ACTIVE",
    )


async def _network_currency(session: AsyncSession, network_id: int) -> str:
    network = await session.get(Network, network_id)
    return network.currency if network is not None and network.currency else "USD"


async def transaction_updated(
    db: Database,
    charger_id: int,
    *,
    transaction_id: str,
    at: datetime,
    samples: tuple[Sample, ...] = (),
    charging_state: str | None = None,
    id_tag: str | None = None,
    connector_number: int | None = None,
) -> TokenVerdict | None:
    """2.0.1 TransactionEvent Updated (also a late Started for an unknown id): meter values,
    charging state. Returns the token verdict when ``id_tag`` was given."""
    at = as_utc(at)
    async with db.unit_of_work() as session:
        row = await _by_txid(session, charger_id, transaction_id)
        if row is not None:
            charger = await _charger(session, charger_id)
            await _flag(session, row, _apply(row, samples))
            _idle(row, charging_state, at)
            if id_tag and not row.id_tag:
                row.id_tag = id_tag
            row.updated_at = utcnow()
            session.add(row)
            _store(session, charger, row.connector_number, samples, row)
            if samples and row.ended_at is None:
                await live_events.session_event(session, "session.updated", row)
            if not id_tag:
                return None
            checked = await authorization.check(
                session,
                network_id=charger.network_id,
                charger_id=charger_id,
                id_tag=id_tag,
                at=at,
                excluding_session=row.id,
                remote_started=row.correlation_id is not None,
            )
            return checked.verdict
    started = await transaction_started(
        db,
        charger_id,
        connector_number=connector_number or 1,
        id_tag=id_tag,
        started_at=at,
        transaction_id=transaction_id,
        reason="Updated",
        samples=samples,
    )
    return started.token if id_tag else None


def _idle(row: ChargingSession, charging_state: str | None, at: datetime) -> None:
    """Idle time: from the moment the car stops drawing (SuspendedEV, EVConnected, ...) until it
    charges again or the session ends."""
    if charging_state is None or row.ended_at is not None:
        return
    if charging_state in IDLE_STATES and row.idle_started_at is None:
        row.idle_started_at = at
        row.charging_ended_at = at
    elif charging_state == "Charging" and row.idle_started_at is not None:
        row.idle_seconds += max(0, int((at - as_utc(row.idle_started_at)).total_seconds()))
        row.idle_started_at = None
        row.charging_ended_at = None


async def meter_values(
    db: Database,
    charger_id: int,
    *,
    connector_number: int,
    samples: tuple[Sample, ...],
    transaction_id: str | None = None,
) -> None:
    """MeterValues: stored as samples; with a transaction, the session's energy, power and state of
    charge are updated live. Hot path: one short unit of work."""
    async with db.unit_of_work() as session:
        row = None
        if transaction_id is not None:
            row = await _by_txid(session, charger_id, transaction_id)
        if row is not None:
            network_id = row.network_id
            if row.ended_at is None:
                await _flag(session, row, _apply(row, samples))
                row.updated_at = utcnow()
                session.add(row)
                await live_events.session_event(session, "session.updated", row)
        else:
            charger = await _charger(session, charger_id)
            network_id = charger.network_id
        session.add_all(
            [
                MeterSample(
                    network_id=network_id,
                    session_id=row.id if row is not None else None,
                    charger_id=charger_id,
                    connector_number=connector_number,
                    sampled_at=as_utc(s.sampled_at),
                    measurand=s.measurand[:60],
                    phase=s.phase,
                    location=s.location,
                    context=s.context,
                    value=s.value,
                    unit=s.unit,
                )
                for s in samples
            ]
        )


async def transaction_ended(
    db: Database,
    charger_id: int,
    *,
    transaction_id: str,
    ended_at: datetime,
    meter_stop_wh: int | None = None,
    reason: str | None = None,
    id_tag: str | None = None,
    samples: tuple[Sample, ...] = (),
    connector_number: int | None = None,
) -> TokenVerdict | None:
    """1.6 StopTransaction / 2.0.1 TransactionEvent Ended: the session COMPLETES (costed with its
    tariff, a CDR row written). An unknown id is recorded as a completed session of its own so no
    energy is lost. A ``meter_stop_wh`` below the highest reading is an anomaly: the reading is
    billed. Returns the token verdict when ``id_tag`` was given."""
    ended_at = as_utc(ended_at)

    async def work(session: AsyncSession) -> TokenVerdict | None:
        charger = await _charger(session, charger_id)
        row = await _by_txid(session, charger_id, transaction_id, lock=True)
        if row is None:
            row = await _new_session(session, charger, connector_number or 1, id_tag)
            row.ocpp_transaction_id = transaction_id
            row.start_reason = "Unknown"
            begin = [as_utc(s.sampled_at) for s in samples]
            row.started_at = min([*begin, ended_at])
            session.add(row)
            await session.flush()
        if row.ended_at is None:
            _store(session, charger, row.connector_number, samples, row)
            anomaly = _apply(row, samples)
            kept, stop_anomaly = stop_reading(row, meter_stop_wh)
            await _flag(session, row, stop_anomaly or anomaly)
            failed = reason in FAULT_REASONS
            await cdr.close(
                session,
                row,
                ended_at=ended_at,
                status="FAULTED" if failed else "COMPLETED",
                stop_reason=reason or "Local",
                meter_stop_wh=kept,
            )
            await live_events.session_event(session, "session.failed" if failed else "session.completed", row)
        if not id_tag:
            return None
        checked = await authorization.check(
            session,
            network_id=charger.network_id,
            charger_id=charger_id,
            id_tag=id_tag,
            at=ended_at,
            excluding_session=row.id,
            remote_started=row.correlation_id is not None or row.id_tag == id_tag,
        )
        if checked.verdict.status == "Invalid" and row.reservation_id is not None:
            return TokenVerdict("Accepted", checked.verdict.expires_at)
        return checked.verdict

    return await _retrying(db, work)
