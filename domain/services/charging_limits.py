"""Charging limits: operator and driver caps per connector, applied as OCPP charging profiles.

Each source has its own reserved profile id per connector, so either can be cleared alone:
operator ``90000 + connector``, driver ``90100 + connector``. Both are TxDefaultProfiles on the
connector; OCPP takes the profile with the highest stack level, so the operator's sits at level 1
with its own limit and the driver's at level 2 carrying ``min(driver, operator)``. The effective
limit is therefore always the lowest live cap: with only the operator cap, level 1 applies; with
both, level 2 holds the minimum. Whenever the operator cap changes or is cleared while a driver cap
is live, the driver's profile is sent again with the new minimum. Both caps on one connector must
use the same unit (A or W).

A limit is bounded by what the connector can physically take: finite, at least ``RESOLUTION`` (OCPP
limits carry one decimal, so anything smaller would be sent as 0, a pause) and at most the connector's
rated maximum in that unit (``max_amperage`` for A; ``max_electric_power_w`` for W, else the charger's
``max_power_kw``), or ``PHYSICAL_MAX`` when nothing is rated. Beyond, ``ValidationFailed`` (422)
before anything is written or sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import (
    ChargingProfile,
    ChargingRateUnit,
    ClearChargingProfile,
    GetCompositeSchedule,
    SetChargingProfile,
    Verdict,
)
from domain.db import Database
from domain.errors import Conflict, ValidationFailed, not_found
from domain.models import Charger, ChargingLimit, Connector
from domain.ports import ChargerCommands
from domain.types import iso_z, utcnow

Source = Literal["OPERATOR", "DRIVER"]
OPERATOR: Source = "OPERATOR"
DRIVER: Source = "DRIVER"
PROFILE_BASE: dict[str, int] = {OPERATOR: 90000, DRIVER: 90100}
STACK_LEVEL: dict[str, int] = {OPERATOR: 1, DRIVER: 2}
UNITS = ("A", "W")
MAX_DURATION_SECONDS = 86400
DEFAULT_DURATION_SECONDS = 3600
RESOLUTION = Decimal("0.1")
PHYSICAL_MAX: dict[str, Decimal] = {"A": Decimal(1000), "W": Decimal(1_000_000)}
"""Beyond any real connector (megawatt charging included): the bound when the connector is not rated.
Amperes are per phase, as in an OCPP charging schedule; watts are the connector's total."""


@dataclass(frozen=True)
class Target:
    """The charger (already checked as reachable by the caller) and connector a limit applies to."""

    network_id: int
    charger_id: int
    charger_uid: str
    connector_number: int


@dataclass(frozen=True)
class Applied:
    """The answer to setting a cap: the row written (status Accepted, else Rejected) and the verdict."""

    limit: ChargingLimit
    profile_id: int
    verdict: Verdict


@dataclass(frozen=True)
class Cleared:
    profile_id: int
    verdict: Verdict
    cleared: ChargingLimit | None


@dataclass(frozen=True)
class Effective:
    """The live caps of a connector and the lowest of them (the one in force)."""

    operator: ChargingLimit | None
    driver: ChargingLimit | None

    @property
    def lowest(self) -> ChargingLimit | None:
        caps = [c for c in (self.operator, self.driver) if c is not None]
        return min(caps, key=lambda c: c.limit_value, default=None)


@dataclass(frozen=True)
class Schedule:
    """A composite schedule: the charger's answer (``accepted``), else the stored effective one."""

    verdict: Verdict
    unit: str
    schedule: dict[str, Any] | None
    effective: Effective
    duration_seconds: int

    @property
    def accepted(self) -> bool:
        return self.verdict.accepted


def profile_id(source: str, connector_number: int) -> int:
    return PROFILE_BASE[source] + connector_number


def _check_unit(unit: str) -> ChargingRateUnit:
    if unit == "A":
        return "A"
    if unit == "W":
        return "W"
    raise ValidationFailed("unit must be A or W", details=[{"field": "unit", "message": "must be A or W"}])


def rated_max(unit: ChargingRateUnit, connector: Connector, charger_max_kw: float | None) -> Decimal:
    """The most ``connector`` can take in ``unit``: its rating, else the charger's, else the ceiling."""
    rated: float | int | None = connector.max_amperage
    if unit == "W":
        rated = connector.max_electric_power_w
        if rated is None and charger_max_kw is not None:
            rated = charger_max_kw * 1000
    if rated is None or rated <= 0:
        return PHYSICAL_MAX[unit]
    return min(Decimal(str(rated)), PHYSICAL_MAX[unit])


def check_limit(unit: ChargingRateUnit, limit: Decimal, most: Decimal) -> None:
    """Raise ``ValidationFailed`` unless ``limit`` is finite and between ``RESOLUTION`` and ``most``."""
    if not limit.is_finite() or limit < RESOLUTION:
        raise ValidationFailed(
            f"limit must be a number of at least {RESOLUTION} {unit}",
            details=[{"field": "limit", "message": f">= {RESOLUTION}"}],
        )
    if limit > most:
        raise ValidationFailed(
            f"limit must be at most {most.normalize():f} {unit}, the most this connector can take",
            details=[{"field": "limit", "message": f"<= {most.normalize():f}"}],
        )


async def _live_connector(session: AsyncSession, target: Target) -> tuple[Connector, float | None]:
    """The target's live connector and its charger's rated kW (404 when there is no such connector)."""
    found = (
        await session.exec(
            select(Connector, Charger.max_power_kw)
            .join(Charger, col(Charger.id) == col(Connector.charger_id))
            .where(
                Connector.charger_id == target.charger_id,
                Connector.connector_number == target.connector_number,
                col(Connector.deleted_at).is_(None),
            )
        )
    ).first()
    if found is None:
        raise not_found("Connector")
    return found


async def _rated_max(session: AsyncSession, target: Target, unit: ChargingRateUnit) -> Decimal:
    connector, charger_max_kw = await _live_connector(session, target)
    return rated_max(unit, connector, charger_max_kw)


async def _connector(session: AsyncSession, target: Target) -> None:
    await _live_connector(session, target)


async def effective(session: AsyncSession, target: Target) -> Effective:
    rows = (
        await session.exec(
            select(ChargingLimit).where(
                ChargingLimit.charger_id == target.charger_id,
                ChargingLimit.connector_number == target.connector_number,
                col(ChargingLimit.cleared_at).is_(None),
            )
        )
    ).all()
    by_source = {r.source: r for r in rows}
    return Effective(by_source.get(OPERATOR), by_source.get(DRIVER))


def _profile(source: str, connector_number: int, unit: ChargingRateUnit, limit: Decimal) -> ChargingProfile:
    return ChargingProfile(
        profile_id=profile_id(source, connector_number),
        stack_level=STACK_LEVEL[source],
        unit=unit,
        limit=limit,
        purpose="TxDefaultProfile",
    )


async def _send_driver_profile(
    commands: ChargerCommands, target: Target, driver: ChargingLimit, operator_limit: Decimal | None
) -> Verdict:
    """Re-send the driver's level-2 profile so it carries min(driver, operator)."""
    limit = driver.limit_value if operator_limit is None else min(driver.limit_value, operator_limit)
    profile = _profile(DRIVER, target.connector_number, _check_unit(driver.unit), limit)
    return await commands.send(target.charger_uid, SetChargingProfile(target.connector_number, profile))


async def set_limit(
    db: Database,
    commands: ChargerCommands,
    target: Target,
    *,
    source: Source,
    unit: str,
    limit: Decimal,
    user_id: int | None = None,
    api_key_id: int | None = None,
) -> Applied:
    """Set ``source``'s cap. Accepted: it replaces that source's previous live cap. Rejected (or the
    charger unreachable): a Rejected row is kept for the record and the previous cap stays in force."""
    rate_unit = _check_unit(unit)
    async with db.session() as session:
        check_limit(rate_unit, limit, await _rated_max(session, target, rate_unit))
        live = await effective(session, target)
    other = live.driver if source == OPERATOR else live.operator
    if other is not None and other.unit != rate_unit:
        raise ValidationFailed(
            f"unit must be {other.unit}, the unit of the live {other.source.lower()} cap on this connector",
            details=[{"field": "unit", "message": f"must be {other.unit}"}],
        )
    sent = limit
    if source == DRIVER and live.operator is not None:
        sent = min(limit, live.operator.limit_value)
    pid = profile_id(source, target.connector_number)
    verdict = await commands.send(
        target.charger_uid,
        SetChargingProfile(
            target.connector_number, _profile(source, target.connector_number, rate_unit, sent)
        ),
    )
    now = utcnow()
    row = ChargingLimit(
        network_id=target.network_id,
        charger_id=target.charger_id,
        connector_number=target.connector_number,
        source=source,
        user_id=user_id,
        api_key_id=api_key_id,
        unit=rate_unit,
        limit_value=limit,
        profile_id=pid,
        stack_level=STACK_LEVEL[source],
        status="Accepted" if verdict.accepted else "Rejected",
        accepted=verdict.accepted,
        reason=None if verdict.accepted else (verdict.reason or verdict.status or "Rejected")[:200],
        applied_at=now if verdict.accepted else None,
        cleared_at=None if verdict.accepted else now,
        updated_at=now,
    )
    try:
        async with db.unit_of_work() as session:
            if verdict.accepted:
                previous = await effective(session, target)
                old = previous.operator if source == OPERATOR else previous.driver
                if old is not None:
                    old.cleared_at, old.status, old.updated_at = now, "Replaced", now
                    session.add(old)
                    await session.flush()
            row.connector_id = (
                await session.exec(
                    select(Connector.id).where(
                        Connector.charger_id == target.charger_id,
                        Connector.connector_number == target.connector_number,
                        col(Connector.deleted_at).is_(None),
                    )
                )
            ).first()
            session.add(row)
    except IntegrityError as exc:  # a concurrent set of the same source won the race
        raise Conflict("Another change to this limit is in progress", error="limit_conflict") from exc
    if verdict.accepted and source == OPERATOR and live.driver is not None:
        await _send_driver_profile(commands, target, live.driver, limit)
    return Applied(row, pid, verdict)


async def clear_limit(db: Database, commands: ChargerCommands, target: Target, *, source: Source) -> Cleared:
    """Clear ``source``'s cap (ClearChargingProfile with its reserved id). The row is cleared when the
    charger confirms, or answers it holds no such profile; otherwise the cap stays live."""
    async with db.session() as session:
        await _connector(session, target)
    pid = profile_id(source, target.connector_number)
    verdict = await commands.send(target.charger_uid, ClearChargingProfile(profile_id=pid))
    gone = verdict.accepted or verdict.status == "Unknown"
    cleared: ChargingLimit | None = None
    driver: ChargingLimit | None = None
    if gone:
        now = utcnow()
        async with db.unit_of_work() as session:
            live = await effective(session, target)
            cleared = live.operator if source == OPERATOR else live.driver
            driver = live.driver
            if cleared is not None:
                cleared.cleared_at, cleared.status, cleared.updated_at = now, "Cleared", now
                session.add(cleared)
    if gone and source == OPERATOR and driver is not None:
        await _send_driver_profile(commands, target, driver, None)
    return Cleared(pid, verdict, cleared)


def stored_schedule(target: Target, live: Effective, duration_seconds: int) -> dict[str, Any] | None:
    """The effective cap as a 1.6 GetCompositeSchedule.conf-shaped schedule (None without a cap)."""
    cap = live.lowest
    if cap is None:
        return None
    return {
        "status": "Accepted",
        "connectorId": target.connector_number,
        "scheduleStart": iso_z(cap.applied_at or cap.created_at),
        "chargingSchedule": {
            "duration": duration_seconds,
            "chargingRateUnit": cap.unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": float(cap.limit_value)}],
        },
    }


def as_v16(payload: dict[str, Any]) -> dict[str, Any]:
    """A charger's GetCompositeSchedule reply in the 1.6 shape (2.0.1 nests it under ``schedule``)."""
    nested = payload.get("schedule")
    if not isinstance(nested, dict):
        return payload
    schedule = {k: v for k, v in nested.items() if k not in ("evseId", "scheduleStart")}
    return {
        "status": payload.get("status"),
        "connectorId": nested.get("evseId"),
        "scheduleStart": nested.get("scheduleStart"),
        "chargingSchedule": schedule,
    }


def _unit_of(schedule: dict[str, Any] | None) -> str | None:
    if schedule is None:
        return None
    inner = schedule.get("chargingSchedule")
    unit = inner.get("chargingRateUnit") if isinstance(inner, dict) else None
    return unit if isinstance(unit, str) else None


async def composite_schedule(
    db: Database,
    commands: ChargerCommands,
    target: Target,
    *,
    duration_seconds: int = DEFAULT_DURATION_SECONDS,
    unit: str | None = None,
    stored_fallback: bool = False,
) -> Schedule:
    """Ask the charger for its composite schedule. Without an answer ``schedule`` is None, or with
    ``stored_fallback`` the effective cap we stored, in the same shape."""
    if not 1 <= duration_seconds <= MAX_DURATION_SECONDS:
        raise ValidationFailed(
            f"duration must be between 1 and {MAX_DURATION_SECONDS} seconds",
            details=[{"field": "duration", "message": "out of range"}],
        )
    rate_unit = _check_unit(unit) if unit is not None else None
    async with db.session() as session:
        await _connector(session, target)
        live = await effective(session, target)
    verdict = await commands.send(
        target.charger_uid, GetCompositeSchedule(target.connector_number, duration_seconds, rate_unit)
    )
    schedule: dict[str, Any] | None = None
    if verdict.accepted:
        schedule = as_v16(verdict.payload) if verdict.payload else None
    elif stored_fallback:
        schedule = stored_schedule(target, live, duration_seconds)
    cap = live.lowest
    shown = _unit_of(schedule) or rate_unit or (cap.unit if cap is not None else "A")
    return Schedule(verdict, shown, schedule, live, duration_seconds)
