"""Diagnostics and log files requested from chargers (GetDiagnostics / GetLog) and their HTTP uploads.

A request writes a DiagnosticsFile row, then the charger is told to upload to
``{public_base_url}/ocpp/uploads/{token}`` where the token is an HMAC-signed reference to the row for
the ``upload`` purpose. Operators read the file through the same path with a token signed for the
``download`` purpose (the ``url`` that ``diagnostic-files`` lists). Neither token can stand for the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import Verdict
from domain.config import AuthConfig
from domain.db import Database
from domain.models import Charger, DiagnosticsFile
from domain.secrets import same
from domain.types import utcnow

Purpose = Literal["upload", "download"]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(charger: Charger, at: datetime) -> str:
    """``<serial or uid>_<YYYYMMDD-HHMMSS>.log``, safe as a file name."""
    stem = _SAFE.sub("-", charger.serial_number or charger.uid).strip("-") or "charger"
    return f"{stem}_{at.strftime('%Y%m%d-%H%M%S')}.log"


def _signature(secret_key: str, purpose: Purpose, file_uuid: UUID) -> str:
    mac = hmac.new(secret_key.encode(), f"diagnostics:{purpose}:{file_uuid.hex}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def sign(secret_key: str, purpose: Purpose, file_uuid: UUID) -> str:
    return f"{file_uuid.hex}.{_signature(secret_key, purpose, file_uuid)}"


def verify(secret_key: str, purpose: Purpose, token: str) -> UUID | None:
    """The file UUID a token signed for ``purpose`` refers to, else None."""
    ref, _, signature = token.partition(".")
    try:
        file_uuid = UUID(hex=ref)
    except ValueError:
        return None
    if not signature or not same(signature, _signature(secret_key, purpose, file_uuid)):
        return None
    return file_uuid


def token_url(auth: AuthConfig, purpose: Purpose, file_uuid: UUID) -> str:
    return f"{auth.public_base_url.rstrip('/')}/ocpp/uploads/{sign(auth.secret_key, purpose, file_uuid)}"


async def create_request(
    session: AsyncSession, auth: AuthConfig, charger: Charger, log_type: str, api_key_id: int | None
) -> DiagnosticsFile:
    """A Requested row with its file name, upload location and download URL; ``request_id`` is its id."""
    assert charger.id is not None
    now = utcnow()
    row = DiagnosticsFile(
        network_id=charger.network_id,
        charger_id=charger.id,
        file_name=file_name(charger, now),
        url="",
        log_type=log_type,
        requested_by_api_key_id=api_key_id,
        requested_at=now,
    )
    row.url = token_url(auth, "download", row.uuid)
    row.upload_location = token_url(auth, "upload", row.uuid)
    session.add(row)
    await session.flush()
    row.request_id = row.id
    session.add(row)
    return row


async def record_verdict(db: Database, file_id: int, verdict: Verdict) -> DiagnosticsFile:
    """The charger's answer; a 1.6 reply's ``fileName`` (2.0.1 GetLog's ``filename``) is kept."""
    async with db.unit_of_work() as session:
        row = await session.get(DiagnosticsFile, file_id)
        assert row is not None
        row.accepted = verdict.accepted
        row.response_payload = verdict.payload or None
        reported = verdict.payload.get("fileName") or verdict.payload.get("filename")
        if isinstance(reported, str) and reported.strip():
            row.file_name = reported.strip()[:255]
        if not verdict.accepted and row.status == "Requested":
            row.status = "Rejected" if not verdict.retryable else "NotSent"
        row.updated_at = utcnow()
        session.add(row)
    return row


def stored_path(upload_dir: str, row: DiagnosticsFile) -> Path:
    return Path(upload_dir) / "diagnostics" / str(row.network_id) / row.uuid.hex


async def find(db: Database, file_uuid: UUID) -> DiagnosticsFile | None:
    async with db.session() as session:
        stmt = select(DiagnosticsFile).where(DiagnosticsFile.uuid == file_uuid)
        return (await session.exec(stmt)).first()


async def mark_uploaded(db: Database, file_id: int, size: int, content_type: str | None) -> DiagnosticsFile:
    async with db.unit_of_work() as session:
        row = await session.get(DiagnosticsFile, file_id)
        assert row is not None
        now = utcnow()
        row.size_bytes = size
        row.content_type = (content_type or "")[:100] or None
        row.status = "Uploaded"
        row.uploaded_at = now
        row.updated_at = now
        session.add(row)
    return row


async def uploaded_files(session: AsyncSession, charger_id: int) -> list[DiagnosticsFile]:
    """The files a charger has uploaded, newest first."""
    stmt = (
        select(DiagnosticsFile)
        .where(DiagnosticsFile.charger_id == charger_id, col(DiagnosticsFile.uploaded_at).is_not(None))
        .order_by(col(DiagnosticsFile.uploaded_at).desc(), col(DiagnosticsFile.id).desc())
    )
    return list((await session.exec(stmt)).all())
