"""One charger's OCPP connection: frame routing, CALLERRORs, ordered handling, and calls to the charger.

Built on the ``ocpp`` library's ``ChargePoint`` (its ``@on`` route map and JSON schemas) with the
message routing replaced so that a bad frame never drops the socket:

* frames from the charger are read by one task and parsed once, there, through
  :func:`domain.bounded_json.loads` (nesting bounded, never ``RecursionError``); answers to our calls
  are delivered at once, every other frame is handled in arrival order by a second task (so a slow
  handler never blocks a reply the charger sends to one of our commands);
* malformed JSON, JSON nested deeper than ``bounded_json.MAX_DEPTH``, a frame that is not an array
  or has a bad message type id get a CALLERROR (1.6: ``FormationViolation``; 2.0.1:
  ``RpcFrameworkError`` / ``MessageTypeNotSupported``) with the frame's unique id when it can be read,
  else ``"-1"``. A message id longer than the 36 characters OCPP-J allows, or holding a NUL
  character, is not a readable id: ``"-1"``;
* a NUL character anywhere else in a frame (PostgreSQL cannot store one) is refused before any
  handler runs: a CALLERROR ``FormationViolation`` (1.6) / ``FormatViolation`` (2.0.1) with the id,
  or, in an answer to one of our calls, that call fails with the same code;
* an unknown action is ``NotImplemented`` (``NotSupported`` when the version has no such action), a
  payload failing the schema gets the library's violation code, a handler failure ``InternalError``;
* every frame both ways goes to the message log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias, TypeVar

from ocpp.charge_point import ChargePoint, camel_to_snake_case
from ocpp.exceptions import InternalError, NotImplementedError, NotSupportedError, OCPPError
from ocpp.messages import Call, CallResult, _validate_payload
from ocpp.routing import on as _library_on

from domain import bounded_json
from domain.config import OcppConfig
from domain.db import Database
from domain.services import charge_point
from domain.services.charge_point import BootInfo, ChargerIdentity
from domain.types import iso_z, utcnow
from ocpp_server.message_log import MessageLog
from ocpp_server.samples import when
from ocpp_server.socket import Disconnected, StarletteSocket

log = logging.getLogger("chargegraph.ocpp")

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[dict[str, Any]]])

MAX_MESSAGE_ID = 36
"""OCPP-J (1.6 and 2.0.1): a message id is at most 36 characters, enough for a UUID."""
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
"""A NUL or a UTF-16 surrogate can only reach a parsed JSON string through such an escape (a raw NUL
is invalid JSON, a websocket text frame is valid UTF-8), so a frame without one needs no search."""


def on(action: str) -> Callable[[Handler], Handler]:
    """The library's ``@on``, typed: marks a method as the handler of ``action``. Handlers receive
    the payload as snake_case keyword arguments and return the reply payload (camelCase dict)."""
    decorator: Callable[[Handler], Handler] = _library_on(action)
    return decorator


@dataclass(frozen=True)
class Reply:
    """The charger's answer to one of our calls: a CALLRESULT payload or a CALLERROR."""

    ok: bool
    payload: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error_description: str | None = None


class CallTimeout(Exception):
    pass


class FrameError(Exception):
    """Why a frame cannot be handled; ``message_type`` is its MessageTypeId when it could be read."""

    def __init__(self, unique_id: str, code: str, description: str, message_type: Any = None) -> None:
        super().__init__(description)
        self.unique_id = unique_id
        self.code = code
        self.description = description
        self.message_type = message_type


Frame: TypeAlias = "list[Any] | FrameError"
"""A frame from the charger as read once: a well-formed OCPP-J array, or why it is not one."""


class OcppConnection(ChargePoint):  # type: ignore[misc]
    """The base of the per-version handler classes (``v16.ChargePoint16``, ``v201.ChargePoint201``)."""

    version: ClassVar[str] = ""
    actions: ClassVar[frozenset[str]] = frozenset()
    """Every action the version defines (for NotImplemented vs NotSupported)."""

    def __init__(
        self,
        socket: StarletteSocket,
        charger: ChargerIdentity,
        *,
        db: Database,
        config: OcppConfig,
        messages: MessageLog,
    ) -> None:
        super().__init__(charger.uid, socket, response_timeout=config.command_timeout_seconds)
        self._ocpp_version = self.version
        self.socket = socket
        self.charger = charger
        self.db = db
        self.config = config
        self.messages = messages
        self._pending: dict[str, asyncio.Future[Reply]] = {}
        self._inbox: asyncio.Queue[tuple[Frame, float]] = asyncio.Queue()
        self._closed = asyncio.Event()

    # -- what both versions answer alike ---------------------------------------------------------

    async def boot_accepted(self, info: BootInfo) -> dict[str, Any]:
        """Record a BootNotification of a registered charger and accept it."""
        now = utcnow()
        await charge_point.booted(self.db, self.charger.id, info, now)
        return {
            "status": "Accepted",
            "currentTime": iso_z(now),
            "interval": self.config.heartbeat_interval_seconds,
        }

    @on("Heartbeat")
    async def on_heartbeat(self, **_: Any) -> dict[str, Any]:
        now = utcnow()
        await charge_point.heartbeat(self.db, self.charger.id, now)
        return {"currentTime": iso_z(now)}

    @on("LogStatusNotification")
    async def on_log_status_notification(
        self, status: str, request_id: int | None = None, **_: Any
    ) -> dict[str, Any]:
        await charge_point.diagnostics_status(self.db, self.charger.id, status, request_id=request_id)
        return {}

    @on("DataTransfer")
    async def on_data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: Any = None, **_: Any
    ) -> dict[str, Any]:
        status = await charge_point.data_transfer(self.db, self.charger, vendor_id, message_id, data)
        return {"status": status}

    @on("SecurityEventNotification")
    async def on_security_event_notification(
        self, type: str, timestamp: str, tech_info: str | None = None, **_: Any
    ) -> dict[str, Any]:
        await charge_point.security_event(self.db, self.charger, type, when(timestamp), tech_info)
        return {}

    # -- the connection's life ---------------------------------------------------------------------

    async def serve(self) -> None:
        """Read frames until the socket closes."""
        worker = asyncio.create_task(self._work())
        try:
            while True:
                raw = await self.socket.recv()
                self._receive(raw)
        except Disconnected:
            pass
        finally:
            self._closed.set()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(Disconnected(self.socket.close_code))
            self._pending.clear()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.socket.close(code, reason)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def _receive(self, raw: str) -> None:
        """Answers to our calls are delivered now; everything else is queued in arrival order."""
        received = time.monotonic()
        frame = self._read(raw)
        if isinstance(frame, FrameError):
            if frame.message_type in (3, 4) and frame.unique_id in self._pending:
                # An answer to our call that cannot be accepted (a NUL in it): that call fails.
                self._deliver(frame.unique_id, Reply(False, {}, frame.code, frame.description))
                return
        elif len(frame) >= 3 and frame[0] in (3, 4) and frame[1] in self._pending:
            self._deliver(frame[1], _reply(frame))
            return
        self._inbox.put_nowait((frame, received))

    def _deliver(self, unique_id: str, reply: Reply) -> None:
        future = self._pending.pop(unique_id)
        if not future.done():
            future.set_result(reply)

    async def _work(self) -> None:
        while True:
            frame, received = await self._inbox.get()
            try:
                await self._handle_frame(frame, received)
            except Disconnected:
                return
            except Exception:
                log.exception("%s: could not handle a frame", self.id)

    # -- frames from the charger -------------------------------------------------------------------

    def _read(self, raw: str) -> Frame:
        """``raw`` parsed (once) as a well-formed OCPP-J frame, or why it is not one."""
        rpc = "FormationViolation" if self.version == "1.6" else "RpcFrameworkError"
        try:
            # NULs are looked for below, where it is known whether the message id holds one.
            frame = bounded_json.loads(raw, refuse_nul=False)
        except bounded_json.UnsafeInput as exc:
            if exc.kind == "too_deep":
                return FrameError(
                    "-1", rpc, f"The message is nested deeper than {bounded_json.MAX_DEPTH} levels."
                )
            return FrameError("-1", rpc, "The message is not valid JSON.")
        if not isinstance(frame, list) or not frame:
            return FrameError("-1", rpc, "An OCPP message is a JSON array.")
        unique_id, unreadable = "-1", "The message id could not be read."
        if len(frame) > 1 and isinstance(frame[1], str) and frame[1]:
            if len(frame[1]) > MAX_MESSAGE_ID:
                unreadable = f"The message id is longer than {MAX_MESSAGE_ID} characters."
            elif (unstorable := _unstorable(frame[1])) is not None:
                unreadable = f"The message id contains {unstorable}."
            else:
                unique_id = frame[1]
        kind = frame[0]
        if kind not in (2, 3, 4):
            code = "FormationViolation" if self.version == "1.6" else "MessageTypeNotSupported"
            return FrameError(unique_id, code, f"MessageTypeId {kind!r} is not supported.")
        if unique_id == "-1":
            return FrameError("-1", rpc, unreadable, kind)
        if kind == 2 and (len(frame) != 4 or not isinstance(frame[2], str) or not isinstance(frame[3], dict)):
            return FrameError(unique_id, rpc, "A CALL is [2, messageId, action, {payload}].", kind)
        if "\\u" in raw and _UNSTORABLE_ESCAPE.search(raw):
            unstorable = _unstorable(frame[2:])
            if unstorable is not None:
                code = "FormationViolation" if self.version == "1.6" else "FormatViolation"
                return FrameError(unique_id, code, f"The message contains {unstorable}.", kind)
        return frame

    async def _handle_frame(self, frame: Frame, received: float) -> None:
        if isinstance(frame, FrameError):
            problem = frame
            self._log_in(
                _MESSAGE_TYPES.get(
                    problem.message_type, "CallError" if problem.unique_id == "-1" else "Call"
                ),
                problem.unique_id,
                None,
                None,
                status="error",
                error_code=problem.code,
                error_description=problem.description,
            )
            await self._send_error(problem.unique_id, None, problem.code, problem.description, received)
            return
        if frame[0] != 2:  # an answer to a call we no longer wait for (timed out): log it only
            late = frame[2] if len(frame) > 2 else None
            self._log_in(
                "CallResult" if frame[0] == 3 else "CallError", frame[1], None, late, status="timeout"
            )
            return
        call = Call(frame[1], frame[2], frame[3])
        try:
            payload = await self._dispatch(call)
        except OCPPError as error:
            code = self._error_code(error)
            self._log_in("Call", call.unique_id, call.action, call.payload, status="error", error_code=code)
            await self._send_error(
                call.unique_id, call.action, code, error.description, received, details=_details(error)
            )
            return
        except Disconnected:
            raise
        except Exception:
            log.exception("%s: the %s handler failed", self.id, call.action)
            self._log_in(
                "Call", call.unique_id, call.action, call.payload, status="error", error_code="InternalError"
            )
            await self._send_error(
                call.unique_id,
                call.action,
                "InternalError",
                "An internal error occurred handling the request.",
                received,
            )
            return
        self._log_in("Call", call.unique_id, call.action, call.payload)
        await self._send(json.dumps([3, call.unique_id, payload], separators=(",", ":")))
        self._log_out("CallResult", call.unique_id, call.action, payload, received=received)

    async def _dispatch(self, call: Call) -> dict[str, Any]:
        handlers = self.route_map.get(call.action)
        if not handlers or "_on_action" not in handlers:
            if call.action in self.actions:
                raise NotImplementedError(details={"cause": f"No handler for {call.action}."})
            raise NotSupportedError(details={"cause": f"{call.action} is not an OCPP {self.version} action."})
        _validate_payload(call, self.version)
        handler = handlers["_on_action"]
        result: dict[str, Any] = await handler(**camel_to_snake_case(call.payload))
        try:
            _validate_payload(CallResult(call.unique_id, result, action=call.action), self.version)
        except OCPPError as exc:
            log.error("%s: our %s reply fails its schema: %s", self.id, call.action, exc)
            raise InternalError(details={"cause": "The reply could not be built."}) from exc
        return result

    def _error_code(self, error: OCPPError) -> str:
        code = str(error.code)
        if self.version == "1.6":
            return {
                "FormatViolation": "FormationViolation",
                "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
            }.get(code, code)
        return {
            "FormationViolation": "FormatViolation",
            "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
        }.get(code, code)

    async def _send_error(
        self,
        unique_id: str,
        action: str | None,
        code: str,
        description: str,
        received: float,
        details: dict[str, Any] | None = None,
    ) -> None:
        frame = [4, unique_id, code, description[:255], details or {}]
        await self._send(json.dumps(frame, separators=(",", ":"), default=str))
        self._log_out(
            "CallError",
            unique_id,
            action,
            details or {},
            received=received,
            status="error",
            error_code=code,
            error_description=description,
        )

    async def _send(self, message: str) -> None:
        await self.socket.send(message)

    # -- calls to the charger ----------------------------------------------------------------------

    async def request(self, action: str, payload: dict[str, Any], timeout: float) -> Reply:
        """Send a CALL and wait for its answer. Raises :class:`CallTimeout` when none comes in time,
        :class:`Disconnected` when the socket goes, ``OCPPError`` when our payload fails its schema."""
        deadline = time.monotonic() + timeout
        call = Call(str(uuid.uuid4()), action, payload)
        _validate_payload(call, self.version)
        try:
            await asyncio.wait_for(self._call_lock.acquire(), timeout)
        except TimeoutError as exc:
            raise CallTimeout from exc
        try:
            future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
            self._pending[call.unique_id] = future
            sent = time.monotonic()
            try:
                await self._send(call.to_json())
                reply = await asyncio.wait_for(future, max(deadline - time.monotonic(), 0.001))
            except TimeoutError as exc:
                self._log_call(call, sent, "timeout")
                raise CallTimeout from exc
            except Disconnected:
                self._log_call(call, sent, "error", error_code="Disconnected")
                raise
            finally:
                self._pending.pop(call.unique_id, None)
        finally:
            self._call_lock.release()
        status = "success" if reply.ok else "error"
        self._log_call(call, sent, status, error_code=reply.error_code)
        self._log_in(
            "CallResult" if reply.ok else "CallError",
            call.unique_id,
            action,
            reply.payload,
            status=status,
            error_code=reply.error_code,
            error_description=reply.error_description,
        )
        return reply

    # -- message log -------------------------------------------------------------------------------

    def _row(self, **fields: Any) -> None:
        self.messages.record(
            charge_point_id=self.charger.uid,
            charger_id=self.charger.id,
            network_id=self.charger.network_id,
            ocpp_version=self.version,
            **fields,
        )

    def _log_in(
        self,
        message_type: str,
        unique_id: str,
        action: str | None,
        payload: Any,
        *,
        status: str = "success",
        error_code: str | None = None,
        error_description: str | None = None,
    ) -> None:
        self._row(
            direction="incoming",
            message_type=message_type,
            unique_id=unique_id,
            correlation_id=unique_id,
            action=action,
            payload=payload,
            status=status,
            error_code=error_code,
            error_description=error_description,
        )

    def _log_out(
        self,
        message_type: str,
        unique_id: str,
        action: str | None,
        payload: Any,
        *,
        received: float,
        status: str = "success",
        error_code: str | None = None,
        error_description: str | None = None,
    ) -> None:
        self._row(
            direction="outgoing",
            message_type=message_type,
            unique_id=unique_id,
            correlation_id=unique_id,
            action=action,
            payload=payload,
            status=status,
            error_code=error_code,
            error_description=error_description,
            response_time_ms=int((time.monotonic() - received) * 1000),
        )

    def _log_call(self, call: Call, sent: float, status: str, *, error_code: str | None = None) -> None:
        self._row(
            direction="outgoing",
            message_type="Call",
            unique_id=call.unique_id,
            correlation_id=call.unique_id,
            action=call.action,
            payload=json.loads(call.to_json())[3],
            status=status,
            error_code=error_code,
            response_time_ms=int((time.monotonic() - sent) * 1000),
        )


_MESSAGE_TYPES = {3: "CallResult", 4: "CallError"}


def _unstorable(value: Any) -> str | None:
    """What in ``value`` is not storable text, or None: a NUL character (PostgreSQL refuses it) or a
    lone UTF-16 surrogate (not a character: no UTF-8 encoding; a valid pair is one character once
    parsed). Only called for frames holding such an escape."""
    try:
        bounded_json.check_value(value)
    except bounded_json.UnsafeInput as exc:
        return "a NUL character" if exc.kind == "nul_character" else "a lone UTF-16 surrogate"
    return None


def _reply(frame: list[Any]) -> Reply:
    if frame[0] == 3:
        payload = frame[2] if isinstance(frame[2], dict) else {}
        return Reply(True, payload)
    code = str(frame[2]) if len(frame) > 2 else "GenericError"
    description = str(frame[3]) if len(frame) > 3 else ""
    details = frame[4] if len(frame) > 4 and isinstance(frame[4], dict) else {}
    return Reply(False, details, error_code=code, error_description=description)


def _details(error: OCPPError) -> dict[str, Any]:
    details = error.details if isinstance(error.details, dict) else {}
    cause = details.get("cause")
    return {"cause": str(cause)[:500]} if cause is not None else {}
