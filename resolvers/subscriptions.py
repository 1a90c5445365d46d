"""Live subscriptions: check what the caller asks for, then stream the events the hub pushes to them.

Each operation validates its arguments and the caller's reach up front (so a bad request fails before
anything is subscribed) and returns a :class:`Feed`. Iterating the feed subscribes to this process's
:class:`~domain.event_hub.EventHub` and yields events as they are dispatched from the bus; closing it
(or the subscriber falling too far behind) removes the subscription from the hub. Who sees what is
:func:`resolvers.live.event_filter`, the rule the SSE streams share.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.errors import DomainError, Unauthorized, ValidationFailed
from domain.event_hub import EventFilter, EventHub, SubscriberTooSlow
from domain.events import EVENT_TYPES, Event, unknown_patterns
from domain.principal import Principal
from resolvers import chargers, sessions
from resolvers.context import Context
from resolvers.live import event_filter

READ = ("cpms:events:read", "emsp:events:read")
"""What an API key needs to subscribe (a signed-in driver subscribes to their own view without it)."""

CONNECTOR_EVENTS = frozenset({"connector.status_changed"})
CHARGER_EVENTS = frozenset({"charger.status_changed", "charger.connected", "charger.disconnected"})
SESSION_EVENTS = frozenset({"session.*"})


class SubscriberOverflow(DomainError):
    """The subscriber read slower than events arrived and its queue overflowed; it was disconnected."""

    status = 503
    error = "subscriber_too_slow"

    def __init__(self, queue_size: int) -> None:
        super().__init__(f"Subscriber too slow: events overflowed the queue of {queue_size}; subscribe again")


@dataclass(frozen=True)
class Feed:
    """A checked subscription, not yet subscribed: iterate :meth:`events` to receive."""

    hub: EventHub
    filter: EventFilter

    async def events(self) -> AsyncGenerator[Event, None]:
        """The matching events as they are dispatched; raises :class:`SubscriberOverflow` (and ends)
        when the subscriber's queue overflows."""
        subscription = self.hub.subscribe(self.filter)
        try:
            async for event in subscription:
                yield event
        except SubscriberTooSlow as exc:
            raise SubscriberOverflow(subscription.queue.maxsize) from exc
        finally:
            subscription.close()


def event_types(values: Iterable[str] | None) -> frozenset[str] | None:
    """``eventTypes``: catalogue types, ``family.*`` or ``*``; unknown names are a validation error.
    None or empty means every type the caller may see."""
    if values is None:
        return None
    wanted = frozenset(v.strip() for v in values if v.strip())
    unknown = unknown_patterns(wanted)
    if unknown:
        raise ValidationFailed(
            f"eventTypes: unknown event type {', '.join(repr(u) for u in unknown)} "
            f"(known: {', '.join(EVENT_TYPES)}, a family like 'session.*', or '*')",
            error="invalid_event_types",
        )
    return wanted or None


def station_ids(values: Iterable[str] | None) -> frozenset[str] | None:
    """``stationIds``: charger OCPP identities or UUIDs, or location UUIDs; None or empty: all."""
    if values is None:
        return None
    return frozenset(v.strip() for v in values if v.strip()) or None


def _charger_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ValidationFailed("chargerId: must be a charger's UUID", error="validation_error") from None


def authorize(principal: Principal) -> None:
    """A driver's token, or an API key holding an events scope."""
    if principal.is_driver:
        return
    if principal.api_key_id is None:
        raise Unauthorized("An API key or a driver's bearer token is required")
    principal.require(*READ)


async def _feed(
    ctx: Context,
    types: frozenset[str] | None,
    *,
    stations: Iterable[str] | None = None,
    charger_id: str | None = None,
    session_id: str | None = None,
) -> Feed:
    principal = ctx.principal
    authorize(principal)
    charger_pk: int | None = None
    if charger_id is not None:
        uuid = _charger_uuid(charger_id)
        async with ctx.db.session() as session:
            charger = await chargers.load(session, principal, uuid)
        charger_pk = charger.id
    chosen = event_filter(
        principal,
        event_types=types,
        station_ids=station_ids(stations),
        charger_id=charger_pk,
        session_id=session_id,
    )
    return Feed(ctx.services.events, chosen)


async def connector_status(
    ctx: Context, *, charger_id: str | None = None, stations: Iterable[str] | None = None
) -> Feed:
    """``connector.status_changed`` of the caller's chargers (one charger, or some stations)."""
    return await _feed(ctx, CONNECTOR_EVENTS, stations=stations, charger_id=charger_id)


async def charger_status(
    ctx: Context, *, charger_id: str | None = None, stations: Iterable[str] | None = None
) -> Feed:
    """``charger.status_changed``, ``charger.connected`` and ``charger.disconnected``."""
    return await _feed(ctx, CHARGER_EVENTS, stations=stations, charger_id=charger_id)


async def session_updates(ctx: Context, session_id: str) -> Feed:
    """``session.*`` of one session the caller may read (a driver: only their own), else 404."""
    authorize(ctx.principal)
    try:
        uuid = UUID(session_id)
    except ValueError:
        raise ValidationFailed("sessionId: must be a session's UUID", error="validation_error") from None
    await sessions.get_session(ctx, uuid)
    return await _feed(ctx, SESSION_EVENTS, session_id=str(uuid))


async def live_events(
    ctx: Context, *, types: Iterable[str] | None = None, stations: Iterable[str] | None = None
) -> Feed:
    """The general feed: every event the caller may see, optionally by type and station."""
    return await _feed(ctx, event_types(types), stations=stations)
