"""/cpms/v1/me, /cpms/v1/networks and /cpms/v1/usage: the calling key's own context and metering."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from domain.types import iso_z
from resolvers import account, networks, usage
from rest_compat.endpoint import Call, Param, endpoint


@endpoint("GET", "/cpms/v1/me", summary="Operator API key context (accessible networks + granted scopes)")
async def get_me(call: Call) -> dict[str, Any]:
    me = await account.me(call.ctx)
    return {
        "accessibleNetworkCount": me.accessible_network_count,
        "scopes": me.scopes,
        "keyType": me.key_type,
        "unrestricted": me.unrestricted,
    }


@endpoint("GET", "/cpms/v1/networks", summary="List the networks this key is authorized to operate")
async def list_networks(call: Call) -> list[dict[str, Any]]:
    rows = await networks.list_networks(call.ctx)
    return [{"id": str(n.uuid), "name": n.name} for n in rows]


@endpoint(
    "GET",
    "/cpms/v1/usage",
    summary="API consumption rollup (metering) for this key's networks",
    params=[Param("days", "integer", "int32", "Look-back window, in days.")],
)
async def get_usage(call: Call) -> dict[str, Any]:
    result = await usage.api_usage(call.ctx, call.query_int("days", 30) or 0)
    return {
        "totalRequests": result.total_requests,
        "totalUnits": result.total_units,
        "sinceUtc": iso_z(result.since),
        "daily": [
            {
                "date": iso_z(datetime.combine(row.day, time(0), tzinfo=UTC)),
                "family": row.family,
                "env": row.environment,
                "requests": row.requests,
                "units": row.units,
            }
            for row in result.daily
        ],
    }
