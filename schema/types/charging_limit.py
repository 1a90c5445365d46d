"""Charging limits and composite schedules: the GraphQL types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain.models import ChargingLimit as ChargingLimitRow
from resolvers.charging_limits import LimitApplied, LimitCleared, LimitReading
from schema.scalars import dec, gid
from schema.types.command import CommandResult


@strawberry.type(description="One source's live cap on a connector.")
class ChargingCap:
    source: str = strawberry.field(description="OPERATOR or DRIVER.")
    unit: str = strawberry.field(description="A or W.")
    limit: Decimal
    profile_id: int = strawberry.field(description="The reserved OCPP charging-profile id of this cap.")
    stack_level: int | None
    status: str
    applied_at: datetime | None

    @classmethod
    def of(cls, row: ChargingLimitRow | None) -> ChargingCap | None:
        if row is None:
            return None
        limit = dec(row.limit_value)
        assert limit is not None
        return cls(
            source=row.source,
            unit=row.unit,
            limit=limit,
            profile_id=row.profile_id,
            stack_level=row.stack_level,
            status=row.status,
            applied_at=row.applied_at,
        )


@strawberry.type(description="The limit in force on a connector: the lowest live cap, and each source's own.")
class ChargingLimit:
    charger_id: strawberry.ID
    connector_number: int
    unit: str
    limit: Decimal | None = strawberry.field(description="The effective (lowest) cap; null when uncapped.")
    source: str | None = strawberry.field(description="Whose cap is the effective one.")
    operator: ChargingCap | None
    driver: ChargingCap | None
    accepted: bool = strawberry.field(description="True when the charger answered GetCompositeSchedule.")
    schedule: JSON | None = strawberry.field(
        description="The charger's composite schedule (1.6 shape), else the stored effective cap."
    )
    result: CommandResult

    @classmethod
    def of(cls, reading: LimitReading) -> ChargingLimit:
        live = reading.schedule.effective
        lowest = live.lowest
        return cls(
            charger_id=gid(reading.charger.uuid),
            connector_number=reading.connector_number,
            unit=reading.schedule.unit,
            limit=dec(lowest.limit_value) if lowest is not None else None,
            source=lowest.source if lowest is not None else None,
            operator=ChargingCap.of(live.operator),
            driver=ChargingCap.of(live.driver),
            accepted=reading.schedule.accepted,
            schedule=cast("JSON", reading.schedule.schedule),
            result=CommandResult.of(reading.schedule.verdict),
        )


@strawberry.type(description="A connector's composite schedule as the charger computes it.")
class CompositeSchedule:
    charger_id: strawberry.ID
    connector_number: int
    duration_seconds: int
    unit: str
    accepted: bool
    schedule: JSON | None = strawberry.field(description="The charger's answer (1.6 shape), or null.")
    result: CommandResult

    @classmethod
    def of(cls, reading: LimitReading) -> CompositeSchedule:
        return cls(
            charger_id=gid(reading.charger.uuid),
            connector_number=reading.connector_number,
            duration_seconds=reading.schedule.duration_seconds,
            unit=reading.schedule.unit,
            accepted=reading.schedule.accepted,
            schedule=cast("JSON", reading.schedule.schedule),
            result=CommandResult.of(reading.schedule.verdict),
        )


@strawberry.type(description="A cap set on a connector: Accepted replaces the source's previous cap.")
class ChargingLimitSet:
    charger_id: strawberry.ID
    connector_number: int
    source: str
    unit: str
    limit: Decimal
    profile_id: int
    status: str = strawberry.field(description="Accepted, or Rejected (the previous cap stays in force).")
    result: CommandResult

    @classmethod
    def of(cls, applied: LimitApplied) -> ChargingLimitSet:
        row = applied.applied.limit
        limit = dec(row.limit_value)
        assert limit is not None
        return cls(
            charger_id=gid(applied.charger.uuid),
            connector_number=row.connector_number,
            source=row.source,
            unit=row.unit,
            limit=limit,
            profile_id=applied.applied.profile_id,
            status=row.status,
            result=CommandResult.of(applied.applied.verdict),
        )


@strawberry.type(description="A cap cleared (ClearChargingProfile with its reserved id).")
class ChargingLimitCleared:
    charger_id: strawberry.ID
    connector_number: int
    profile_id: int
    cleared: bool = strawberry.field(description="True when a live cap was lifted.")
    result: CommandResult

    @classmethod
    def of(cls, result: LimitCleared) -> ChargingLimitCleared:
        return cls(
            charger_id=gid(result.charger.uuid),
            connector_number=result.connector_number,
            profile_id=result.cleared.profile_id,
            cleared=result.cleared.cleared is not None,
            result=CommandResult.of(result.cleared.verdict),
        )
