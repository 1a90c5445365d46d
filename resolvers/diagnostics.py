"""Charger diagnostics: ask for a log file (GetDiagnostics / GetLog), list uploaded files, and the
health snapshot (heartbeat, connection, status history, OCPP message log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select

from domain import commands
from domain.errors import ValidationFailed
from domain.models import Charger, ChargerConnection, ChargerStatusChange, DiagnosticsFile, OcppMessage
from domain.services import diagnostics as service
from domain.services.charger_status import is_online
from domain.types import as_utc
from resolvers import charger_commands
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:chargers:read",)
HISTORY_LIMIT = 20
MESSAGE_LIMIT = 20


class DiagnosticsRequest(Input):
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    start_time: datetime | None = None
    stop_time: datetime | None = None


@dataclass(frozen=True)
class DiagnosticsRequested:
    file: DiagnosticsFile
    dispatched: charger_commands.Dispatched


async def fetch_diagnostics(
    ctx: Context, charger_uuid: UUID, data: DiagnosticsRequest
) -> DiagnosticsRequested:
    """Write the DiagnosticsFile row, tell the charger where to upload, record its answer."""
    found = await charger_commands.target(ctx, charger_uuid, "cpms:chargers:control", driver_allowed=False)
    start = as_utc(data.start_time) if data.start_time else None
    stop = as_utc(data.stop_time) if data.stop_time else None
    if start and stop and stop <= start:
        raise ValidationFailed("stopTime: must be after startTime", error="validation_error")
    async with ctx.db.unit_of_work() as session:
        row = await service.create_request(
            session, ctx.services.auth, found.charger, data.log_type, ctx.principal.api_key_id
        )
    assert row.id is not None and row.request_id is not None and row.upload_location is not None
    command = commands.GetDiagnostics(
        location=row.upload_location,
        request_id=row.request_id,
        log_type=data.log_type,
        start=start,
        stop=stop,
    )
    dispatched = await charger_commands.send(ctx, found, command)
    row = await service.record_verdict(ctx.db, row.id, dispatched.verdict)
    return DiagnosticsRequested(row, dispatched)


async def diagnostic_files(ctx: Context, charger_uuid: UUID | None) -> list[DiagnosticsFile]:
    """The files a charger has uploaded, newest first."""
    if charger_uuid is None:
        raise ValidationFailed("chargerId: is required", error="validation_error")
    found = await charger_commands.target(ctx, charger_uuid, *READ, driver_allowed=False)
    assert found.charger.id is not None
    async with ctx.db.session() as session:
        return await service.uploaded_files(session, found.charger.id)


@dataclass(frozen=True)
class Snapshot:
    charger: Charger
    ocpp_version: str | None
    is_online: bool
    last_connection: ChargerConnection | None
    ip_address: str | None
    status_history: Sequence[ChargerStatusChange]
    recent_messages: Sequence[OcppMessage]
    message_count: int


async def charger_snapshot(ctx: Context, charger_uuid: UUID) -> Snapshot:
    """Health: last heartbeat, online, the last connection event, recent statuses and OCPP messages."""
    found = await charger_commands.target(ctx, charger_uuid, *READ, driver_allowed=False)
    charger = found.charger
    async with ctx.db.session() as session:
        connection = (
            await session.exec(
                select(ChargerConnection)
                .where(ChargerConnection.charger_id == charger.id)
                .order_by(col(ChargerConnection.occurred_at).desc(), col(ChargerConnection.id).desc())
                .limit(1)
            )
        ).first()
        ip = (
            await session.exec(
                select(ChargerConnection.ip_address)
                .where(
                    ChargerConnection.charger_id == charger.id, col(ChargerConnection.ip_address).is_not(None)
                )
                .order_by(col(ChargerConnection.occurred_at).desc(), col(ChargerConnection.id).desc())
                .limit(1)
            )
        ).first()
        history = (
            await session.exec(
                select(ChargerStatusChange)
                .where(ChargerStatusChange.charger_id == charger.id)
                .order_by(col(ChargerStatusChange.occurred_at).desc(), col(ChargerStatusChange.id).desc())
                .limit(HISTORY_LIMIT)
            )
        ).all()
        messages = (
            await session.exec(
                select(OcppMessage)
                .where(OcppMessage.charger_id == charger.id)
                .order_by(col(OcppMessage.occurred_at).desc(), col(OcppMessage.id).desc())
                .limit(MESSAGE_LIMIT)
            )
        ).all()
        count = (
            await session.exec(
                select(func.count()).select_from(OcppMessage).where(OcppMessage.charger_id == charger.id)
            )
        ).one()
    return Snapshot(
        charger,
        found.ocpp_version,
        is_online(charger.last_heartbeat),
        connection,
        ip,
        list(history),
        list(messages),
        int(count),
    )
