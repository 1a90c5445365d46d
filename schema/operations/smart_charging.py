"""Charging-limit queries and mutations (the same resolvers as the smart-charging REST paths).

A cpms key acts on the OPERATOR cap, an emsp key or a signed-in driver on the DRIVER cap.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import strawberry

from resolvers import charging_limits as ops
from schema.context import Info
from schema.permissions import requires
from schema.types.charging_limit import (
    ChargingLimit,
    ChargingLimitCleared,
    ChargingLimitSet,
    CompositeSchedule,
)


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="The limit in force on a connector (the lowest cap), each source's cap, the schedule.",
    )
    async def charging_limit(
        self, info: Info, charger_id: UUID, connector: int = 1, unit: str | None = None
    ) -> ChargingLimit:
        unit = unit.upper() if unit is not None else None
        return ChargingLimit.of(await ops.get_limit(info.context.ctx, charger_id, connector, unit))

    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="The charger's composite schedule for a connector (OCPP GetCompositeSchedule).",
    )
    async def composite_schedule(
        self,
        info: Info,
        charger_id: UUID,
        connector: int = 1,
        duration_seconds: int = 3600,
        unit: str | None = None,
    ) -> CompositeSchedule:
        unit = unit.upper() if unit is not None else None
        reading = await ops.composite_schedule(
            info.context.ctx, charger_id, connector, duration_seconds, unit
        )
        return CompositeSchedule.of(reading)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Set your cap (operator or driver) on a connector; the lowest live cap is in force.",
    )
    async def set_charging_limit(
        self, info: Info, charger_id: UUID, limit: Decimal, connector_number: int = 1, unit: str = "A"
    ) -> ChargingLimitSet:
        data = ops.LimitSet(connector_number=connector_number, unit=unit, limit=limit)
        return ChargingLimitSet.of(await ops.set_limit(info.context.ctx, charger_id, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Clear your cap (operator or driver) on a connector; the other source's stays.",
    )
    async def clear_charging_limit(
        self, info: Info, charger_id: UUID, connector: int = 1
    ) -> ChargingLimitCleared:
        return ChargingLimitCleared.of(await ops.clear_limit(info.context.ctx, charger_id, connector))
