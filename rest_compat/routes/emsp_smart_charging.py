"""/emsp/v1/smart-charging: a driver's own charging limit on the connector they charge on."""

from __future__ import annotations

from typing import Any

from resolvers import charging_limits
from rest_compat.endpoint import Call, endpoint
from rest_compat.routes.cpms_smart_charging import (
    CONNECTOR,
    UNIT,
    applied_out,
    cleared_out,
    connector_param,
    reading_out,
    unit_param,
)


@endpoint(
    "GET",
    "/emsp/v1/smart-charging/{chargerId}/limit",
    summary="The effective charging limit on a connector",
    params=[CONNECTOR, UNIT],
)
async def get_limit(call: Call) -> dict[str, Any]:
    reading = await charging_limits.get_limit(
        call.ctx, call.path_uuid("chargerId"), connector_param(call), unit_param(call)
    )
    return reading_out(reading)


@endpoint(
    "PUT",
    "/emsp/v1/smart-charging/{chargerId}/limit",
    summary="Set a driver's max charging speed on a connector",
    body=charging_limits.LimitSet,
)
async def set_limit(call: Call) -> dict[str, Any]:
    data = await call.body(charging_limits.LimitSet)
    return applied_out(await charging_limits.set_limit(call.ctx, call.path_uuid("chargerId"), data))


@endpoint(
    "DELETE",
    "/emsp/v1/smart-charging/{chargerId}/limit",
    summary="Clear the driver-set charging limit on a connector",
    params=[CONNECTOR],
)
async def clear_limit(call: Call) -> dict[str, Any]:
    result = await charging_limits.clear_limit(call.ctx, call.path_uuid("chargerId"), connector_param(call))
    return cleared_out(result)
