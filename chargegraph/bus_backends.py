"""broadcaster backends for Redis and PostgreSQL that stay subscribed under concurrency.

broadcaster 0.3.1's Redis backend wakes its reader before the SUBSCRIBE has completed, finds no
channel yet, and then waits forever (every message is lost); its PostgreSQL backend publishes on the
connection that listens, so two concurrent publishes fail with "another operation is in progress"
(see encode/broadcaster#22).
These keep broadcaster's interface and fix both: the Redis reader starts once the first channel is
subscribed and polls with a timeout, and PostgreSQL publishes on a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
from broadcaster import Broadcast, Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as redis


class RedisPubSub(BroadcastBackend):
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._client.ping()

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        # Typed in redis-py 8, untyped before: called through Any so both type-check.
        pubsub: Any = self._pubsub
        await pubsub.aclose()
        await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read())

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._client.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _read(self) -> None:
        while True:
            if not self._pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await self._pubsub.get_message(timeout=1.0)
            if message is not None and message["type"] == "message":
                channel, data = message["channel"], message["data"]
                await self._queue.put(
                    Event(
                        channel=channel.decode() if isinstance(channel, bytes) else str(channel),
                        message=data.decode() if isinstance(data, bytes) else str(data),
                    )
                )


class PostgresNotify(BroadcastBackend):
    """LISTEN on one connection, NOTIFY on another (taken in turns)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._send_turn = asyncio.Lock()

    async def connect(self) -> None:
        self._listener = await asyncpg.connect(self._url)
        self._sender = await asyncpg.connect(self._url)

    async def disconnect(self) -> None:
        for conn in (self._listener, self._sender):
            with contextlib.suppress(Exception):
                await conn.close()

    async def subscribe(self, channel: str) -> None:
        await self._listener.add_listener(channel, self._notified)

    async def unsubscribe(self, channel: str) -> None:
        await self._listener.remove_listener(channel, self._notified)

    async def publish(self, channel: str, message: Any) -> None:
        async with self._send_turn:
            await self._sender.execute("SELECT pg_notify($1, $2)", channel, message)

    def _notified(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        self._queue.put_nowait(Event(channel=channel, message=payload))

    async def next_published(self) -> Event:
        return await self._queue.get()


def broadcast(url: str) -> Broadcast:
    """A broadcaster for ``url``: our Redis and PostgreSQL backends, broadcaster's own otherwise."""
    scheme = url.split("://", 1)[0]
    if scheme in ("redis", "rediss"):
        return Broadcast(backend=RedisPubSub(url))
    if scheme in ("postgres", "postgresql"):
        return Broadcast(backend=PostgresNotify(url))
    return Broadcast(url)
