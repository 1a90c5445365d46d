"""/cpms/v1/sessions: the operator's charging sessions, their detail, and force-stop of a hung one."""

from __future__ import annotations

from typing import Any

from domain.types import iso_z, money_out
from resolvers import remote_charging, sessions
from rest_compat.endpoint import Call, Paged, Param, endpoint


def session_item(view: sessions.SessionView) -> dict[str, Any]:
    row = view.session
    return {
        "id": str(row.uuid),
        "status": row.status,
        "chargerId": view.charger.id,
        "energyKwh": money_out(sessions.kwh(row.energy_wh), 3),
        "total": money_out(row.total),
        "currency": row.currency,
        "startedAt": iso_z(row.started_at),
        "endedAt": iso_z(row.ended_at),
    }


def session_detail(view: sessions.SessionView) -> dict[str, Any]:
    row = view.session
    return {
        "id": str(row.uuid),
        "status": row.status,
        "chargerId": view.charger.id,
        "networkId": row.network_id,
        "energyKwh": money_out(sessions.kwh(row.energy_wh), 3),
        "currentPowerKw": money_out(sessions.kwh(row.current_power_w), 3),
        "total": money_out(row.total),
        "currency": row.currency,
        "startedAt": iso_z(row.started_at),
        "endedAt": iso_z(row.ended_at),
    }


@endpoint(
    "GET",
    "/cpms/v1/sessions",
    summary="List the operator's charging sessions",
    params=[
        Param("page", "integer", "int32"),
        Param("pageSize", "integer", "int32"),
        Param("status", description="PENDING, ACTIVE, STOPPING, COMPLETED or FAULTED."),
        Param("chargerId", fmt="uuid", description="Filter by charger UUID."),
        Param("from", "object", "date-time", "Start of the time range (inclusive), ISO-8601."),
        Param("to", "object", "date-time", "End of the time range (inclusive), ISO-8601."),
    ],
)
async def list_sessions(call: Call) -> Paged:
    page = await sessions.list_sessions(
        call.ctx,
        call.page_request(),
        status=call.query_str("status"),
        charger_uuid=call.query_uuid("chargerId"),
        start=call.query_datetime("from"),
        end=call.query_datetime("to"),
    )
    return Paged(page, [session_item(v) for v in page.items], "cpms")


@endpoint("GET", "/cpms/v1/sessions/{id}", summary="Charging session detail (energy, cost, timing)")
async def get_session(call: Call) -> dict[str, Any]:
    return session_detail(await sessions.get_session(call.ctx, call.path_uuid("id")))


@endpoint(
    "POST",
    "/cpms/v1/sessions/{id}/force-stop",
    summary="Operator force-close a hung charging session (live control)",
)
async def force_stop(call: Call) -> dict[str, Any]:
    view, stopped = await remote_charging.force_stop(call.ctx, call.path_uuid("id"))
    return {"sessionId": str(view.session.uuid), "stopped": stopped}
