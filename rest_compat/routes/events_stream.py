"""The server-sent-event streams ``GET /cpms/v1/events/stream`` and ``GET /emsp/v1/events/stream``.

One block per event: ``id: <event-log id>``, ``event: <type>``, ``data: <the event's public JSON>``.
The stream opens with ``retry: 3000`` and sends a ``: keep-alive`` comment whenever no event went out
for the keep-alive period. A client that reconnects with ``Last-Event-ID`` first gets the retained
events it missed, then the live ones, with nothing twice: the subscription to the hub is taken before
the log is read, and what the replay sent is skipped when it also arrives live. A client too slow to
keep up (its queue overflowed) has its stream ended; it reconnects with ``Last-Event-ID`` and resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from domain.container import Services
from domain.errors import BadRequest
from domain.event_hub import SubscriberTooSlow, Subscription
from domain.events import Event, unknown_patterns
from domain.services import event_log
from resolvers.live import event_filter, split_list
from rest_compat.endpoint import Call, Param, endpoint

log = logging.getLogger("chargegraph.sse")

EVENT_STREAM = "text/event-stream"
RETRY_MS = 3000
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
PARAMS = [
    Param("eventTypes", description="Comma-separated event types (`*`, `session.*`, exact types)."),
    Param("stationIds", description="Comma-separated charger OCPP ids, charger UUIDs or location UUIDs."),
    Param(
        "Last-Event-ID",
        where="header",
        description="Resume after this event id: the retained events since then are sent first.",
    ),
]


def block(event: Event) -> str:
    """One event as a server-sent-event block."""
    data = json.dumps(event.public(), separators=(",", ":"))
    head = f"id: {event.seq}\n" if event.seq is not None else ""
    return f"{head}event: {event.type}\ndata: {data}\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"


class EventStream(StreamingResponse):
    """A streaming response that owns a hub subscription: whatever ends the response (the stream
    finishing, the client going away, an error) closes the subscription and the generator."""

    def __init__(self, subscription: Subscription, body: AsyncGenerator[str, None]) -> None:
        super().__init__(body, media_type=EVENT_STREAM, headers=HEADERS)
        self.subscription = subscription
        self.events = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.subscription.close()
            await self.events.aclose()


async def _events(
    services: Services, subscription: Subscription, after: int | None
) -> AsyncGenerator[str, None]:
    yield f"retry: {RETRY_MS}\n\n"
    replayed: set[int] = set()
    if after is not None:
        try:
            async for text in _replay(services, subscription, after, replayed):
                yield text
        except Exception:  # the client reconnects with the last id it got and resumes from there
            log.exception("event replay after %s failed", after)
            return
    keepalive = services.events_config.sse_keepalive_seconds
    pending: asyncio.Task[Event] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(subscription.get())
            done, _ = await asyncio.wait({pending}, timeout=keepalive)
            if not done:
                yield comment("keep-alive")
                continue
            task, pending = pending, None
            try:
                event = task.result()
            except StopAsyncIteration:
                return
            except SubscriberTooSlow:
                event = None
            if event is None or subscription.overflowed:
                # Nothing still queued is sent: the hub dropped some of it to end the subscription,
                # and the client resumes after the last id it got with nothing missing.
                size = subscription.queue.maxsize
                yield comment(
                    f"too slow: more than {size} events were waiting; reconnect with Last-Event-ID to resume"
                )
                return
            if event.seq is not None and event.seq in replayed:
                replayed.discard(event.seq)  # sent by the replay already
                continue
            yield block(event)
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, SubscriberTooSlow, StopAsyncIteration):
                await pending


async def _replay(
    services: Services, subscription: Subscription, after: int, sent: set[int]
) -> AsyncIterator[str]:
    """The retained events after ``after`` up to the newest id at this moment; newer events are all
    committed after the subscription began, so they come live. ``sent`` collects the ids replayed."""
    db = services.db
    upto = await event_log.latest_id(db)
    oldest = await event_log.oldest_retained_id(db)
    if oldest is None:
        oldest = upto + 1
    if after < oldest - 1:
        hours = services.events_config.retention_hours
        yield comment(
            f"events before id {oldest} were not kept (retention {hours:g} h); "
            "sending what is retained from there"
        )
    async for event in event_log.replay(db, subscription.filter, after=after, upto=upto):
        assert event.seq is not None
        sent.add(event.seq)
        yield block(event)


def _last_event_id(call: Call) -> int | None:
    raw = call.request.headers.get("last-event-id", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise BadRequest("Last-Event-ID must be an event id from this stream", error="invalid_parameter")
    return int(raw)


async def _open(call: Call) -> EventStream:
    types = split_list(call.query_str("eventTypes"))
    unknown = unknown_patterns(types or ())
    if unknown:
        raise BadRequest(
            f"eventTypes: unknown event type {', '.join(unknown)} (see the webhooks event-types list)",
            error="invalid_parameter",
        )
    after = _last_event_id(call)
    scope = event_filter(
        call.ctx.principal, event_types=types, station_ids=split_list(call.query_str("stationIds"))
    )
    services = call.ctx.services
    subscription = services.events.subscribe(scope)  # before reading the log: nothing falls between
    return EventStream(subscription, _events(services, subscription, after))


@endpoint("GET", "/cpms/v1/events/stream", params=PARAMS, media_type=EVENT_STREAM)
async def cpms_events_stream(call: Call) -> EventStream:
    """Operator SSE event stream (real-time updates scoped to the operator's networks)"""
    call.ctx.principal.require("cpms:events:read")
    return await _open(call)


@endpoint("GET", "/emsp/v1/events/stream", params=PARAMS, media_type=EVENT_STREAM)
async def emsp_events_stream(call: Call) -> EventStream:
    """SSE event stream for real-time updates"""
    principal = call.ctx.principal
    if not principal.is_driver:  # a signed-in driver sees only their own view of their network
        principal.require("emsp:events:read")
    return await _open(call)
