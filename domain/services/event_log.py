"""The retained event log: replaying what a subscriber missed (SSE ``Last-Event-ID``) and pruning it.

The log also holds raw ``ocpp.*`` rows (what chargers reported); they are not catalogue events, so they
are never replayed and never pruned here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import col, select

from domain.db import Database
from domain.event_hub import EventFilter
from domain.events import EVENT_TYPES, Event, matches
from domain.models import EventLogEntry
from domain.types import as_utc, utcnow

PAGE_SIZE = 500


def _types_wanted(event_filter: EventFilter) -> list[str]:
    """The catalogue types the filter can accept at all (pushed down into the query)."""
    return [
        t
        for t in EVENT_TYPES
        if (event_filter.types is None or matches(event_filter.types, t))
        and (event_filter.visible_types is None or matches(event_filter.visible_types, t))
    ]


async def latest_id(db: Database) -> int:
    """The highest id in the log (any row), 0 when it is empty."""
    async with db.session() as session:
        value = (await session.exec(select(func.max(EventLogEntry.id)))).one()
    return int(value or 0)


async def oldest_retained_id(db: Database) -> int | None:
    """The id of the oldest catalogue event still kept, or None when none is."""
    stmt = select(func.min(EventLogEntry.id)).where(col(EventLogEntry.event_type).in_(EVENT_TYPES))
    async with db.session() as session:
        value = (await session.exec(stmt)).one()
    return None if value is None else int(value)


async def replay(
    db: Database, event_filter: EventFilter, *, after: int, upto: int, page_size: int = PAGE_SIZE
) -> AsyncIterator[Event]:
    """The catalogue events with ``after < id <= upto`` that ``event_filter`` accepts, in id order,
    read a page at a time (each page in its own short read session)."""
    types = _types_wanted(event_filter)
    if not types:
        return
    cursor = after
    while cursor < upto:
        stmt = select(EventLogEntry).where(
            col(EventLogEntry.id) > cursor,
            col(EventLogEntry.id) <= upto,
            col(EventLogEntry.event_type).in_(types),
        )
        if event_filter.network_ids is not None:
            stmt = stmt.where(col(EventLogEntry.network_id).in_(event_filter.network_ids))
        if event_filter.charger_id is not None:
            stmt = stmt.where(EventLogEntry.charger_id == event_filter.charger_id)
        async with db.session() as session:
            rows = list((await session.exec(stmt.order_by(col(EventLogEntry.id)).limit(page_size))).all())
        for row in rows:
            event = Event.from_log(row)
            if event_filter.accepts(event):
                yield event
        if len(rows) < page_size:
            return
        assert rows[-1].id is not None
        cursor = rows[-1].id


async def prune(db: Database, older_than: datetime) -> int:
    """Delete catalogue events recorded before ``older_than``; returns how many went.

    ``ocpp.*`` rows stay, and so does the newest row of the log whatever its age: SQLite hands out
    the next id as the highest present plus one, so emptying the log would reuse ids that clients
    already hold as their ``Last-Event-ID``. Running it on several instances at once is harmless.
    """
    async with db.unit_of_work() as session:
        newest = (await session.exec(select(func.max(EventLogEntry.id)))).one()
        if newest is None:
            return 0
        stmt = delete(EventLogEntry).where(
            col(EventLogEntry.event_type).in_(EVENT_TYPES),
            col(EventLogEntry.created_at) < as_utc(older_than),
            col(EventLogEntry.id) < newest,
        )
        result = await session.exec(stmt)
    return int(result.rowcount or 0)


async def prune_expired(db: Database, retention_hours: float, now: datetime | None = None) -> int:
    """Drop the catalogue events older than the retention period (the ``events.prune`` job)."""
    return await prune(db, (now or utcnow()) - timedelta(hours=retention_hours))
