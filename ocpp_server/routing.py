"""Command routing between instances over the message bus.

Each instance listens on three channels, each opened once: ``commands.<me>`` (requests for the
chargers whose sockets it holds), ``replies.<me>`` (answers to the requests it sent) and
``presence`` (chargers connecting to and leaving the other instances). ``<me>`` is a short hash of
the instance id, so channel names stay within PostgreSQL's 63-character identifiers.

A request is ``{"id", "reply_to", "uid", "command", "timeout"}`` (the command as
``domain.command_wire`` writes it); the holder sends the command to its charger and answers
``{"id", "verdict"}`` on the requester's replies channel. Each request is handled in a task of its
own. A message longer than PostgreSQL's NOTIFY payload limit travels in numbered chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from domain.command_wire import WireError, decode_command, decode_verdict, encode_command, encode_verdict
from domain.commands import Command, Verdict
from domain.ports import MessageBus
from domain.services.charger_presence import PRESENCE_CHANNEL, Announcement

log = logging.getLogger("chargegraph.routing")

REPLY_GRACE_SECONDS = 2.0
"""How much longer than the command's own timeout a requester waits for the holder's answer."""
CHUNK_CHARS = 3000
"""Characters of (ASCII) JSON per chunk: escaped at most twice over, within NOTIFY's 8000 bytes."""
CHUNKS_KEPT_SECONDS = 60.0

Answer = Callable[[str, Command, float], Awaitable[Verdict]]
"""Runs a routed command on a charger held here: (uid, command, timeout) → verdict."""


def channel(kind: str, instance_id: str) -> str:
    """``commands.<hash>`` or ``replies.<hash>`` of an instance."""
    return f"{kind}.{hashlib.blake2b(instance_id.encode(), digest_size=8).hexdigest()}"


def unreachable() -> Verdict:
    return Verdict(
        False, "The instance holding the charger could not be reached.", retryable=True, status="Offline"
    )


class _Chunks:
    """Reassembles messages sent in parts; forgets incomplete ones after a minute."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[float, list[str | None]]] = {}

    def add(self, message: dict[str, Any]) -> str | None:
        key, seq, total, text = message["chunk"], message["seq"], message["of"], message["text"]
        if not (isinstance(seq, int) and isinstance(total, int) and 0 <= seq < total <= 10_000):
            raise ValueError("bad chunk numbering")
        now = time.monotonic()
        for stale in [k for k, (at, _) in self._parts.items() if now - at > CHUNKS_KEPT_SECONDS]:
            del self._parts[stale]
        _, parts = self._parts.setdefault(str(key), (now, [None] * total))
        parts[seq] = str(text)
        if any(part is None for part in parts):
            return None
        del self._parts[str(key)]
        return "".join(part or "" for part in parts)


class Router:
    """The bus side of a :class:`~ocpp_server.registry.ConnectionRegistry`."""

    def __init__(
        self,
        bus: MessageBus,
        instance_id: str,
        answer: Answer,
        presence: Callable[[Announcement], None],
    ) -> None:
        self.bus = bus
        self.instance_id = instance_id
        self.answer = answer
        self.presence = presence
        self._pending: dict[str, asyncio.Future[Verdict]] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._chunks = {"commands": _Chunks(), "replies": _Chunks()}

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[Router]:
        async with contextlib.AsyncExitStack() as stack:
            requests = await stack.enter_async_context(self.bus.listen(channel("commands", self.instance_id)))
            replies = await stack.enter_async_context(self.bus.listen(channel("replies", self.instance_id)))
            presence = await stack.enter_async_context(self.bus.listen(PRESENCE_CHANNEL))
            readers = [
                asyncio.create_task(self._read(requests, self._on_request)),
                asyncio.create_task(self._read(replies, self._on_reply)),
                asyncio.create_task(self._read(presence, self._on_presence)),
            ]
            try:
                yield self
            finally:
                for task in [*readers, *self._handlers]:
                    task.cancel()
                for task in [*readers, *self._handlers]:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                for future in self._pending.values():  # shutting down: the outcome is unknown
                    if not future.done():
                        future.set_result(Verdict.timed_out())

    async def request(self, holder: str, uid: str, command: Command, timeout: float) -> Verdict:
        """Have instance ``holder`` send ``command`` to charger ``uid``; its verdict, or
        ``Verdict.timed_out()`` when no answer comes within ``timeout`` + the grace period."""
        request_id = uuid.uuid4().hex
        future: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message = {
            "id": request_id,
            "reply_to": self.instance_id,
            "uid": uid,
            "command": encode_command(command),
            "timeout": timeout,
        }
        try:
            try:
                await self._send(channel("commands", holder), message)
            except Exception:
                log.exception("could not route a command for %s to %s", uid, holder)
                return unreachable()
            try:
                return await asyncio.wait_for(future, timeout + REPLY_GRACE_SECONDS)
            except TimeoutError:
                log.warning("%s: no answer from %s within %.1fs", uid, holder, timeout + REPLY_GRACE_SECONDS)
                return Verdict.timed_out()
        finally:
            self._pending.pop(request_id, None)

    async def announce(self, announcement: Announcement) -> None:
        try:
            await self.bus.send(PRESENCE_CHANNEL, announcement.to_json())
        except Exception:
            log.warning("could not announce %s", announcement, exc_info=True)

    async def _send(self, to: str, message: dict[str, Any]) -> None:
        text = json.dumps(message, separators=(",", ":"))  # ASCII: non-ASCII is escaped
        if len(text) <= CHUNK_CHARS:
            await self.bus.send(to, text)
            return
        key = uuid.uuid4().hex
        parts = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        for seq, part in enumerate(parts):
            chunk = {"chunk": key, "seq": seq, "of": len(parts), "text": part}
            await self.bus.send(to, json.dumps(chunk, separators=(",", ":")))

    def _receive(self, kind: str, text: str) -> dict[str, Any] | None:
        message = json.loads(text)
        if isinstance(message, dict) and "chunk" in message:
            whole = self._chunks[kind].add(message)
            if whole is None:
                return None
            message = json.loads(whole)
        if not isinstance(message, dict):
            raise ValueError("a routing message is an object")
        return message

    async def _read(self, messages: AsyncIterator[str], handle: Callable[[str], None]) -> None:
        async for text in messages:
            try:
                handle(text)
            except (ValueError, KeyError, TypeError):
                log.warning("dropped a malformed routing message: %.200s", text)

    def _on_request(self, text: str) -> None:
        message = self._receive("commands", text)
        if message is None:
            return
        request_id, reply_to = message["id"], message["reply_to"]
        if not isinstance(request_id, str) or not isinstance(reply_to, str):
            raise ValueError("a request has an id and a reply_to")
        task = asyncio.create_task(self._serve(request_id, reply_to, message))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _serve(self, request_id: str, reply_to: str, message: dict[str, Any]) -> None:
        try:
            uid, timeout = message["uid"], message["timeout"]
            if not isinstance(uid, str) or not isinstance(timeout, int | float):
                raise WireError("a request names a charger and a timeout")
            command = decode_command(message["command"])
        except (WireError, KeyError) as exc:
            verdict = Verdict(False, f"The command could not be routed: {exc}", status="FormationViolation")
        else:
            try:
                verdict = await self.answer(uid, command, float(timeout))
            except Exception:
                log.exception("routed %s for %s failed", type(command).__name__, uid)
                verdict = Verdict(False, "The command failed on the instance holding the charger.")
        try:
            await self._send(
                channel("replies", reply_to), {"id": request_id, "verdict": encode_verdict(verdict)}
            )
        except Exception:
            log.exception("could not answer %s's request %s", reply_to, request_id)

    def _on_reply(self, text: str) -> None:
        message = self._receive("replies", text)
        if message is None:
            return
        future = self._pending.get(str(message["id"]))
        if future is None or future.done():
            return  # answered after the requester gave up
        try:
            future.set_result(decode_verdict(message["verdict"]))
        except WireError as exc:
            future.set_result(
                Verdict(False, f"The answer could not be read: {exc}", status="FormationViolation")
            )

    def _on_presence(self, text: str) -> None:
        announcement = Announcement.from_json(text)
        if announcement.instance_id != self.instance_id:
            self.presence(announcement)
