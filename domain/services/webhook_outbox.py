"""The webhook outbox: claiming due deliveries for one worker, and recording what each attempt did.

Delivery rows are written by :func:`domain.events.record` in the transaction that caused the event.
Any number of workers (processes, instances) run :func:`claim_due` at once: on PostgreSQL the due rows
are locked ``FOR UPDATE SKIP LOCKED`` so two workers never claim the same row; on SQLite the claiming
transaction starts with a write, which takes the database's single write lock at once (waiting the
busy timeout), so claims from several processes take turns.

An attempt is counted when it is claimed, not when it ends: a worker killed mid-send has spent that
attempt, and once its lease has run out the row is claimed again as the next attempt. The lease must
outlast one attempt (the sender keeps it at three times the HTTP timeout). :func:`record_result` is
fenced by the claim (worker id and claim time): a worker whose lease ran out and whose row was claimed
again, retried by an operator, or deleted, records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import or_, update
from sqlmodel import col, select

from domain.config import WebhookConfig
from domain.db import Database
from domain.models import Webhook, WebhookDelivery
from domain.types import utcnow

PENDING = "Pending"
DELIVERED = "Delivered"
FAILED = "Failed"

RESPONSE_EXCERPT_CHARS = 2000
ERROR_CHARS = 500
DISABLED_REASON = "Too many consecutive delivery failures"
ABANDONED_ERROR = "The worker stopped during the last attempt; no result was recorded"
WORKER_ID_CHARS = 100


def _worker(worker_id: str) -> str:
    """The worker id as stored in ``claimed_by`` (the column's length)."""
    return worker_id[:WORKER_ID_CHARS]


@dataclass(frozen=True)
class Claim:
    """One delivery claimed by a worker: everything needed to send it and to record the result."""

    delivery_id: int
    delivery_uuid: UUID
    webhook_id: int
    network_id: int
    attempt: int
    max_attempts: int
    claimed_at: datetime
    url: str
    secret_sealed: str
    event_id: UUID
    event_type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: the HTTP status the receiver answered, or the error that prevented an
    answer (timeout, connection refused, destination refused)."""

    http_status: int | None = None
    error: str | None = None
    duration_ms: int | None = None
    response_body: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.http_status is not None and 200 <= self.http_status < 300


def backoff_seconds(config: WebhookConfig, attempts: int) -> float:
    """The wait before the next attempt after ``attempts`` failed ones: doubling, capped."""
    return float(min(config.backoff_max_seconds, config.backoff_base_seconds * 2 ** max(0, attempts - 1)))


async def claim_due(
    db: Database, worker_id: str, now: datetime, limit: int, lease_seconds: float
) -> list[Claim]:
    """Claim up to ``limit`` due deliveries of active webhooks for ``worker_id``, oldest due first.

    Due: Pending, ``next_attempt_at`` reached, attempts left, and not claimed by a live lease.
    Each claimed row gets ``claimed_at=now``, ``claimed_by``, ``attempts + 1`` and
    ``last_attempt_at=now`` in the same transaction.
    """
    stale = now - timedelta(seconds=lease_seconds)
    unclaimed = or_(col(WebhookDelivery.claimed_at).is_(None), col(WebhookDelivery.claimed_at) < stale)
    async with db.unit_of_work() as session:
        # First statement is a write (see the module notes): rows whose last attempt was claimed but
        # never recorded, with no attempt left, are finished as Failed.
        await session.exec(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.status) == PENDING,
                col(WebhookDelivery.attempts) >= col(WebhookDelivery.max_attempts),
                unclaimed,
            )
            .values(
                status=FAILED,
                completed_at=now,
                next_attempt_at=None,
                claimed_at=None,
                claimed_by=None,
                last_error=ABANDONED_ERROR,
            )
        )
        due = (
            select(WebhookDelivery.id)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(
                col(WebhookDelivery.status) == PENDING,
                col(WebhookDelivery.next_attempt_at) <= now,
                col(WebhookDelivery.attempts) < col(WebhookDelivery.max_attempts),
                col(Webhook.is_active).is_(True),
                unclaimed,
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        ids = [int(i) for i in (await session.exec(due)).all() if i is not None]
        if not ids:
            return []
        await session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(ids))
            .values(
                claimed_at=now,
                claimed_by=_worker(worker_id),
                attempts=col(WebhookDelivery.attempts) + 1,
                last_attempt_at=now,
            )
        )
        rows = await session.exec(
            select(WebhookDelivery, Webhook)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(col(WebhookDelivery.id).in_(ids))
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .execution_options(populate_existing=True)
        )
        return [_claim(delivery, webhook, now) for delivery, webhook in rows.all()]


def _claim(delivery: WebhookDelivery, webhook: Webhook, claimed_at: datetime) -> Claim:
    assert delivery.id is not None
    return Claim(
        delivery_id=delivery.id,
        delivery_uuid=delivery.uuid,
        webhook_id=delivery.webhook_id,
        network_id=delivery.network_id,
        attempt=delivery.attempts,
        max_attempts=delivery.max_attempts,
        claimed_at=claimed_at,
        url=webhook.url,
        secret_sealed=webhook.secret_encrypted,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=dict(delivery.payload),
    )


async def record_result(
    db: Database,
    delivery_id: int,
    worker_id: str,
    claimed_at: datetime,
    outcome: Outcome,
    *,
    config: WebhookConfig,
    now: datetime | None = None,
) -> str | None:
    """Record one attempt's outcome on the delivery and its webhook; returns the delivery's new status,
    or None when the claim no longer holds (nothing is written then).

    Success: Delivered, and the webhook's consecutive failures go back to 0. Failure: Failed when no
    attempt is left, else Pending again after the backoff; the webhook's consecutive failures grow and
    at ``config.disable_after`` the webhook is disabled (its deliveries wait until it is re-enabled).
    """
    moment = now or utcnow()
    async with db.unit_of_work() as session:
        # The fence, and the claim released, in the first (write) statement.
        released = await session.exec(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.claimed_by) == _worker(worker_id),
                col(WebhookDelivery.claimed_at) == claimed_at,
                col(WebhookDelivery.status) == PENDING,
            )
            .values(claimed_at=None, claimed_by=None)
        )
        if released.rowcount != 1:
            return None
        delivery = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
        webhook = (
            # FOR NO KEY UPDATE on PostgreSQL: counts stay exact, new deliveries (FK) are not blocked.
            await session.get(
                Webhook, delivery.webhook_id, with_for_update={"key_share": True}, populate_existing=True
            )
            if delivery is not None
            else None
        )
        if delivery is None or webhook is None:
            return None
        delivery.http_status = outcome.http_status
        delivery.duration_ms = outcome.duration_ms
        delivery.response_body = _excerpt(outcome.response_body, RESPONSE_EXCERPT_CHARS)
        if outcome.succeeded:
            delivery.status = DELIVERED
            delivery.last_error = None
            delivery.next_attempt_at = None
            delivery.delivered_at = delivery.completed_at = moment
            webhook.consecutive_failures = 0
            webhook.last_success_at = moment
        else:
            delivery.last_error = _excerpt(outcome.error or _http_error(outcome.http_status), ERROR_CHARS)
            if delivery.attempts >= delivery.max_attempts:
                delivery.status = FAILED
                delivery.next_attempt_at = None
                delivery.completed_at = moment
            else:
                delay = backoff_seconds(config, delivery.attempts)
                delivery.next_attempt_at = moment + timedelta(seconds=delay)
            webhook.consecutive_failures += 1
            webhook.last_failure_at = moment
            if webhook.is_active and webhook.consecutive_failures >= config.disable_after:
                webhook.is_active = False
                webhook.disabled_at = moment
                webhook.disabled_reason = DISABLED_REASON
                webhook.updated_at = moment
        session.add_all([delivery, webhook])
        return delivery.status


def _http_error(status: int | None) -> str:
    return f"HTTP {status}" if status is not None else "No response"


def _excerpt(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]
