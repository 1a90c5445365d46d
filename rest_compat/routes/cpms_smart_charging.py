"""/cpms/v1/smart-charging: the operator's charging limit per connector and the composite schedule."""

from __future__ import annotations

from typing import Any

from domain.types import money_out
from resolvers import charging_limits
from rest_compat.endpoint import Call, Param, endpoint

CONNECTOR = Param("connector", "integer", "int32", "Connector number (1-based); defaults to 1.")
UNIT = Param("unit", "string", None, "A or W.")


def reading_out(reading: charging_limits.LimitReading) -> dict[str, Any]:
    return {
        "chargerId": str(reading.charger.uuid),
        "connectorNumber": reading.connector_number,
        "unit": reading.schedule.unit,
        "accepted": reading.schedule.accepted,
        "schedule": reading.schedule.schedule,
    }


def applied_out(result: charging_limits.LimitApplied) -> dict[str, Any]:
    row, verdict = result.applied.limit, result.applied.verdict
    return {
        "chargerId": str(result.charger.uuid),
        "connectorNumber": row.connector_number,
        "unit": row.unit,
        "limit": money_out(row.limit_value, 3),
        "profileId": result.applied.profile_id,
        "accepted": verdict.accepted,
        "reason": verdict.reason if not verdict.accepted else None,
        "retryable": verdict.retryable,
    }


def cleared_out(result: charging_limits.LimitCleared) -> dict[str, Any]:
    verdict = result.cleared.verdict
    return {
        "chargerId": str(result.charger.uuid),
        "connectorNumber": result.connector_number,
        "profileId": result.cleared.profile_id,
        "accepted": verdict.accepted,
        "reason": verdict.reason if not verdict.accepted else None,
        "retryable": verdict.retryable,
    }


def connector_param(call: Call) -> int:
    number = call.query_int("connector", 1)
    assert number is not None
    return number


def unit_param(call: Call) -> str | None:
    unit = call.query_str("unit")
    return unit.upper() if unit is not None else None


@endpoint(
    "GET",
    "/cpms/v1/smart-charging/{chargerUuid}/limit",
    summary="The effective charging limit on a connector (the charger's composite schedule)",
    params=[CONNECTOR, UNIT],
)
async def get_limit(call: Call) -> dict[str, Any]:
    reading = await charging_limits.get_limit(
        call.ctx, call.path_uuid("chargerUuid"), connector_param(call), unit_param(call)
    )
    return reading_out(reading)


@endpoint(
    "PUT",
    "/cpms/v1/smart-charging/{chargerUuid}/limit",
    summary="Set the operator's charging limit (A or W) on a connector",
    body=charging_limits.LimitSet,
)
async def set_limit(call: Call) -> dict[str, Any]:
    data = await call.body(charging_limits.LimitSet)
    return applied_out(await charging_limits.set_limit(call.ctx, call.path_uuid("chargerUuid"), data))


@endpoint(
    "DELETE",
    "/cpms/v1/smart-charging/{chargerUuid}/limit",
    summary="Clear the operator's charging limit on a connector",
    params=[CONNECTOR],
)
async def clear_limit(call: Call) -> dict[str, Any]:
    result = await charging_limits.clear_limit(call.ctx, call.path_uuid("chargerUuid"), connector_param(call))
    return cleared_out(result)


@endpoint(
    "GET",
    "/cpms/v1/smart-charging/{chargerUuid}/composite-schedule",
    summary="The charger's composite schedule for a connector (OCPP GetCompositeSchedule)",
    params=[CONNECTOR, Param("duration", "integer", "int32", "Seconds, 1 to 86400; default 3600."), UNIT],
)
async def composite_schedule(call: Call) -> dict[str, Any]:
    reading = await charging_limits.composite_schedule(
        call.ctx,
        call.path_uuid("chargerUuid"),
        connector_param(call),
        call.query_int("duration", 3600) or 0,
        unit_param(call),
    )
    return {**reading_out(reading), "durationSeconds": reading.schedule.duration_seconds}
