"""Fan-out of committed events to the subscribers of this process (GraphQL subscriptions, SSE).

The bus delivers each event once per process; the hub hands it to every local subscriber whose filter
matches, through a bounded queue. Overflow policy: a subscriber whose queue is full (it reads slower
than events arrive) is ended with :class:`SubscriberTooSlow` instead of buffering without bound, so
memory stays flat whatever the subscriber does. SSE clients resume with ``Last-Event-ID`` and lose
nothing; GraphQL clients get an error and subscribe again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from domain.events import Event, matches

DEFAULT_QUEUE_SIZE = 1000


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed; its subscription has ended."""


@dataclass(frozen=True)
class EventFilter:
    """Which events a subscriber receives.

    ``network_ids`` None means every network (an unrestricted key). ``types`` accepts ``*`` and
    ``family.*``. ``stations`` matches the charger's OCPP identity or UUID, or its location UUID.
    ``driver_id`` set: events that belong to a driver are seen only by that driver. ``charger_id`` /
    ``session_id`` narrow to one charger or one session (the ``sessionId`` in the event's data).
    """

    network_ids: frozenset[int] | None = None
    types: frozenset[str] | None = None
    stations: frozenset[str] | None = None
    driver_id: int | None = None
    charger_id: int | None = None
    session_id: str | None = None
    visible_types: frozenset[str] | None = None
    """What the caller may see at all (drivers: status, session and reservation events)."""

    def accepts(self, event: Event) -> bool:
        if self.network_ids is not None and event.network_id not in self.network_ids:
            return False
        if self.types is not None and not matches(self.types, event.type):
            return False
        if self.visible_types is not None and not matches(self.visible_types, event.type):
            return False
        if self.stations is not None and not (self.stations & event.station_keys):
            return False
        if self.driver_id is not None and event.user_id is not None and event.user_id != self.driver_id:
            return False
        if self.charger_id is not None and event.charger_id != self.charger_id:
            return False
        return self.session_id is None or event.data.get("sessionId") == self.session_id


class Subscription:
    """An async iterator of the events one subscriber receives; close it when done (or use it as a
    context manager, plain or async)."""

    def __init__(self, hub: EventHub, event_filter: EventFilter, maxsize: int) -> None:
        self.hub = hub
        self.filter = event_filter
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self.overflowed = False
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.closed or not self.filter.accepts(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self._end()

    def _end(self) -> None:
        self.closed = True
        self.hub.discard(self)
        while True:  # make room for the end marker; the dropped events are what overflowed anyway
            try:
                self.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()

    async def get(self) -> Event:
        """The next event; raises :class:`SubscriberTooSlow` after an overflow."""
        event = await self.queue.get()
        if event is None:
            if self.overflowed:
                raise SubscriberTooSlow("The subscriber fell too far behind and was disconnected")
            raise StopAsyncIteration
        return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.get()

    def close(self) -> None:
        if not self.closed:
            self._end()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()


class EventHub:
    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, event_filter: EventFilter, maxsize: int | None = None) -> Subscription:
        subscription = Subscription(self, event_filter, maxsize or self.queue_size)
        self._subscriptions.add(subscription)
        return subscription

    def discard(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def dispatch(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)
