"""Webhook subscriptions: the events they want, their signing secret, and the operator's actions on
them and on their deliveries (enable/disable, test event, retry). Each function works inside the
caller's unit of work; destinations are checked by ``webhook_destinations`` before that opens."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal

from sqlalchemy import delete as sql_delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import events
from domain.errors import Conflict, ValidationFailed
from domain.models import Webhook, WebhookDelivery
from domain.secret_box import seal
from domain.types import utcnow
from domain.webhook_signature import payload_bytes

FAMILIES = ("cpms", "emsp")
SECRET_PREFIX = "whsec_"
DISABLED_BY_OPERATOR = "Disabled by the operator"
TEST_MESSAGE = "Test event sent from the webhook test endpoint."


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""An update argument left as it is (``None`` is a value for the description)."""


@dataclass(frozen=True)
class CreatedWebhook:
    webhook: Webhook
    secret: str
    """The plain signing secret: returned once, never stored in clear."""


def new_secret() -> str:
    """``whsec_`` and 32 hex characters (128 random bits)."""
    return SECRET_PREFIX + secrets.token_hex(16)


def parse_events(value: str | Sequence[str] | None) -> list[str]:
    """Event patterns from a comma-separated string or a list: each ``*``, a catalogue type, or
    ``family.*`` of a known family. Empty or unknown: ``ValidationFailed(error="invalid_events")``."""
    raw = value.split(",") if isinstance(value, str) else list(value or [])
    patterns: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationFailed("events: each event type must be a string", error="invalid_events")
        name = item.strip()
        if name and name not in patterns:
            patterns.append(name)
    if not patterns:
        raise ValidationFailed("events: name at least one event type, or '*' for all", error="invalid_events")
    unknown = events.unknown_patterns(patterns)
    if unknown:
        raise ValidationFailed(
            f"events: unknown event type {', '.join(repr(u) for u in unknown)} "
            "(see GET /webhooks/event-types; 'family.*' and '*' are accepted too)",
            error="invalid_events",
        )
    return ["*"] if "*" in patterns else patterns


def events_text(patterns: Sequence[str]) -> str:
    """The documented form: comma-separated, or ``*``."""
    return ",".join(patterns)


def payload_text(payload: dict[str, Any]) -> str:
    """The exact body a delivery POSTs (the sender's own serialization), as text."""
    return payload_bytes(payload).decode("ascii")


def succeeded(delivery: WebhookDelivery) -> bool:
    return delivery.status == "Delivered"


def next_retry_at(delivery: WebhookDelivery) -> datetime | None:
    return delivery.next_attempt_at if delivery.status == "Pending" else None


async def create(
    session: AsyncSession,
    *,
    network_id: int,
    family: Literal["cpms", "emsp"],
    url: str,
    patterns: list[str],
    description: str | None,
    server_key: str,
    created_by_api_key_id: int | None,
) -> CreatedWebhook:
    """A new active subscription with a fresh secret, sealed with the server key."""
    secret = new_secret()
    now = utcnow()
    webhook = Webhook(
        network_id=network_id,
        family=family,
        url=url,
        events=patterns,
        description=description,
        secret_encrypted=seal(server_key, secret),
        secret_last4=secret[-4:],
        created_by_api_key_id=created_by_api_key_id,
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    await session.flush()
    return CreatedWebhook(webhook, secret)


def update(
    webhook: Webhook,
    *,
    url: str | None = None,
    patterns: list[str] | None = None,
    description: str | _Keep | None = KEEP,
    is_active: bool | None = None,
) -> None:
    """Change what is given. Activating re-enables (failure count and disabled marks cleared);
    deactivating disables by hand."""
    now = utcnow()
    if url is not None:
        webhook.url = url
    if patterns is not None:
        webhook.events = patterns
    if not isinstance(description, _Keep):
        webhook.description = description
    if is_active is True:
        webhook.is_active = True
        webhook.consecutive_failures = 0
        webhook.disabled_at = None
        webhook.disabled_reason = None
    elif is_active is False and webhook.is_active:
        webhook.is_active = False
        webhook.disabled_at = now
        webhook.disabled_reason = DISABLED_BY_OPERATOR
    webhook.updated_at = now


async def delete(session: AsyncSession, webhook: Webhook) -> None:
    """Remove the subscription and its deliveries (explicitly: SQLite may not cascade)."""
    await session.exec(sql_delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id))
    await session.delete(webhook)
    await session.flush()


def _require_active(webhook: Webhook) -> None:
    if not webhook.is_active:
        raise Conflict(
            "This webhook subscription is disabled: re-enable it (isActive true) first",
            error="webhook_disabled",
        )


async def enqueue_test(session: AsyncSession, webhook: Webhook) -> WebhookDelivery:
    """Record a ``webhook.test`` event delivered to this subscription only (409 when disabled)."""
    _require_active(webhook)
    assert webhook.id is not None
    event = await events.record(
        session,
        "webhook.test",
        network_id=webhook.network_id,
        data={"webhookId": str(webhook.uuid), "message": TEST_MESSAGE},
        only_webhook_id=webhook.id,
    )
    await session.flush()
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.event_id == event.id
    )
    return (await session.exec(stmt)).one()


def retry(webhook: Webhook, delivery: WebhookDelivery) -> None:
    """Back to Pending, due now and unclaimed, with room for one more attempt (409 when the
    subscription is disabled: nothing would send it)."""
    _require_active(webhook)
    delivery.status = "Pending"
    delivery.next_attempt_at = utcnow()
    delivery.claimed_at = None
    delivery.claimed_by = None
    delivery.completed_at = None
    delivery.max_attempts = max(delivery.max_attempts, delivery.attempts + 1)
