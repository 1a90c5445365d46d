"""A webhook receiver for tests: a tiny Starlette app served by uvicorn that records every request and
answers each path as scripted (status, delay, or holding the request open until released)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.live import Uvicorn

__all__ = ["Received", "Receiver", "Reply", "receiver"]

MAX_HOLD_SECONDS = 60.0


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one request: ``status`` after ``delay`` seconds; ``hold`` keeps the
    request open until :meth:`Receiver.release` (or the caller goes away)."""

    status: int = 200
    body: str = "thanks"
    delay: float = 0.0
    hold: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    """``time.monotonic()`` when the request arrived."""

    @property
    def attempt(self) -> int:
        return int(self.headers["x-chargegraph-attempt"])

    @property
    def delivery(self) -> str:
        return self.headers["x-chargegraph-delivery"]

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Records requests per path; answers from the path's script, then its default reply."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.defaults: dict[str, Reply] = {}
        self.released = asyncio.Event()
        self.changed = asyncio.Condition()
        self.base_url = ""
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def script(self, path: str, *replies: Reply, then: Reply | None = None) -> None:
        """Answer the next requests on ``path`` with ``replies`` in order, then ``then`` (200)."""
        key = "/" + path.lstrip("/")
        self.scripts[key] = list(replies)
        if then is not None:
            self.defaults[key] = then

    def release(self) -> None:
        """Let every held request finish."""
        self.released.set()

    def on(self, path: str) -> list[Received]:
        key = "/" + path.lstrip("/")
        return [r for r in self.received if r.path == key]

    async def wait_for(self, count: int, path: str | None = None, timeout: float = 15.0) -> list[Received]:
        """Wait until ``count`` requests arrived (on ``path``, if given); returns them."""

        def seen() -> list[Received]:
            return self.on(path) if path is not None else list(self.received)

        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: len(seen()) >= count)
        return seen()

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        received = Received(
            path=path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
            at=time.monotonic(),
        )
        self.received.append(received)
        async with self.changed:
            self.changed.notify_all()
        script = self.scripts.get(path)
        reply = script.pop(0) if script else self.defaults.get(path, Reply())
        if reply.hold:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), MAX_HOLD_SECONDS)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return PlainTextResponse(reply.body, status_code=reply.status, headers=reply.headers)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A running receiver on a free port (``receiver.url(path)``)."""
    target = Receiver()
    runner = Uvicorn(target.app)
    live = await runner.start()
    target.base_url = live.http_url
    try:
        yield target
    finally:
        target.release()
        await runner.stop()
