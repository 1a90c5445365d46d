"""Webhook subscriptions and their deliveries (the durable outbox a worker claims and sends)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from domain.models.base import Entity, json_field, utc_field


class Webhook(Entity, table=True):
    """A subscription of one network in one API family (``cpms`` or ``emsp``).

    ``events`` is a list of event types (``["*"]`` for all). The signing secret is shown once; the row
    keeps it encrypted with the server key (``secret_encrypted``) because signing needs the plain value,
    and ``secret_last4`` for display. ``consecutive_failures`` reaching the limit auto-disables it.
    """

    __tablename__ = "webhook"
    __table_args__ = (Index("ix_webhook_network_family", "network_id", "family"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    family: str = Field(max_length=8)
    url: str = Field(max_length=2000)
    events: list[str] = json_field()
    description: str | None = Field(default=None, max_length=500)
    secret_encrypted: str
    secret_last4: str = Field(max_length=4)
    is_active: bool = Field(default=True, index=True)
    consecutive_failures: int = 0
    max_attempts: int = 5
    disabled_at: datetime | None = utc_field()
    disabled_reason: str | None = Field(default=None, max_length=200)
    last_success_at: datetime | None = utc_field()
    last_failure_at: datetime | None = utc_field()
    created_by_api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    updated_at: datetime | None = utc_field()


class WebhookDelivery(Entity, table=True):
    """One event for one subscription, written in the transaction that caused the event.

    ``status``: Pending -> Delivered, or back to Pending with ``next_attempt_at`` after a failure, and
    Failed once ``attempts`` reaches ``max_attempts``. A worker claims due Pending rows with
    ``FOR UPDATE SKIP LOCKED`` and stamps ``claimed_at`` / ``claimed_by``. ``response_body`` is an
    excerpt; ``completed_at`` is set on a terminal state.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_delivery_webhook_event"),
        Index("ix_webhook_delivery_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook_created", "webhook_id", "created_at"),
    )

    webhook_id: int = Field(foreign_key="webhook.id", index=True, ondelete="CASCADE")
    network_id: int = Field(foreign_key="network.id", index=True)
    event_id: UUID = Field(index=True)
    event_type: str = Field(max_length=60, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    status: str = Field(default="Pending", max_length=12, index=True)
    attempts: int = 0
    max_attempts: int = 5
    next_attempt_at: datetime | None = utc_field(index=True)
    claimed_at: datetime | None = utc_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_attempt_at: datetime | None = utc_field()
    http_status: int | None = None
    response_body: str | None = Field(default=None, max_length=2000)
    last_error: str | None = Field(default=None, max_length=500)
    duration_ms: int | None = None
    delivered_at: datetime | None = utc_field()
    completed_at: datetime | None = utc_field()
