"""Firmware updates sent to chargers (UpdateFirmware) and their progress from FirmwareStatusNotification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class FirmwareUpdate(Entity, table=True):
    """``firmware_image_id`` is null when a raw ``location_url`` was supplied instead of a catalog image.

    ``status`` starts Requested (or Rejected) and then follows the charger's notifications
    (Downloading, Downloaded, Installing, Installed, DownloadFailed, InstallationFailed, ...).
    """

    __tablename__ = "firmware_update"
    __table_args__ = (Index("ix_firmware_update_charger_requested", "charger_id", "requested_at"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    firmware_image_id: int | None = Field(default=None, foreign_key="firmware_image.id", index=True)
    firmware_version: str | None = Field(default=None, max_length=60)
    location_url: str = Field(max_length=1000)
    retrieve_at: datetime | None = utc_field()
    request_id: int | None = None
    retries: int | None = None
    retry_interval_seconds: int | None = None
    accepted: bool | None = None
    response_payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: str = Field(default="Requested", max_length=30, index=True)
    status_info: str | None = Field(default=None, max_length=200)
    requested_by_api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    requested_at: datetime = utc_field(default_now=True, index=True)
    started_at: datetime | None = utc_field()
    finished_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
