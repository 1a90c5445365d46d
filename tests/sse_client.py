"""A small server-sent-events reader over httpx streaming, for tests (and anything else that listens).

``async with sse(http, "/cpms/v1/events/stream", headers=...) as stream:`` opens the stream; a
background task parses it into :class:`Message` (``id:`` / ``event:`` / ``data:`` / ``retry:`` blocks)
and :class:`Comment` (``: text`` lines) items, in arrival order. Read them with :meth:`EventStream.item`
(anything), :meth:`EventStream.message` (skips comments) or :meth:`EventStream.quiet` (what arrives
in a time window). A non-2xx answer is not parsed: ``stream.status_code`` and ``stream.body`` hold it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Comment", "EventStream", "Message", "StreamEnded", "sse"]


@dataclass(frozen=True)
class Message:
    """One dispatched block. ``data`` joins its ``data:`` lines with newlines, as browsers do."""

    id: str | None
    event: str | None
    data: str
    retry: int | None = None

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(frozen=True)
class Comment:
    text: str


Item = Message | Comment


class StreamEnded(Exception):
    """The server ended the stream (or the connection dropped)."""


class _Parser:
    """The text/event-stream grammar, fed one line at a time (line endings already stripped)."""

    def __init__(self) -> None:
        self.id: str | None = None
        self.event: str | None = None
        self.data: list[str] = []
        self.retry: int | None = None
        self.touched = False

    def feed(self, line: str) -> Item | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return Comment(line[1:].removeprefix(" "))
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        self.touched = True
        if name == "id":
            self.id = value
        elif name == "event":
            self.event = value
        elif name == "data":
            self.data.append(value)
        elif name == "retry" and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> Message | None:
        if not self.touched:
            return None
        message = Message(self.id, self.event, "\n".join(self.data), self.retry)
        self.id = self.event = self.retry = None
        self.data = []
        self.touched = False
        return message


class EventStream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.body: Any = None
        self.items: asyncio.Queue[Item | None] = asyncio.Queue()
        self.received: list[Item] = []
        """Everything read so far, in order."""
        self.ended = False
        self._task: asyncio.Task[None] | None = None

    @property
    def last_event_id(self) -> str | None:
        """The id a reconnecting client sends as ``Last-Event-ID``."""
        ids = [i.id for i in self.received if isinstance(i, Message) and i.id is not None]
        return ids[-1] if ids else None

    def _start(self) -> None:
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        parser = _Parser()
        try:
            async for line in self.response.aiter_lines():
                item = parser.feed(line.rstrip("\r\n"))
                if item is not None:
                    self.items.put_nowait(item)
        except (httpx.StreamError, httpx.TransportError):
            pass
        finally:
            self.items.put_nowait(None)

    async def item(self, timeout: float = 5.0) -> Item:
        """The next message or comment; raises :class:`StreamEnded` once the stream is over."""
        if self.ended:
            raise StreamEnded
        try:
            item = await asyncio.wait_for(self.items.get(), timeout)
        except TimeoutError:
            raise AssertionError(f"nothing arrived on the stream within {timeout}s") from None
        if item is None:
            self.ended = True
            raise StreamEnded
        self.received.append(item)
        return item

    async def message(self, timeout: float = 5.0) -> Message:
        """The next message with ``data`` (comments and ``retry``-only blocks are skipped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            item = await self.item(max(0.01, deadline - asyncio.get_running_loop().time()))
            if isinstance(item, Message) and item.event is not None:
                return item

    async def messages(self, count: int, timeout: float = 5.0) -> list[Message]:
        return [await self.message(timeout) for _ in range(count)]

    async def quiet(self, seconds: float) -> list[Message]:
        """The messages that arrive within ``seconds`` (a test asserts it gets none)."""
        got: list[Message] = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                item = await asyncio.wait_for(self.items.get(), left)
            except TimeoutError:
                break
            if item is None:
                self.ended = True
                break
            self.received.append(item)
            if isinstance(item, Message) and item.event is not None:
                got.append(item)
        return got

    async def until_end(self, timeout: float = 5.0) -> list[Item]:
        """Everything up to the end of the stream (fails if it does not end in time)."""
        rest: list[Item] = []
        with contextlib.suppress(StreamEnded):
            while True:
                rest.append(await self.item(timeout))
        return rest

    async def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@asynccontextmanager
async def sse(
    http: httpx.AsyncClient,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    last_event_id: str | int | None = None,
) -> AsyncIterator[EventStream]:
    """Open an event stream; leaving the block disconnects (the server sees the client go away)."""
    sent = {"Accept": "text/event-stream", **(headers or {})}
    if last_event_id is not None:
        sent["Last-Event-ID"] = str(last_event_id)
    async with http.stream("GET", path, headers=sent, params=params) as response:
        stream = EventStream(response)
        if response.is_success:
            stream._start()
        else:
            await response.aread()
            stream.body = response.json()
        try:
            yield stream
        finally:
            await stream._stop()
