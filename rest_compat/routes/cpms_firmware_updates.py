"""/cpms/v1 over-the-air firmware: send an update to a charger and follow its progress."""

from __future__ import annotations

from typing import Any

from domain.models import FirmwareImage, FirmwareUpdate
from domain.services.firmware_updates import payload_text
from domain.types import iso_z
from resolvers import firmware_updates as ops
from rest_compat.endpoint import Call, endpoint

STATUS_PATH = "GET /api/cpms/v1/chargers/{id}/firmware/status"


def update_view(update: FirmwareUpdate, image: FirmwareImage | None) -> dict[str, Any]:
    return {
        "id": str(update.uuid),
        "requestId": update.request_id,
        "firmwareVersionId": str(image.uuid) if image is not None else None,
        "firmwareVersion": update.firmware_version,
        "location": update.location_url,
        "status": update.status,
        "statusInfo": update.status_info,
        "accepted": update.accepted,
        "requestedAt": iso_z(update.requested_at),
        "retrieveAt": iso_z(update.retrieve_at),
        "startedAt": iso_z(update.started_at),
        "finishedAt": iso_z(update.finished_at),
        "updatedAt": iso_z(update.updated_at or update.requested_at),
    }


@endpoint(
    "POST",
    "/cpms/v1/chargers/{chargerUuid}/firmware/update",
    body=ops.FirmwareUpdateRequest,
)
async def update_firmware(call: Call) -> dict[str, Any]:
    """Apply a firmware image to one of the operator's own chargers (OTA; live control)"""
    charger_uuid = call.path_uuid("chargerUuid")
    sent = await ops.update_firmware(call.ctx, charger_uuid, await call.body(ops.FirmwareUpdateRequest))
    verdict = sent.dispatched.verdict
    if verdict.accepted:
        note = (
            "UpdateFirmware command accepted. Track progress via the charger's "
            f"FirmwareStatusNotification ({STATUS_PATH})."
        )
    elif verdict.retryable:
        note = f"UpdateFirmware command not delivered: {verdict.reason}"
    else:
        note = f"The charger rejected the UpdateFirmware command: {verdict.reason or verdict.status}"
    return {
        "chargerId": str(sent.dispatched.charger.uuid),
        "firmwareVersionId": str(sent.image.uuid) if sent.image is not None else None,
        "firmwareVersion": sent.update.firmware_version,
        "location": sent.update.location_url,
        "accepted": verdict.accepted,
        "payload": payload_text(verdict),
        "message": note,
    }


@endpoint("GET", "/cpms/v1/chargers/{chargerUuid}/firmware/status")
async def firmware_status(call: Call) -> dict[str, Any]:
    """Current firmware version + most recent firmware-update status for a charger"""
    status = await ops.firmware_status(call.ctx, call.path_uuid("chargerUuid"))
    charger = status.charger
    return {
        "chargerId": str(charger.uuid),
        "currentFirmwareVersion": charger.firmware_version,
        "ocppVersion": charger.ocpp_version,
        "isOnline": status.is_online,
        "lastHeartbeat": iso_z(charger.last_heartbeat),
        "lastFirmwareUpdate": update_view(status.latest, status.image) if status.latest else None,
    }
