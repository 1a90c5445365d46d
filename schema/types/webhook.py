"""Webhook subscriptions, their deliveries and the event catalogue, as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.models import Webhook as WebhookRow
from domain.models import WebhookDelivery as DeliveryRow
from domain.services.webhooks import CreatedWebhook, next_retry_at, payload_text, succeeded
from schema.scalars import gid


@strawberry.type(description="A webhook subscription: where one network's events of one API family go.")
class Webhook:
    id: strawberry.ID
    family: str = strawberry.field(description="The API family it belongs to: cpms or emsp.")
    url: str
    events: list[str] = strawberry.field(
        description="Event types subscribed to: exact types, 'family.*', or '*' for all."
    )
    description: str | None
    is_active: bool
    consecutive_failures: int
    max_attempts: int = strawberry.field(description="Attempts per delivery before it is abandoned.")
    secret_last4: str = strawberry.field(description="The end of the signing secret, to tell secrets apart.")
    disabled_at: datetime | None
    disabled_reason: str | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def from_row(cls, row: WebhookRow) -> Webhook:
        return cls(
            id=gid(row.uuid),
            family=row.family,
            url=row.url,
            events=list(row.events),
            description=row.description,
            is_active=row.is_active,
            consecutive_failures=row.consecutive_failures,
            max_attempts=row.max_attempts,
            secret_last4=row.secret_last4,
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            last_success_at=row.last_success_at,
            last_failure_at=row.last_failure_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A new subscription: its signing secret is shown here once and never again.")
class NewWebhook:
    webhook: Webhook
    secret: str = strawberry.field(description="The HMAC signing secret (whsec_...). Store it now.")

    @classmethod
    def from_created(cls, created: CreatedWebhook) -> NewWebhook:
        return cls(webhook=Webhook.from_row(created.webhook), secret=created.secret)


@strawberry.type(description="One event for one subscription, and how sending it went.")
class WebhookDelivery:
    id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    status: str = strawberry.field(description="Pending, Delivered or Failed.")
    success: bool = strawberry.field(description="True once Delivered.")
    attempts: int
    max_attempts: int
    http_status: int | None
    duration_ms: int | None = strawberry.field(description="How long the last attempt took.")
    last_error: str | None
    next_retry_at: datetime | None = strawberry.field(description="When a Pending delivery is due.")
    created_at: datetime
    completed_at: datetime | None
    payload: str = strawberry.field(description="The exact JSON body POSTed to the destination.")
    response_body: str | None = strawberry.field(description="The start of the receiver's answer.")

    @classmethod
    def from_row(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            id=gid(row.uuid),
            event_id=gid(row.event_id),
            event_type=row.event_type,
            status=row.status,
            success=succeeded(row),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            http_status=row.http_status,
            duration_ms=row.duration_ms,
            last_error=row.last_error,
            next_retry_at=next_retry_at(row),
            created_at=row.created_at,
            completed_at=row.completed_at,
            payload=payload_text(row.payload),
            response_body=row.response_body,
        )


@strawberry.type(description="An event type a subscription may name.")
class WebhookEventType:
    type: str
    description: str


@strawberry.type(description="A test event queued for one subscription.")
class WebhookTest:
    webhook_id: strawberry.ID
    test_enqueued: bool
    delivery: WebhookDelivery


@strawberry.type
class WebhookDeletion:
    id: strawberry.ID
    deleted: bool
