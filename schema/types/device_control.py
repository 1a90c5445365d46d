"""Payloads of live device control: command verdicts, configuration reads, firmware updates and
diagnostics (files and the health snapshot)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain.models import ChargerConnection, ChargerStatusChange, DiagnosticsFile, FirmwareImage, OcppMessage
from domain.models import FirmwareUpdate as FirmwareUpdateRow
from resolvers import charger_commands, diagnostics, firmware_updates
from schema.scalars import gid
from schema.types.command import CommandResult


@strawberry.type(description="A command sent to a charger and what the charger answered.")
class ChargerCommandPayload:
    charger_id: strawberry.ID
    charge_point_id: str
    ocpp_version: str | None
    connector_number: int | None = None
    detail: str | None = strawberry.field(
        default=None, description="What was sent: the reset kind, availability or triggered message."
    )
    result: CommandResult

    @classmethod
    def of(
        cls,
        dispatched: charger_commands.Dispatched,
        *,
        connector: int | None = None,
        detail: str | None = None,
    ) -> ChargerCommandPayload:
        return cls(
            charger_id=gid(dispatched.charger.uuid),
            charge_point_id=dispatched.charger.uid,
            ocpp_version=dispatched.ocpp_version,
            connector_number=connector,
            detail=detail,
            result=CommandResult.of(dispatched.verdict),
        )


@strawberry.type(description="A charger's configuration (1.6 keys) or device-model variables (2.0.1).")
class ChargerConfiguration:
    charger_id: strawberry.ID
    charge_point_id: str
    ocpp_version: str | None
    source: str = strawberry.field(
        description="charger (asked now), report (its last NotifyReport) or none (nothing known)."
    )
    result: JSON | None
    command: CommandResult | None = strawberry.field(description="The verdict, when the charger was asked.")

    @classmethod
    def of(cls, read: charger_commands.ConfigurationRead) -> ChargerConfiguration:
        return cls(
            charger_id=gid(read.charger.uuid),
            charge_point_id=read.charger.uid,
            ocpp_version=read.ocpp_version,
            source=read.source,
            result=cast("JSON", read.result),
            command=CommandResult.of(read.verdict) if read.verdict is not None else None,
        )


@strawberry.type(description="A configuration or variable change and the charger's answer.")
class ConfigurationChangePayload:
    charger_id: strawberry.ID
    charge_point_id: str
    ocpp_version: str | None
    key: str
    accepted: bool
    result: JSON | None
    command: CommandResult

    @classmethod
    def of(cls, change: charger_commands.Change) -> ConfigurationChangePayload:
        dispatched = change.dispatched
        return cls(
            charger_id=gid(dispatched.charger.uuid),
            charge_point_id=dispatched.charger.uid,
            ocpp_version=dispatched.ocpp_version,
            key=change.key,
            accepted=change.accepted,
            result=cast("JSON", change.result),
            command=CommandResult.of(dispatched.verdict),
        )


@strawberry.type(description="A firmware update sent to a charger, following its status notifications.")
class FirmwareUpdate:
    id: strawberry.ID
    request_id: int | None
    firmware_version_id: strawberry.ID | None
    firmware_version: str | None
    location: str
    status: str
    status_info: str | None
    accepted: bool | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, row: FirmwareUpdateRow, image: FirmwareImage | None) -> FirmwareUpdate:
        return cls(
            id=gid(row.uuid),
            request_id=row.request_id,
            firmware_version_id=gid(image.uuid) if image is not None else None,
            firmware_version=row.firmware_version,
            location=row.location_url,
            status=row.status,
            status_info=row.status_info,
            accepted=row.accepted,
            requested_at=row.requested_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
        )


@strawberry.type
class FirmwareUpdatePayload:
    charger_id: strawberry.ID
    update: FirmwareUpdate
    result: CommandResult

    @classmethod
    def of(cls, sent: firmware_updates.FirmwareSent) -> FirmwareUpdatePayload:
        return cls(
            charger_id=gid(sent.dispatched.charger.uuid),
            update=FirmwareUpdate.of(sent.update, sent.image),
            result=CommandResult.of(sent.dispatched.verdict),
        )


@strawberry.type(description="The firmware a charger runs and its most recent update.")
class FirmwareStatus:
    charger_id: strawberry.ID
    current_firmware_version: str | None
    ocpp_version: str | None
    is_online: bool
    last_heartbeat: datetime | None
    last_firmware_update: FirmwareUpdate | None

    @classmethod
    def of(cls, status: firmware_updates.FirmwareStatus) -> FirmwareStatus:
        charger = status.charger
        return cls(
            charger_id=gid(charger.uuid),
            current_firmware_version=charger.firmware_version,
            ocpp_version=charger.ocpp_version,
            is_online=status.is_online,
            last_heartbeat=charger.last_heartbeat,
            last_firmware_update=FirmwareUpdate.of(status.latest, status.image) if status.latest else None,
        )


@strawberry.type(description="A diagnostics or log file requested from a charger.")
class DiagnosticFile:
    id: strawberry.ID
    name: str
    url: str = strawberry.field(description="Where the file is read once uploaded (a signed link).")
    size: int | None
    status: str
    log_type: str
    request_id: int | None
    requested_at: datetime
    uploaded_at: datetime | None

    @classmethod
    def of(cls, row: DiagnosticsFile) -> DiagnosticFile:
        return cls(
            id=gid(row.uuid),
            name=row.file_name,
            url=row.url,
            size=row.size_bytes,
            status=row.status,
            log_type=row.log_type,
            request_id=row.request_id,
            requested_at=row.requested_at,
            uploaded_at=row.uploaded_at,
        )


@strawberry.type
class DiagnosticsFetchPayload:
    charger_id: strawberry.ID
    charge_point_id: str
    file: DiagnosticFile
    result: CommandResult

    @classmethod
    def of(cls, requested: diagnostics.DiagnosticsRequested) -> DiagnosticsFetchPayload:
        return cls(
            charger_id=gid(requested.dispatched.charger.uuid),
            charge_point_id=requested.dispatched.charger.uid,
            file=DiagnosticFile.of(requested.file),
            result=CommandResult.of(requested.dispatched.verdict),
        )


@strawberry.type
class StatusChange:
    connector_number: int
    old_status: str | None
    new_status: str
    error_code: str | None
    error_message: str | None
    vendor_error_code: str | None
    timestamp: datetime

    @classmethod
    def of(cls, row: ChargerStatusChange) -> StatusChange:
        return cls(
            connector_number=row.connector_number,
            old_status=row.old_status,
            new_status=row.status,
            error_code=row.error_code,
            error_message=row.error_info,
            vendor_error_code=row.vendor_error_code,
            timestamp=row.occurred_at,
        )


@strawberry.type
class OcppMessageEntry:
    timestamp: datetime
    direction: str
    message_type: str
    action: str | None
    status: str
    response_time_ms: int | None
    correlation_id: str | None
    ocpp_version: str | None

    @classmethod
    def of(cls, row: OcppMessage) -> OcppMessageEntry:
        return cls(
            timestamp=row.occurred_at,
            direction=row.direction,
            message_type=row.message_type,
            action=row.action,
            status=row.status,
            response_time_ms=row.response_time_ms,
            correlation_id=row.correlation_id or row.unique_id,
            ocpp_version=row.ocpp_version,
        )


@strawberry.type(description="A charger's health: heartbeat, connection, statuses and OCPP messages.")
class ChargerDiagnostics:
    charger_id: strawberry.ID
    serial_number: str | None
    firmware_version: str | None
    ocpp_version: str | None
    ip_address: str | None
    last_heartbeat: datetime | None
    is_online: bool
    last_connection_status: str | None
    status_history: list[StatusChange]
    recent_ocpp_messages: list[OcppMessageEntry]
    ocpp_message_count: int

    @classmethod
    def of(cls, snap: diagnostics.Snapshot) -> ChargerDiagnostics:
        charger = snap.charger
        connection: ChargerConnection | None = snap.last_connection
        return cls(
            charger_id=gid(charger.uuid),
            serial_number=charger.serial_number,
            firmware_version=charger.firmware_version,
            ocpp_version=snap.ocpp_version,
            ip_address=snap.ip_address,
            last_heartbeat=charger.last_heartbeat,
            is_online=snap.is_online,
            last_connection_status=connection.status if connection else None,
            status_history=[StatusChange.of(h) for h in snap.status_history],
            recent_ocpp_messages=[OcppMessageEntry.of(m) for m in snap.recent_messages],
            ocpp_message_count=snap.message_count,
        )
