"""The event bus between instances, on ``broadcaster`` (``memory://``, ``redis://``, ``postgres://``).

Committed events go out on one channel; each process reads that channel once and hands every event
to its local :class:`~domain.event_hub.EventHub`, so a subscriber on one instance sees events caused
on another. Other channels carry plain messages (commands routed to the instance that holds a
charger's socket, and their answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chargegraph.bus_backends import broadcast
from domain.event_hub import EventHub
from domain.events import Event

log = logging.getLogger("chargegraph.bus")

EVENTS_CHANNEL = "events"


def backend_url(url: str) -> str:
    """broadcaster speaks ``postgres://``; accept the SQLAlchemy spellings too."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


class EventBus:
    """Implements ``domain.ports.EventPublisher`` and ``domain.ports.MessageBus``."""

    def __init__(self, url: str, hub: EventHub, prefix: str = "chargegraph") -> None:
        self.url = backend_url(url)
        self.hub = hub
        self.prefix = prefix
        """Channel names are ``<prefix>_<name>``: instances of one deployment share a prefix; several
        deployments (or test runs) can share one Redis or PostgreSQL with different prefixes."""
        self._broadcast = broadcast(self.url)
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.connected = False

    async def connect(self) -> None:
        await self._broadcast.connect()
        self.connected = True
        self._reader = asyncio.create_task(self._read_events())
        await self._ready.wait()

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self.connected:
            self.connected = False
            with contextlib.suppress(Exception):
                await self._broadcast.disconnect()

    async def __aenter__(self) -> EventBus:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.disconnect()

    async def publish(self, event: Event) -> None:
        if not self.connected:  # not serving (a CLI command, a test without an app): this process only
            self.hub.dispatch(event)
            return
        await self.send(EVENTS_CHANNEL, json.dumps(event.to_wire(), separators=(",", ":")))

    async def send(self, channel: str, message: str) -> None:
        await self._broadcast.publish(f"{self.prefix}_{channel}", message)

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:
        async with self._broadcast.subscribe(f"{self.prefix}_{channel}") as subscriber:

            async def messages() -> AsyncIterator[str]:
                while True:
                    yield (await subscriber.get()).message

            yield messages()

    async def _read_events(self) -> None:
        async with self._broadcast.subscribe(f"{self.prefix}_{EVENTS_CHANNEL}") as subscriber:
            self._ready.set()
            while True:
                message = (await subscriber.get()).message
                try:
                    event = Event.from_wire(json.loads(message))
                except (ValueError, KeyError, TypeError):
                    log.warning("dropped a malformed event from the bus: %.200s", message)
                    continue
                self.hub.dispatch(event)
