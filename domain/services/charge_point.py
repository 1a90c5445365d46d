"""What a charge point reports about itself, in version-neutral form: boot, heartbeat, status, firmware
and diagnostics progress, data transfers, reports, security events, and its websocket connections.

The OCPP 1.6 and 2.0.1 handlers both call these. Each runs in one short unit of work; the hot path
(heartbeat, status) is one or two statements. Replays are harmless: a status older than the one
already stored is kept in the history but does not overwrite the current status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from domain.db import Database
from domain.models import (
    Charger,
    ChargerConnection,
    ChargerStatusChange,
    Connector,
    DiagnosticsFile,
    EventLogEntry,
    FirmwareUpdate,
    OperatorAlert,
)
from domain.services import live_events
from domain.services.charger_status import normalize
from domain.types import as_utc, utcnow


@dataclass(frozen=True)
class ChargerIdentity:
    """What the OCPP endpoint needs to know about a charge point for the life of its connection."""

    id: int
    network_id: int
    uid: str
    password_hash: str | None
    location_id: int | None = None


@dataclass(frozen=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    ocpp_version: str | None = None


@dataclass(frozen=True)
class StatusReport:
    """``connector_number`` 0 is the charger itself; ``status`` in any OCPP spelling."""

    connector_number: int
    status: str
    at: datetime
    error_code: str | None = None
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None


async def identity(db: Database, uid: str) -> ChargerIdentity | None:
    """The live charger with this OCPP identity, if any."""
    async with db.session() as session:
        stmt = select(Charger).where(Charger.uid == uid, col(Charger.deleted_at).is_(None))
        charger = (await session.exec(stmt)).first()
    return None if charger is None else _identity(charger)


def _identity(charger: Charger) -> ChargerIdentity:
    assert charger.id is not None
    return ChargerIdentity(
        charger.id, charger.network_id, charger.uid, charger.password_hash, charger.location_id
    )


async def identity_by_id(db: Database, charger_id: int) -> ChargerIdentity | None:
    async with db.session() as session:
        charger = await session.get(Charger, charger_id)
    return None if charger is None else _identity(charger)


async def booted(db: Database, charger_id: int, info: BootInfo, at: datetime | None = None) -> None:
    """BootNotification: record what the charger says it is; a boot counts as a sign of life."""
    now = at or utcnow()
    values: dict[str, Any] = {
        "vendor": info.vendor[:100],
        "model_name": info.model[:100],
        "last_boot_at": now,
        "last_heartbeat": now,
        "updated_at": now,
    }
    optional = {
        "serial_number": info.serial_number,
        "firmware_version": info.firmware_version,
        "iccid": info.iccid,
        "imsi": info.imsi,
        "meter_type": info.meter_type,
        "meter_serial_number": info.meter_serial_number,
        "ocpp_version": info.ocpp_version,
    }
    values.update({k: v for k, v in optional.items() if v is not None})
    async with db.unit_of_work() as session:
        await session.execute(update(Charger).where(col(Charger.id) == charger_id).values(**values))


async def heartbeat(db: Database, charger_id: int, at: datetime | None = None) -> None:
    """Heartbeat: one UPDATE."""
    async with db.unit_of_work() as session:
        await session.execute(
            update(Charger).where(col(Charger.id) == charger_id).values(last_heartbeat=at or utcnow())
        )


async def status_reported(db: Database, charger: ChargerIdentity, report: StatusReport) -> None:
    """StatusNotification: the charger's (connector 0) or a connector's status, plus a history row.

    A connector the charger reports but we do not know yet is added. A report older than the stored
    status (queued offline, replayed) only goes to the history.
    """
    stored = normalize(report.status)[:20]
    at = as_utc(report.at)
    error_code = None if report.error_code in (None, "NoError") else report.error_code
    async with db.unit_of_work() as session:
        connector_id: int | None = None
        if report.connector_number == 0:
            newer = select(ChargerStatusChange.id).where(
                ChargerStatusChange.charger_id == charger.id,
                ChargerStatusChange.connector_number == 0,
                col(ChargerStatusChange.occurred_at) > at,
            )
            current = await session.get(Charger, charger.id)
            old_status = current.status if current is not None else None
            result = await session.execute(
                update(Charger)
                .where(col(Charger.id) == charger.id, ~newer.exists())
                .values(status=stored, error_code=error_code, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            applied = bool(getattr(result, "rowcount", 0))
        else:
            connector = (
                await session.exec(
                    select(Connector).where(
                        Connector.charger_id == charger.id,
                        Connector.connector_number == report.connector_number,
                        col(Connector.deleted_at).is_(None),
                    )
                )
            ).first()
            if connector is None:
                connector = Connector(
                    charger_id=charger.id,
                    connector_number=report.connector_number,
                    connector_identifier=f"{charger.uid}-{report.connector_number}",
                )
                session.add(connector)
            old_status = connector.status
            applied = connector.last_status_update is None or as_utc(connector.last_status_update) <= at
            if applied:
                connector.status = stored
                connector.error_code = error_code
                connector.last_status_update = at
                connector.updated_at = utcnow()
            await session.flush()
            connector_id = connector.id
        session.add(
            ChargerStatusChange(
                network_id=charger.network_id,
                charger_id=charger.id,
                connector_id=connector_id,
                connector_number=report.connector_number,
                old_status=old_status,
                status=stored,
                error_code=error_code,
                error_info=report.info[:200] if report.info else None,
                vendor_id=report.vendor_id[:255] if report.vendor_id else None,
                vendor_error_code=report.vendor_error_code[:50] if report.vendor_error_code else None,
                occurred_at=at,
            )
        )
        if applied and old_status != stored:
            await live_events.status_changed(
                session,
                charger.network_id,
                charger.id,
                report.connector_number,
                status=stored,
                previous=old_status,
                error_code=error_code,
            )


_FIRMWARE_DONE = frozenset(
    {"Installed", "DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature"}
)
_FIRMWARE_OPEN_STATES = (
    "Requested",
    "Accepted",
    "Downloading",
    "Downloaded",
    "DownloadScheduled",
    "DownloadPaused",
    "Installing",
    "InstallScheduled",
    "InstallRebooting",
    "SignatureVerified",
)


async def firmware_status(
    db: Database, charger_id: int, status: str, *, request_id: int | None = None, at: datetime | None = None
) -> bool:
    """FirmwareStatusNotification: advance the charger's firmware update (the one with ``request_id``
    on 2.0.1, else the latest still in progress). ``Idle`` means nothing is happening. Returns whether
    an update row was changed."""
    if status == "Idle":
        return False
    now = at or utcnow()
    async with db.unit_of_work() as session:
        stmt = select(FirmwareUpdate).where(FirmwareUpdate.charger_id == charger_id)
        if request_id is not None:
            stmt = stmt.where(FirmwareUpdate.request_id == request_id)
        else:
            stmt = stmt.where(col(FirmwareUpdate.status).in_(_FIRMWARE_OPEN_STATES))
        row = (await session.exec(stmt.order_by(col(FirmwareUpdate.requested_at).desc()).limit(1))).first()
        if row is None:
            return False
        changed = row.status != status[:30]
        row.status = status[:30]
        row.updated_at = now
        if row.started_at is None:
            row.started_at = now
        if status in _FIRMWARE_DONE:
            row.finished_at = row.finished_at or now
        if status == "Installed" and row.firmware_version:
            await session.execute(
                update(Charger)
                .where(col(Charger.id) == charger_id)
                .values(firmware_version=row.firmware_version, updated_at=now)
            )
        if changed:
            await live_events.progress_event(
                session,
                "firmware.status_changed",
                row.network_id,
                charger_id,
                row.status,
                firmwareVersion=row.firmware_version,
            )
    return True


_LOG_STATUS = {
    "Uploading": "Uploading",
    "Uploaded": "Uploaded",
    "UploadFailed": "UploadFailed",
    "UploadFailure": "UploadFailed",
    "BadMessage": "UploadFailed",
    "NotSupportedOperation": "UploadFailed",
    "PermissionDenied": "UploadFailed",
    "AcceptedCanceled": "UploadFailed",
}


async def diagnostics_status(
    db: Database, charger_id: int, status: str, *, request_id: int | None = None, at: datetime | None = None
) -> bool:
    """DiagnosticsStatusNotification / LogStatusNotification: advance the requested file (the one with
    ``request_id`` on 2.0.1, else the latest not finished). A file already Uploaded stays so."""
    stored = _LOG_STATUS.get(status)
    if stored is None:  # Idle
        return False
    now = at or utcnow()
    async with db.unit_of_work() as session:
        stmt = select(DiagnosticsFile).where(DiagnosticsFile.charger_id == charger_id)
        if request_id is not None:
            stmt = stmt.where(DiagnosticsFile.request_id == request_id)
        else:
            stmt = stmt.where(col(DiagnosticsFile.status).in_(("Requested", "Uploading", "Uploaded")))
        row = (await session.exec(stmt.order_by(col(DiagnosticsFile.requested_at).desc()).limit(1))).first()
        if row is None:
            return False
        if row.status == "Uploaded" and stored != "Uploaded":
            return False
        changed = row.status != stored
        row.status = stored
        row.updated_at = now
        if stored == "Uploaded" and row.uploaded_at is None:
            row.uploaded_at = now
        if changed:
            await live_events.progress_event(
                session,
                "diagnostics.status_changed",
                row.network_id,
                charger_id,
                stored,
                fileName=row.file_name,
            )
    return True


async def _event(session: Any, charger: ChargerIdentity, event_type: str, payload: dict[str, Any]) -> None:
    session.add(
        EventLogEntry(
            event_id=uuid.uuid4(),
            network_id=charger.network_id,
            event_type=event_type,
            charger_id=charger.id,
            location_id=charger.location_id,
            payload={"chargerId": charger.uid, **payload},
        )
    )


async def data_transfer(
    db: Database, charger: ChargerIdentity, vendor_id: str, message_id: str | None, data: Any
) -> str:
    """DataTransfer: recorded in the event log (``ocpp.data_transfer``). No vendor extension is
    implemented, so the answer is ``UnknownVendorId``."""
    async with db.unit_of_work() as session:
        await _event(
            session,
            charger,
            "ocpp.data_transfer",
            {"vendorId": vendor_id, "messageId": message_id, "data": data},
        )
    return "UnknownVendorId"


async def report_received(
    db: Database,
    charger: ChargerIdentity,
    *,
    request_id: int,
    seq_no: int,
    generated_at: datetime,
    report_data: list[dict[str, Any]],
    to_be_continued: bool = False,
) -> None:
    """2.0.1 NotifyReport: each part is kept in the event log as ``ocpp.report`` (the raw
    ``reportData`` entries, camelCase), so the charger's variables can be served from the latest
    report parts with that ``requestId``."""
    async with db.unit_of_work() as session:
        await _event(
            session,
            charger,
            "ocpp.report",
            {
                "requestId": request_id,
                "seqNo": seq_no,
                "generatedAt": as_utc(generated_at).isoformat().replace("+00:00", "Z"),
                "tbc": to_be_continued,
                "reportData": report_data,
            },
        )


async def charger_event(db: Database, charger: ChargerIdentity, kind: str, payload: dict[str, Any]) -> None:
    """Anything else a charger notifies (2.0.1 NotifyEvent, ...): an ``ocpp.<kind>`` event log row."""
    async with db.unit_of_work() as session:
        await _event(session, charger, f"ocpp.{kind}", payload)


_CRITICAL_SECURITY_EVENTS = frozenset(
    {
        "FirmwareTampering",
        "InvalidFirmwareSignature",
        "InvalidCentralSystemCertificate",
        "InvalidCsmsCertificate",
        "InvalidChargePointCertificate",
        "InvalidChargingStationCertificate",
        "TamperDetectionActivated",
        "InvalidTLSVersion",
        "InvalidTLSCipherSuite",
        "AttemptedReplayAttacks",
    }
)


async def security_event(
    db: Database, charger: ChargerIdentity, event_type: str, at: datetime, tech_info: str | None = None
) -> None:
    """SecurityEventNotification: an operator alert (source OCPP, category ``security_event``)."""
    async with db.unit_of_work() as session:
        alert = OperatorAlert(
            network_id=charger.network_id,
            location_id=charger.location_id,
            charger_id=charger.id,
            source="OCPP",
            category="security_event",
            severity="critical" if event_type in _CRITICAL_SECURITY_EVENTS else "warning",
            title=f"{event_type} on {charger.uid}"[:200],
            message=tech_info[:2000] if tech_info else None,
            details={"type": event_type, "timestamp": as_utc(at).isoformat().replace("+00:00", "Z")},
        )
        session.add(alert)
        await live_events.alert_raised(session, alert)


async def connection_event(
    db: Database,
    charger: ChargerIdentity,
    status: str,
    *,
    ip_address: str | None = None,
    ocpp_version: str | None = None,
    close_code: int | None = None,
    reason: str | None = None,
    instance_id: str | None = None,
) -> None:
    """A websocket event of a known charger: Connected, Disconnected or Rejected."""
    async with db.unit_of_work() as session:
        session.add(
            ChargerConnection(
                network_id=charger.network_id,
                charger_id=charger.id,
                status=status,
                ip_address=ip_address[:45] if ip_address else None,
                ocpp_version=ocpp_version,
                close_code=close_code,
                reason=reason[:200] if reason else None,
                instance_id=instance_id,
            )
        )
        await live_events.charger_connection(
            session,
            charger.network_id,
            charger.id,
            status,
            ocpp_version=ocpp_version,
            close_code=close_code,
            reason=reason,
        )
