"""Subscriptions: live charger, connector and session status and the general event feed.

Each is pushed from the event hub the moment the event commits (never polled), scoped to the caller
like the SSE streams. A subscriber that falls more than the queue size behind gets the error
``Subscriber too slow: ...; subscribe again`` and its subscription ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Annotated, TypeVar

import strawberry

from domain.events import Event
from resolvers import subscriptions as ops
from schema.context import Info
from schema.types.live import ChargerStatusEvent, ConnectorStatusEvent, LiveEvent, SessionEvent

T = TypeVar("T")


async def _each(feed: ops.Feed, convert: Callable[[Event], T]) -> AsyncIterator[T]:
    async with aclosing(feed.events()) as events:  # closed (unsubscribed) as soon as we are
        async for event in events:
            yield convert(event)


ChargerArg = Annotated[strawberry.ID | None, strawberry.argument(description="Only this charger (UUID).")]
StationsArg = Annotated[
    list[str] | None,
    strawberry.argument(
        description="Only these stations: charger OCPP identities or UUIDs, or location UUIDs."
    ),
]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Connector status changes of the caller's chargers.")
    async def connector_status(
        self,
        info: Info,
        charger_id: ChargerArg = None,
        station_ids: StationsArg = None,
    ) -> AsyncIterator[ConnectorStatusEvent]:
        feed = await ops.connector_status(info.context.ctx, charger_id=charger_id, stations=station_ids)
        return _each(feed, ConnectorStatusEvent.of)

    @strawberry.subscription(
        description="Chargers connecting, disconnecting and reporting their own status (connector 0)."
    )
    async def charger_status(
        self,
        info: Info,
        charger_id: ChargerArg = None,
        station_ids: StationsArg = None,
    ) -> AsyncIterator[ChargerStatusEvent]:
        feed = await ops.charger_status(info.context.ctx, charger_id=charger_id, stations=station_ids)
        return _each(feed, ChargerStatusEvent.of)

    @strawberry.subscription(
        description="One session's start, live values, completion or failure (a driver: their own)."
    )
    async def session_updates(self, info: Info, session_id: strawberry.ID) -> AsyncIterator[SessionEvent]:
        feed = await ops.session_updates(info.context.ctx, session_id)
        return _each(feed, SessionEvent.of)

    @strawberry.subscription(description="Every event the caller may see, as webhooks and SSE carry them.")
    async def events(
        self,
        info: Info,
        event_types: Annotated[
            list[str] | None,
            strawberry.argument(description="Event types, 'family.*' or '*' (see the event catalogue)."),
        ] = None,
        station_ids: StationsArg = None,
    ) -> AsyncIterator[LiveEvent]:
        feed = await ops.live_events(info.context.ctx, types=event_types, stations=station_ids)
        return _each(feed, LiveEvent.of)
