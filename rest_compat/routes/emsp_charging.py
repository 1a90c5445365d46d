"""/emsp/v1/charging: start and stop charging, and the sessions a driver (their own) or an eMSP key
(its networks') sees."""

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
        "chargerId": str(view.charger.uuid),
        "chargerUid": view.charger.uid,
        "connectorId": str(view.connector.uuid) if view.connector is not None else None,
        "connectorNumber": row.connector_number,
        "locationId": str(view.location.uuid) if view.location is not None else None,
        "locationName": view.location.name if view.location is not None else None,
        "startTime": iso_z(row.started_at),
        "endTime": iso_z(row.ended_at),
        "durationSeconds": sessions.duration_seconds(row),
        "energyDeliveredKwh": money_out(sessions.kwh(row.energy_wh), 3),
        "total": money_out(row.total),
        "currency": row.currency,
        "maxPowerKw": money_out(sessions.kwh(row.max_power_w), 3),
        "currentPowerKw": money_out(sessions.kwh(row.current_power_w), 3),
        "currentSocPercent": money_out(row.current_soc_percent, 1),
    }


def session_detail(view: sessions.SessionView) -> dict[str, Any]:
    row = view.session
    return {
        "authMethod": row.auth_method,
        "idTag": row.id_tag,
        "startMeterValue": money_out(sessions.kwh(row.meter_start_wh), 3),
        "endMeterValue": money_out(sessions.kwh(row.meter_stop_wh), 3),
        "currentMeterValue": money_out(sessions.kwh(row.current_meter_wh), 3),
        "startReason": row.start_reason,
        "stopReason": row.stop_reason,
        "idleTimeSeconds": row.idle_seconds,
        "isInIdleState": sessions.is_idle(row),
        "paymentStatus": row.payment_status,
        "costs": {
            "subtotal": money_out(row.subtotal),
            "taxes": money_out(row.tax_amount),
            "sessionFees": money_out(row.session_fee),
            "idleFees": money_out(row.idle_fee),
            "timeFees": money_out(row.time_cost),
            "total": money_out(row.total),
            "currency": row.currency,
        },
        **session_item(view),
    }


@endpoint(
    "GET",
    "/emsp/v1/charging/sessions",
    summary="List charging sessions (a driver's own; a key's networks')",
    params=[
        Param("page", "integer", "int32"),
        Param("pageSize", "integer", "int32"),
        Param("status", description="PENDING, ACTIVE, STOPPING, COMPLETED or FAULTED."),
        Param("chargerId", fmt="uuid", description="Filter by charger UUID."),
        Param("locationId", fmt="uuid", description="Filter by location UUID."),
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
        location_uuid=call.query_uuid("locationId"),
        start=call.query_datetime("from"),
        end=call.query_datetime("to"),
    )
    return Paged(page, [session_item(v) for v in page.items], "emsp")


@endpoint("GET", "/emsp/v1/charging/sessions/{id}", summary="Get session details with the cost breakdown")
async def get_session(call: Call) -> dict[str, Any]:
    return session_detail(await sessions.get_session(call.ctx, call.path_uuid("id")))


@endpoint(
    "POST",
    "/emsp/v1/charging/start",
    summary="Start a charging session with a charging token (OCPP remote start)",
    body=remote_charging.StartChargingInput,
)
async def start_charging(call: Call) -> dict[str, Any]:
    outcome = await remote_charging.start_charging(
        call.ctx, await call.body(remote_charging.StartChargingInput)
    )
    row, verdict = outcome.view.session, outcome.verdict
    if verdict.accepted:
        message = "Start command accepted; the session becomes ACTIVE when the charger starts charging."
    else:
        message = f"Start command not accepted: {verdict.reason or 'rejected by the charger'}."
        if verdict.retryable:
            message += " Retry when the charger is connected."
    return {
        "id": str(row.uuid),
        "sessionId": str(row.uuid),
        "correlationId": str(row.correlation_id) if row.correlation_id else None,
        "status": row.status,
        "chargerId": str(outcome.view.charger.uuid),
        "connectorNumber": row.connector_number,
        "startTime": iso_z(row.started_at or row.created_at),
        "message": message,
    }


@endpoint(
    "POST",
    "/emsp/v1/charging/stop",
    summary="Stop a charging session (OCPP remote stop); the final cost arrives when the charger ends it",
    body=remote_charging.StopChargingInput,
)
async def stop_charging(call: Call) -> dict[str, Any]:
    outcome = await remote_charging.stop_charging(
        call.ctx, await call.body(remote_charging.StopChargingInput)
    )
    return session_detail(outcome.view)
