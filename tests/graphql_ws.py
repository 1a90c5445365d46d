"""A small GraphQL-over-websocket client for tests and benchmarks, on the ``websockets`` library.

Speaks both protocols served at /graphql: ``graphql-transport-ws`` (the current one) and the legacy
``graphql-ws`` (subscriptions-transport-ws)::

    async with connect(server.ws_url + "/graphql", TRANSPORT_WS, params={"apiKey": key}) as client:
        async with await client.subscribe("subscription { connectorStatus { status } }") as op:
            payload = await op.next()          # {"data": {...}} or {"data": None, "errors": [...]}

A refused connection raises :class:`Rejected` (the close code, and the ``connection_error`` payload of
the legacy protocol); an operation the server refuses before running raises :class:`OperationError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS)

Payload = dict[str, Any]


class Rejected(Exception):
    """The server refused the connection: it closed it (``code``, ``reason``) or, in the legacy
    protocol, answered ``connection_error`` (``payload``) first. ``code`` is None for an HTTP refusal."""

    def __init__(self, code: int | None, reason: str, payload: Any = None) -> None:
        super().__init__(f"connection refused: {code} {reason} {payload!r}")
        self.code = code
        self.reason = reason
        self.payload = payload


class OperationError(Exception):
    """The server answered an operation with an ``error`` message (before or instead of results)."""

    def __init__(self, errors: list[Payload]) -> None:
        super().__init__(json.dumps(errors))
        self.errors = errors


class Closed(Exception):
    """The connection closed while an operation was still waiting."""

    def __init__(self, code: int | None, reason: str | None) -> None:
        super().__init__(f"connection closed: {code} {reason}")
        self.code = code
        self.reason = reason


class Operation:
    """One subscription (or query) on a connection: an async iterator of result payloads that ends on
    ``complete``. Use as ``async with`` to stop it on exit."""

    def __init__(self, client: Client, op_id: str) -> None:
        self.client = client
        self.id = op_id
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.completed = False

    async def next(self, timeout: float = 5.0) -> Payload:
        """The next result payload; raises :class:`OperationError`, :class:`Closed`,
        ``StopAsyncIteration`` once completed, or ``TimeoutError``."""
        async with asyncio.timeout(timeout):
            return await self.__anext__()

    async def within(self, seconds: float) -> list[Payload]:
        """Every result payload arriving within ``seconds`` (stops early on completion)."""
        found: list[Payload] = []
        with contextlib.suppress(TimeoutError, StopAsyncIteration):
            async with asyncio.timeout(seconds):
                while True:
                    found.append(await self.__anext__())
        return found

    def __aiter__(self) -> Operation:
        return self

    async def __anext__(self) -> Payload:
        if self.completed:
            raise StopAsyncIteration
        kind, value = await self.queue.get()
        if kind == "next":
            payload: Payload = value
            return payload
        self.completed = True
        if kind == "error":
            raise OperationError(value if isinstance(value, list) else [value])
        if kind == "closed":
            raise Closed(*value)
        raise StopAsyncIteration

    async def stop(self) -> None:
        """Tell the server to end the operation (``complete`` / legacy ``stop``)."""
        if self.completed:
            return
        self.completed = True
        self.client.operations.pop(self.id, None)
        kind = "complete" if self.client.protocol == TRANSPORT_WS else "stop"
        with contextlib.suppress(ConnectionClosed):
            await self.client.send({"id": self.id, "type": kind})

    async def __aenter__(self) -> Operation:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


class Client:
    """An acknowledged connection. Messages are read by one task and routed to their operation."""

    def __init__(self, ws: ClientConnection, protocol: str, ack: Any) -> None:
        self.ws = ws
        self.protocol = protocol
        self.ack = ack
        """The ``connection_ack`` payload, if any."""
        self.operations: dict[str, Operation] = {}
        self._ids = itertools.count(1)
        self._pongs: set[asyncio.Task[None]] = set()
        self._reader = asyncio.create_task(self._read())

    async def send(self, message: Payload) -> None:
        await self.ws.send(json.dumps(message))

    async def subscribe(
        self, query: str, variables: Mapping[str, Any] | None = None, operation_name: str | None = None
    ) -> Operation:
        """Start an operation (``subscribe`` / legacy ``start``); its results arrive on the returned
        :class:`Operation`."""
        op = Operation(self, str(next(self._ids)))
        self.operations[op.id] = op
        payload: Payload = {"query": query, "variables": dict(variables or {})}
        if operation_name is not None:
            payload["operationName"] = operation_name
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op.id, "type": kind, "payload": payload})
        return op

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, timeout: float = 5.0
    ) -> Payload:
        """A query or mutation over the socket: its single result payload."""
        op = await self.subscribe(query, variables)
        try:
            return await op.next(timeout)
        finally:
            await op.stop()

    async def closed(self, timeout: float = 5.0) -> tuple[int | None, str | None]:
        """Wait for the server to close the connection; its close code and reason."""
        async with asyncio.timeout(timeout):
            await self.ws.wait_closed()
        return self.ws.close_code, self.ws.close_reason

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.ws.close()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self._route(json.loads(raw))
        except ConnectionClosed:
            pass
        for op in list(self.operations.values()):
            op.queue.put_nowait(("closed", (self.ws.close_code, self.ws.close_reason)))
        self.operations.clear()

    async def _pong(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.send({"type": "pong"})

    def _route(self, message: Payload) -> None:
        kind = message.get("type")
        if kind == "ping":
            task = asyncio.create_task(self._pong())
            self._pongs.add(task)
            task.add_done_callback(self._pongs.discard)
            return
        op = self.operations.get(str(message.get("id")))
        if op is None:
            return  # "ka", "pong", or a late message of a stopped operation
        if kind in ("next", "data"):
            op.queue.put_nowait(("next", message.get("payload")))
        elif kind == "error":
            self.operations.pop(op.id, None)
            op.queue.put_nowait(("error", message.get("payload")))
        elif kind == "complete":
            self.operations.pop(op.id, None)
            op.queue.put_nowait(("complete", None))


@asynccontextmanager
async def connect(
    url: str,
    protocol: str = TRANSPORT_WS,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> AsyncIterator[Client]:
    """Open ``url`` speaking ``protocol``, send ``connection_init`` with ``params`` (credentials) and
    wait for the ack. Raises :class:`Rejected` if the server refuses."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; use one of {PROTOCOLS}")
    try:
        ws = await ws_connect(
            url,
            subprotocols=[Subprotocol(protocol)],
            additional_headers=dict(headers or {}),
            open_timeout=timeout,
        )
    except InvalidStatus as exc:
        raise Rejected(None, f"HTTP {exc.response.status_code}") from exc
    try:
        if ws.subprotocol != protocol:
            raise Rejected(ws.close_code, f"server chose subprotocol {ws.subprotocol!r}")
        await ws.send(json.dumps({"type": "connection_init", "payload": dict(params or {})}))
        ack = await _acknowledgement(ws, timeout)
    except BaseException:
        await ws.close()
        raise
    client = Client(ws, protocol, ack)
    try:
        yield client
    finally:
        await client.close()


async def _acknowledgement(ws: ClientConnection, timeout: float) -> Any:
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "connection_ack":
                    return message.get("payload")
                if message.get("type") == "connection_error":
                    with contextlib.suppress(ConnectionClosed):
                        await ws.wait_closed()
                    raise Rejected(ws.close_code, ws.close_reason or "", message.get("payload"))
    except ConnectionClosed as exc:
        raise Rejected(ws.close_code, ws.close_reason or "") from exc
