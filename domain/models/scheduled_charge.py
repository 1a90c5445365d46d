"""Scheduled charges: a remote start due at ``run_at``, claimed by one worker (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Index
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class ScheduledCharge(Entity, table=True):
    """``status``: Pending (waiting), Fired (start dispatched), Failed or Cancelled.

    A worker claims due rows (status Pending, ``run_at`` passed, unclaimed or with a stale
    ``claimed_at``), stamps ``claimed_at`` / ``claimed_by`` and counts ``attempts``.
    """

    __tablename__ = "scheduled_charge"
    __table_args__ = (Index("ix_scheduled_charge_status_run_at", "status", "run_at"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    connector_number: int = 1
    charging_token_id: int | None = Field(default=None, foreign_key="charging_token.id", index=True)
    id_tag: str = Field(max_length=36)
    run_at: datetime = utc_field(nullable=False, index=True)
    status: str = Field(default="Pending", max_length=12, index=True)
    status_reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    max_attempts: int = 3
    claimed_at: datetime | None = utc_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=500)
    correlation_id: UUID | None = Field(default=None, index=True)
    session_id: int | None = Field(default=None, foreign_key="charging_session.id", index=True)
    fired_at: datetime | None = utc_field()
    cancelled_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
