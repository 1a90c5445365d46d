"""Operator alerts: problems raised by the system or reported by drivers at a location."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class OperatorAlert(Entity, table=True):
    """``source`` is DRIVER_REPORT (POST /emsp/v1/locations/{id}/report) or SYSTEM / OCPP.

    ``category`` is the report's category (or the system alert kind), ``message`` the driver's note.
    ``status`` runs OPEN -> ACKNOWLEDGED -> RESOLVED.
    """

    __tablename__ = "operator_alert"
    __table_args__ = (
        Index("ix_operator_alert_network_status_created", "network_id", "status", "created_at"),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    reported_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    source: str = Field(default="SYSTEM", max_length=20)
    category: str = Field(max_length=40, index=True)
    severity: str = Field(default="warning", max_length=10)
    title: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: str = Field(default="OPEN", max_length=12, index=True)
    acknowledged_at: datetime | None = utc_field()
    resolved_at: datetime | None = utc_field()
    resolved_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime | None = utc_field()
