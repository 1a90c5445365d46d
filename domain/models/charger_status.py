"""Charger health history: status changes (StatusNotification) and websocket connections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from domain.models.base import utc_field


class ChargerStatusChange(SQLModel, table=True):
    """One reported status; ``connector_number`` 0 is the charger itself."""

    __tablename__ = "charger_status_change"
    __table_args__ = (Index("ix_charger_status_change_charger_occurred", "charger_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    connector_number: int = 0
    old_status: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=20, index=True)
    error_code: str | None = Field(default=None, max_length=50)
    error_info: str | None = Field(default=None, max_length=200)
    vendor_id: str | None = Field(default=None, max_length=255)
    vendor_error_code: str | None = Field(default=None, max_length=50)
    occurred_at: datetime = utc_field(nullable=False, index=True)
    created_at: datetime = utc_field(default_now=True)


class ChargerConnection(SQLModel, table=True):
    """A websocket event of a charger: ``status`` Connected, Disconnected or Rejected."""

    __tablename__ = "charger_connection"
    __table_args__ = (Index("ix_charger_connection_charger_occurred", "charger_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    status: str = Field(max_length=20)
    ip_address: str | None = Field(default=None, max_length=45)
    ocpp_version: str | None = Field(default=None, max_length=8)
    instance_id: str | None = Field(default=None, max_length=100)
    close_code: int | None = None
    reason: str | None = Field(default=None, max_length=200)
    occurred_at: datetime = utc_field(default_now=True, index=True)
