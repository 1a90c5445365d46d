"""/cpms/v1/chargers/{chargerUuid}/remote-start and remote-stop: operator live control of charging."""

from __future__ import annotations

from typing import Any

from resolvers import remote_charging
from rest_compat.endpoint import Call, endpoint

STARTED = (
    "Start command accepted. The session becomes ACTIVE when the charger confirms the transaction; "
    "follow it via GET /cpms/v1/sessions/{sessionId}."
)
STOPPED = "Stop command accepted. Final session data arrives with the charger's StopTransaction."


def _refused(what: str, reason: str | None, retryable: bool) -> str:
    text = f"{what} command not accepted: {reason or 'rejected by the charger'}."
    return f"{text} Retry when the charger is connected." if retryable else text


@endpoint(
    "POST",
    "/cpms/v1/chargers/{chargerUuid}/remote-start",
    summary="Operator remote-start a charging session on one of the operator's own chargers (live control)",
    body=remote_charging.RemoteStartInput,
)
async def remote_start(call: Call) -> dict[str, Any]:
    data = await call.body(remote_charging.RemoteStartInput)
    outcome = await remote_charging.remote_start(call.ctx, call.path_uuid("chargerUuid"), data)
    row, verdict = outcome.view.session, outcome.verdict
    return {
        "chargerId": str(outcome.view.charger.uuid),
        "connectorNumber": row.connector_number,
        "idTag": row.id_tag,
        "accepted": verdict.accepted,
        "deviceType": "OCPP",
        "transactionId": row.ocpp_transaction_id,
        "message": STARTED.replace("{sessionId}", str(row.uuid))
        if verdict.accepted
        else _refused("Start", verdict.reason, verdict.retryable),
    }


@endpoint(
    "POST",
    "/cpms/v1/chargers/{chargerUuid}/remote-stop",
    summary="Operator remote-stop the active charging session of one of its chargers (live control)",
)
async def remote_stop(call: Call) -> dict[str, Any]:
    outcome = await remote_charging.remote_stop(call.ctx, call.path_uuid("chargerUuid"))
    row, verdict = outcome.view.session, outcome.verdict
    return {
        "chargerId": str(outcome.view.charger.uuid),
        "sessionId": str(row.uuid),
        "status": row.status,
        "accepted": verdict.accepted,
        "deviceType": "OCPP",
        "message": STOPPED if verdict.accepted else _refused("Stop", verdict.reason, verdict.retryable),
    }
