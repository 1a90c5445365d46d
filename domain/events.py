"""Domain events: the catalogue, the event itself, and recording one inside a unit of work.

A service calls :func:`record` inside its ``db.unit_of_work()``. In that same transaction the event is
written to the retained event log (which SSE streams resume from) and one webhook delivery row is
written per active subscription of the event's network that wants it (the outbox). The event is
published to the bus only after the transaction commits (``Database.unit_of_work`` does that), so a
rolled-back change never announces anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Charger, EventLogEntry, Location, Webhook, WebhookDelivery
from domain.types import as_utc, iso_z, utcnow

CATALOGUE: dict[str, str] = {
    "charger.connected": "A charger opened its OCPP websocket.",
    "charger.disconnected": "A charger's websocket closed, or it stopped sending heartbeats.",
    "charger.status_changed": "A charger (connector 0) reported a new status.",
    "connector.status_changed": "A connector reported a new status.",
    "session.started": "A charging session began (a transaction started on a connector).",
    "session.updated": "A session's live values changed (meter values: energy, power, state of charge).",
    "session.completed": "A session ended and was costed.",
    "session.failed": "A session could not start or ended faulted (e.g. the charger never followed a "
    "remote start).",
    "reservation.created": "A connector was reserved.",
    "reservation.cancelled": "A reservation was cancelled.",
    "reservation.expired": "A reservation ran out unused.",
    "reservation.used": "A reservation was consumed by a session start.",
    "firmware.status_changed": "A firmware update advanced (downloading, installed, failed ...).",
    "diagnostics.status_changed": "A diagnostics/log upload advanced (uploading, uploaded, failed).",
    "alert.raised": "An operator alert was raised (security event, driver report, offline charger).",
    "webhook.test": "A synthetic event sent by the webhook test endpoint.",
}
"""Every event type, with what it means. Served by both ``webhooks/event-types`` paths."""

EVENT_TYPES: tuple[str, ...] = tuple(CATALOGUE)
EVENT_FAMILIES: frozenset[str] = frozenset(name.split(".", 1)[0] for name in CATALOGUE)

_PENDING = "chargegraph.events"


@dataclass(frozen=True)
class Event:
    """One thing that happened. ``network_id`` scopes it to a tenant; ``user_id`` is the driver it
    belongs to (sessions, reservations), if any. ``seq`` is its position in the retained event log
    (the SSE ``id:``), set once recorded and committed."""

    type: str
    network_id: int
    data: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)
    charger_id: int | None = None
    station_id: str | None = None
    charger_uuid: str | None = None
    location_uuid: str | None = None
    user_id: int | None = None
    seq: int | None = None

    @cached_property
    def station_keys(self) -> frozenset[str]:
        """What a ``stationIds`` filter may name: the charger's OCPP identity or UUID, or its location."""
        return frozenset(k for k in (self.station_id, self.charger_uuid, self.location_uuid) if k)

    def public(self) -> dict[str, Any]:
        """The documented shape sent to SSE clients, webhook receivers and the GraphQL event feed."""
        return {
            "id": str(self.id),
            "event": self.type,
            "occurredAt": iso_z(self.occurred_at),
            "networkId": self.network_id,
            "stationId": self.station_id,
            "locationId": self.location_uuid,
            "data": self.data,
        }

    def to_wire(self) -> dict[str, Any]:
        """Everything, for the bus between instances."""
        return {
            "type": self.type,
            "network_id": self.network_id,
            "data": self.data,
            "id": str(self.id),
            "occurred_at": as_utc(self.occurred_at).isoformat(),
            "charger_id": self.charger_id,
            "station_id": self.station_id,
            "charger_uuid": self.charger_uuid,
            "location_uuid": self.location_uuid,
            "user_id": self.user_id,
            "seq": self.seq,
        }

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Event:
        return cls(
            type=str(raw["type"]),
            network_id=int(raw["network_id"]),
            data=dict(raw.get("data") or {}),
            id=uuid.UUID(str(raw["id"])),
            occurred_at=as_utc(datetime.fromisoformat(str(raw["occurred_at"]))),
            charger_id=raw.get("charger_id"),
            station_id=raw.get("station_id"),
            charger_uuid=raw.get("charger_uuid"),
            location_uuid=raw.get("location_uuid"),
            user_id=raw.get("user_id"),
            seq=raw.get("seq"),
        )

    @classmethod
    def from_log(cls, entry: EventLogEntry) -> Event:
        """The event as retained in the log (for SSE resume)."""
        raw = dict(entry.payload.get("wire") or {})
        raw.setdefault("type", entry.event_type)
        raw.setdefault("network_id", entry.network_id)
        raw.setdefault("id", str(entry.event_id))
        raw.setdefault("occurred_at", as_utc(entry.created_at).isoformat())
        raw["seq"] = entry.id
        return cls.from_wire(raw)


def matches(subscribed: list[str] | tuple[str, ...] | frozenset[str], event_type: str) -> bool:
    """Whether a subscription list (``*``, exact types, or ``family.*``) wants ``event_type``."""
    for pattern in subscribed:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """The subscription patterns that name nothing: not ``*``, not a catalogue type, not ``family.*``
    of a known family. The one check behind webhooks, SSE filters and GraphQL subscriptions."""
    return sorted(
        p
        for p in patterns
        if p != "*" and p not in CATALOGUE and not (p.endswith(".*") and p[:-2] in EVENT_FAMILIES)
    )


async def record(
    session: AsyncSession,
    event_type: str,
    *,
    network_id: int,
    data: dict[str, Any],
    charger_id: int | None = None,
    user_id: int | None = None,
    occurred_at: datetime | None = None,
    only_webhook_id: int | None = None,
) -> Event:
    """Record an event in the caller's transaction: event log row, webhook outbox rows, and the event
    queued for publication after commit. ``only_webhook_id`` limits the outbox to one subscription
    (the test event)."""
    if event_type not in CATALOGUE:
        raise ValueError(f"unknown event type {event_type!r}")
    station_id = charger_uuid = location_uuid = None
    if charger_id is not None:
        charger = await session.get(Charger, charger_id)
        if charger is not None:
            station_id, charger_uuid = charger.uid, str(charger.uuid)
            if charger.location_id is not None:
                location = await session.get(Location, charger.location_id)
                location_uuid = str(location.uuid) if location is not None else None
    event = Event(
        type=event_type,
        network_id=network_id,
        data=data,
        occurred_at=as_utc(occurred_at) if occurred_at else utcnow(),
        charger_id=charger_id,
        station_id=station_id,
        charger_uuid=charger_uuid,
        location_uuid=location_uuid,
        user_id=user_id,
    )
    entry = EventLogEntry(
        event_id=event.id,
        network_id=network_id,
        event_type=event_type,
        charger_id=charger_id,
        payload={"wire": event.to_wire()},
        created_at=event.occurred_at,
    )
    session.add(entry)
    await _enqueue_deliveries(session, event, only_webhook_id)
    session.info.setdefault(_PENDING, []).append((event, entry))
    return event


async def _enqueue_deliveries(session: AsyncSession, event: Event, only_webhook_id: int | None) -> None:
    stmt = select(Webhook).where(Webhook.network_id == event.network_id, col(Webhook.is_active).is_(True))
    if only_webhook_id is not None:
        stmt = select(Webhook).where(Webhook.id == only_webhook_id)
    body = event.public()
    now = utcnow()
    for webhook in (await session.exec(stmt)).all():
        if webhook.id is None or (only_webhook_id is None and not matches(webhook.events, event.type)):
            continue
        session.add(
            WebhookDelivery(
                webhook_id=webhook.id,
                network_id=event.network_id,
                event_id=event.id,
                event_type=event.type,
                payload=body,
                max_attempts=webhook.max_attempts,
                next_attempt_at=now,
            )
        )


def committed(session: AsyncSession) -> list[Event]:
    """The events recorded in ``session``'s transaction, with their log positions; called once the
    transaction has committed (it empties the list)."""
    pending: list[tuple[Event, EventLogEntry]] = session.info.pop(_PENDING, [])
    return [replace(event, seq=entry.id) for event, entry in pending]


def discard(session: AsyncSession) -> None:
    """Forget the events of a rolled-back transaction."""
    session.info.pop(_PENDING, None)
