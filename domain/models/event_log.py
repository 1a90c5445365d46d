"""The retained event log that server-sent-event streams resume from (``Last-Event-ID`` is ``id``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from domain.models.base import utc_field


class EventLogEntry(SQLModel, table=True):
    """One published domain event. ``id`` increases monotonically; old rows are pruned by age/count."""

    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_network_id_id", "network_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: UUID = Field(unique=True, index=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    event_type: str = Field(max_length=60, index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = utc_field(default_now=True, index=True)
