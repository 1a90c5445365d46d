"""The OCPP-J wire of one simulated charge point: a websocket, CALLs out, CALLs in.

Framing, schema validation and error codes come from the ``ocpp`` library (``ocpp.messages``); the
link adds what a test or a load run needs around them: every CALL from the central system is handed
to a handler (which may answer, stay silent or fail), every reply to our own CALLs is matched by its
unique id and timed, and a raw frame can be sent as is.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallError, CallResult, unpack, validate_payload
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SUBPROTOCOLS = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}

Payload = dict[str, Any]
FollowUp = Callable[[], Awaitable[None]]
Answer = tuple[Payload, FollowUp | None]
IncomingHandler = Callable[[str, Payload], Awaitable[Answer | None]]
"""Answers a CALL from the central system: the reply payload and what to do once it is sent (run as a
task), or None to stay silent. Raising an ``ocpp.exceptions.OCPPError`` answers with that CALLERROR."""
Spawn = Callable[[Awaitable[None]], None]


class CallErrorReply(Exception):
    """The central system answered one of our CALLs with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str, details: Any) -> None:
        super().__init__(f"{action}: {code} {description}")
        self.action = action
        self.code = code
        self.description = description
        self.details = details


def basic_auth(uid: str, password: str) -> str:
    token = base64.b64encode(f"{uid}:{password}".encode()).decode()
    return f"Basic {token}"


class Link:
    """One websocket to the central system speaking one OCPP version."""

    def __init__(
        self,
        url: str,
        uid: str,
        version: str,
        *,
        password: str | None = None,
        handler: IncomingHandler | None = None,
        spawn: Spawn | None = None,
        validate: bool = True,
        response_timeout: float = 30.0,
        open_timeout: float = 10.0,
    ) -> None:
        if version not in SUBPROTOCOLS:
            raise ValueError(f"unsupported OCPP version {version!r}; use '1.6' or '2.0.1'")
        self.url = url
        self.uid = uid
        self.version = version
        self.password = password
        self.handler = handler
        self.spawn = spawn or self._spawn
        self._tasks: set[asyncio.Task[None]] = set()
        self.validate = validate
        self.response_timeout = response_timeout
        self.open_timeout = open_timeout
        self.sent = 0
        """CALLs we sent that got an answer (result or error)."""
        self.latencies: list[float] = []
        """Round trip of each of our CALLs, in seconds."""
        self._ids = itertools.count(1)
        self._prefix = f"{uid}-{id(self):x}-"
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, tuple[str, asyncio.Future[Payload]]] = {}
        self._lock = asyncio.Lock()
        self._raw_waiters: list[asyncio.Future[str]] = []
        self.closed = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self.closed.is_set()

    async def open(self) -> None:
        headers = {"Authorization": basic_auth(self.uid, self.password)} if self.password is not None else {}
        self.closed.clear()
        self._ws = await connect(
            self.url,
            subprotocols=[Subprotocol(SUBPROTOCOLS[self.version])],
            additional_headers=headers,
            open_timeout=self.open_timeout,
            ping_interval=None,
            max_queue=None,
        )
        if self._ws.subprotocol != SUBPROTOCOLS[self.version]:
            await self._ws.close()
            raise ConnectionError(f"the server did not accept {SUBPROTOCOLS[self.version]}")
        self._reader = asyncio.create_task(self._read(self._ws), name=f"ocpp-link-{self.uid}")

    async def close(self) -> None:
        ws, reader = self._ws, self._reader
        self._ws, self._reader = None, None
        if ws is not None:
            await ws.close()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._fail_pending(ConnectionError("the link was closed"))
        self.closed.set()

    async def call(self, action: str, payload: Payload, *, timeout: float | None = None) -> Payload:
        """Send one CALL and return the reply payload (camelCase). One CALL in flight at a time, as
        OCPP-J requires; raises :class:`CallErrorReply` on a CALLERROR."""
        message = Call(f"{self._prefix}{next(self._ids)}", action, payload)
        if self.validate:
            await validate_payload(message, self.version)
        async with self._lock:
            ws = self._require()
            future: asyncio.Future[Payload] = asyncio.get_running_loop().create_future()
            self._pending[message.unique_id] = (action, future)
            started = time.perf_counter()
            try:
                await ws.send(message.to_json())
                reply = await asyncio.wait_for(future, timeout or self.response_timeout)
            finally:
                self._pending.pop(message.unique_id, None)
            self.latencies.append(time.perf_counter() - started)
            self.sent += 1
        if self.validate:
            await validate_payload(CallResult(message.unique_id, reply, action), self.version)
        return reply

    async def raw(self, text: str, *, timeout: float = 5.0) -> str:
        """Send ``text`` as one frame, as is, and return the next frame received."""
        ws = self._require()
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._raw_waiters.append(waiter)
        try:
            await ws.send(text)
            return await asyncio.wait_for(waiter, timeout)
        finally:
            if waiter in self._raw_waiters:
                self._raw_waiters.remove(waiter)

    async def send_text(self, text: str) -> None:
        await self._require().send(text)

    def _require(self) -> ClientConnection:
        if self._ws is None or self.closed.is_set():
            raise ConnectionError(f"{self.uid} is not connected")
        return self._ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                text = frame if isinstance(frame, str) else frame.decode()
                for waiter in self._raw_waiters:
                    if not waiter.done():
                        waiter.set_result(text)
                self._raw_waiters.clear()
                await self._route(ws, text)
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws or self._ws is None:
                self._fail_pending(ConnectionError(f"{self.uid}: the central system closed the connection"))
                self.closed.set()

    def _fail_pending(self, error: Exception) -> None:
        for _, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    async def _route(self, ws: ClientConnection, text: str) -> None:
        try:
            message = unpack(text)
        except OCPPError:
            return
        if isinstance(message, Call):
            await self._answer(ws, message)
            return
        entry = self._pending.get(message.unique_id)
        if entry is None:
            return
        action, future = entry
        if future.done():
            return
        if isinstance(message, CallError):
            future.set_exception(
                CallErrorReply(action, message.error_code, message.error_description, message.error_details)
            )
        else:
            future.set_result(message.payload if isinstance(message.payload, dict) else {})

    async def _answer(self, ws: ClientConnection, message: Call) -> None:
        try:
            if self.handler is None:
                raise OcppNotImplemented(details={"cause": f"No handler for {message.action}"})
            payload = message.payload  # as sent: validation may re-parse numbers as Decimal
            if self.validate:
                await validate_payload(message, self.version)
            answer = await self.handler(message.action, payload if isinstance(payload, dict) else {})
            if answer is None:
                return
            reply, follow_up = answer
            text = message.create_call_result(reply).to_json()
        except OCPPError as error:
            text = message.create_call_error(error).to_json()
            follow_up = None
        except Exception as error:  # noqa: BLE001 - a bug in a handler must not kill the link: InternalError
            text = message.create_call_error(error).to_json()
            follow_up = None
        try:
            await ws.send(text)
        except ConnectionClosed:
            return
        if follow_up is not None:
            self.spawn(follow_up())

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def frame(message_type: int, unique_id: str, *rest: Any) -> str:
    """A hand-made OCPP-J frame, for tests of malformed traffic."""
    return json.dumps([message_type, unique_id, *rest], separators=(",", ":"))
