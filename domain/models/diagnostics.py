"""Diagnostics and log files requested from chargers (GetDiagnostics / GetLog) and their uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class DiagnosticsFile(Entity, table=True):
    """``status``: Requested, Rejected, Uploading, Uploaded or UploadFailed; ``url`` is where it is read."""

    __tablename__ = "diagnostics_file"
    __table_args__ = (Index("ix_diagnostics_file_charger_requested", "charger_id", "requested_at"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    file_name: str = Field(max_length=255)
    url: str = Field(max_length=1000)
    upload_location: str | None = Field(default=None, max_length=1000)
    log_type: str = Field(default="DiagnosticsLog", max_length=20)
    request_id: int | None = None
    size_bytes: int | None = None
    content_type: str | None = Field(default=None, max_length=100)
    accepted: bool | None = None
    response_payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: str = Field(default="Requested", max_length=20, index=True)
    requested_by_api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    requested_at: datetime = utc_field(default_now=True, index=True)
    uploaded_at: datetime | None = utc_field(index=True)
    updated_at: datetime | None = utc_field()
