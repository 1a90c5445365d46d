"""The OCPP message log: every frame exchanged with a charger, for the diagnostics endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from domain.models.base import utc_field


class OcppMessage(SQLModel, table=True):
    """``direction`` incoming/outgoing; ``message_type`` Call, CallResult or CallError; ``unique_id``
    is the frame's message id and ``correlation_id`` ties a call to its answer. ``status`` is success,
    error, timeout or pending. ``charger_id`` is null for a charge point not (yet) provisioned.
    """

    __tablename__ = "ocpp_message"
    __table_args__ = (Index("ix_ocpp_message_charger_occurred", "charger_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    charge_point_id: str = Field(max_length=48, index=True)
    occurred_at: datetime = utc_field(default_now=True, index=True)
    direction: str = Field(max_length=8)
    message_type: str = Field(max_length=10)
    action: str | None = Field(default=None, max_length=60, index=True)
    unique_id: str = Field(max_length=64, index=True)
    correlation_id: str | None = Field(default=None, max_length=64, index=True)
    ocpp_version: str | None = Field(default=None, max_length=8)
    status: str = Field(default="success", max_length=12)
    error_code: str | None = Field(default=None, max_length=40)
    error_description: str | None = Field(default=None, max_length=500)
    response_time_ms: int | None = None
    payload: dict[str, Any] | list[Any] | None = Field(default=None, sa_type=JSON)
