"""Charging limits and composite schedules: operator caps (cpms keys) and driver caps (emsp callers).

The caller's family picks the cap's source: a cpms key sets the OPERATOR cap, an emsp key or a
signed-in driver the DRIVER cap. A driver may change a cap only on a connector where they have an
ACTIVE session.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from pydantic import Field, field_validator
from sqlmodel import select

from domain.errors import Forbidden, ValidationFailed
from domain.models import Charger, ChargingSession
from domain.principal import Principal
from domain.services import charging_limits as service
from resolvers import chargers
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:smart-charging:read", "emsp:charging:read")
WRITE = ("cpms:smart-charging:write", "emsp:charging:control")


class LimitSet(Input):
    connector_number: int = 1
    unit: str = "A"
    limit: Decimal = Field(allow_inf_nan=False)

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        upper = value.upper()
        if upper not in service.UNITS:
            raise ValueError("must be A or W")
        return upper

    @field_validator("limit")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value


@dataclass(frozen=True)
class LimitReading:
    charger: Charger
    connector_number: int
    schedule: service.Schedule


@dataclass(frozen=True)
class LimitApplied:
    charger: Charger
    applied: service.Applied


@dataclass(frozen=True)
class LimitCleared:
    charger: Charger
    connector_number: int
    cleared: service.Cleared


def source_of(principal: Principal) -> service.Source:
    return service.OPERATOR if principal.family == "cpms" else service.DRIVER


async def _target(ctx: Context, charger_uuid: UUID, connector_number: int) -> tuple[Charger, service.Target]:
    if connector_number < 1:
        raise ValidationFailed(
            "connector must be 1 or more", details=[{"field": "connectorNumber", "message": "out of range"}]
        )
    async with ctx.db.session() as session:
        charger = await chargers.load(session, ctx.principal, charger_uuid)
        if ctx.principal.driver_id is not None:
            charging = await session.exec(
                select(ChargingSession.id).where(
                    ChargingSession.user_id == ctx.principal.driver_id,
                    ChargingSession.charger_id == charger.id,
                    ChargingSession.connector_number == connector_number,
                    ChargingSession.status == "ACTIVE",
                )
            )
            if charging.first() is None:
                raise Forbidden(
                    "You can change the charging limit only on a connector you are charging on",
                    error="no_active_session",
                )
    assert charger.id is not None
    return charger, service.Target(charger.network_id, charger.id, charger.uid, connector_number)


async def _read_target(
    ctx: Context, charger_uuid: UUID, connector_number: int
) -> tuple[Charger, service.Target]:
    if connector_number < 1:
        raise ValidationFailed(
            "connector must be 1 or more", details=[{"field": "connector", "message": "< 1"}]
        )
    async with ctx.db.session() as session:
        charger = await chargers.load(session, ctx.principal, charger_uuid)
    assert charger.id is not None
    return charger, service.Target(charger.network_id, charger.id, charger.uid, connector_number)


async def get_limit(
    ctx: Context, charger_uuid: UUID, connector: int = 1, unit: str | None = None
) -> LimitReading:
    """The effective (lowest) cap and each source's own; ``schedule`` is the charger's composite
    schedule when it answers, else the stored effective cap."""
    ctx.principal.require(*READ)
    charger, target = await _read_target(ctx, charger_uuid, connector)
    schedule = await service.composite_schedule(
        ctx.db, ctx.services.commands, target, unit=unit, stored_fallback=True
    )
    return LimitReading(charger, connector, schedule)


async def composite_schedule(
    ctx: Context,
    charger_uuid: UUID,
    connector: int = 1,
    duration: int = service.DEFAULT_DURATION_SECONDS,
    unit: str | None = None,
) -> LimitReading:
    """The charger's GetCompositeSchedule answer (``schedule`` None when it did not answer)."""
    ctx.principal.require(*READ)
    charger, target = await _read_target(ctx, charger_uuid, connector)
    schedule = await service.composite_schedule(
        ctx.db, ctx.services.commands, target, duration_seconds=duration, unit=unit
    )
    return LimitReading(charger, connector, schedule)


async def set_limit(ctx: Context, charger_uuid: UUID, data: LimitSet) -> LimitApplied:
    ctx.principal.require(*WRITE)
    charger, target = await _target(ctx, charger_uuid, data.connector_number)
    applied = await service.set_limit(
        ctx.db,
        ctx.services.commands,
        target,
        source=source_of(ctx.principal),
        unit=data.unit,
        limit=data.limit,
        user_id=ctx.principal.driver_id,
        api_key_id=ctx.principal.api_key_id,
    )
    return LimitApplied(charger, applied)


async def clear_limit(ctx: Context, charger_uuid: UUID, connector: int = 1) -> LimitCleared:
    ctx.principal.require(*WRITE)
    charger, target = await _target(ctx, charger_uuid, connector)
    cleared = await service.clear_limit(
        ctx.db, ctx.services.commands, target, source=source_of(ctx.principal)
    )
    return LimitCleared(charger, connector, cleared)
