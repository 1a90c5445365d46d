"""/cpms/v1 charger diagnostics: request a log upload, list uploaded files, the health snapshot."""

from __future__ import annotations

from typing import Any

from domain.services.firmware_updates import payload_text
from domain.types import iso_z
from resolvers import diagnostics as ops
from rest_compat.endpoint import Call, Param, endpoint

LIST_PATH = "GET /api/cpms/v1/diagnostic-files?chargerId={id}"


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/diagnostics/fetch", body=ops.DiagnosticsRequest)
async def fetch_diagnostics(call: Call) -> dict[str, Any]:
    """Ask a charger to upload its diagnostics/log file (GetDiagnostics / GetLog)"""
    charger_uuid = call.path_uuid("chargerUuid")
    requested = await ops.fetch_diagnostics(call.ctx, charger_uuid, await call.body(ops.DiagnosticsRequest))
    verdict = requested.dispatched.verdict
    if verdict.accepted:
        note = (
            "Diagnostics request accepted. The charger uploads the file asynchronously; "
            f"list it via {LIST_PATH}."
        )
    elif verdict.retryable:
        note = f"Diagnostics request not delivered: {verdict.reason}"
    else:
        note = f"The charger rejected the diagnostics request: {verdict.reason or verdict.status}"
    charger = requested.dispatched.charger
    return {
        "chargerId": str(charger.uuid),
        "chargePointId": charger.uid,
        "fileName": requested.file.file_name,
        "accepted": verdict.accepted,
        "uploadUrl": requested.file.url,
        "payload": payload_text(verdict),
        "message": note,
    }


@endpoint(
    "GET",
    "/cpms/v1/diagnostic-files",
    params=[Param("chargerId", fmt="uuid", description="Filter by charger UUID.", required=True)],
)
async def diagnostic_files(call: Call) -> list[dict[str, Any]]:
    """List diagnostic files a charger has uploaded (requires chargerId)"""
    files = await ops.diagnostic_files(call.ctx, call.query_uuid("chargerId"))
    return [
        {"name": f.file_name, "url": f.url, "size": f.size_bytes, "uploadedAt": iso_z(f.uploaded_at)}
        for f in files
    ]


@endpoint("GET", "/cpms/v1/chargers/{chargerUuid}/diagnostics")
async def charger_diagnostics(call: Call) -> dict[str, Any]:
    """Charger health snapshot: last heartbeat, online, recent status/error codes"""
    snap = await ops.charger_snapshot(call.ctx, call.path_uuid("chargerUuid"))
    charger = snap.charger
    return {
        "chargerId": str(charger.uuid),
        "serialNumber": charger.serial_number,
        "firmwareVersion": charger.firmware_version,
        "ocppVersion": snap.ocpp_version,
        "ipAddress": snap.ip_address,
        "lastHeartbeat": iso_z(charger.last_heartbeat),
        "isOnline": snap.is_online,
        "lastConnectionStatus": snap.last_connection.status if snap.last_connection else None,
        "statusHistory": [
            {
                "oldStatus": h.old_status,
                "newStatus": h.status,
                "errorCode": h.error_code,
                "errorMessage": h.error_info,
                "vendorErrorCode": h.vendor_error_code,
                "timestamp": iso_z(h.occurred_at),
            }
            for h in snap.status_history
        ],
        "recentOcppMessages": [
            {
                "timestamp": iso_z(m.occurred_at),
                "direction": m.direction,
                "messageType": m.message_type,
                "action": m.action,
                "status": m.status,
                "responseTimeMs": m.response_time_ms,
                "correlationId": m.correlation_id or m.unique_id,
                "ocppVersion": m.ocpp_version,
            }
            for m in snap.recent_messages
        ],
        "ocppMessageCount": snap.message_count,
    }
