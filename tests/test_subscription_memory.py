"""A long-lived GraphQL subscription does not grow the server's memory with every event it delivers
(graphql-core 3.3 shares one per-subscription memo across events; schema/execution.py gives each event
its own)."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import AsyncGenerator

import strawberry

from schema.execution import PerEventMemoExecutionContext


@strawberry.type
class Reading:
    station_id: str
    connector_id: int
    status: str


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def readings(self, count: int) -> AsyncGenerator[Reading, None]:
        for n in range(count):
            yield Reading(station_id="CP-1", connector_id=n % 2 + 1, status="Charging")


QUERY = "subscription($n: Int!) { readings(count: $n) { stationId connectorId status } }"


async def _growth(schema: strawberry.Schema, events: int) -> int:
    """Bytes still held after delivering ``events`` events, measured while the subscription lives."""
    stream = await schema.subscribe(QUERY, variable_values={"n": events + 100})
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    delivered = 0
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    async for result in stream:
        assert result.errors is None, result.errors
        delivered += 1
        if delivered == events:
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            break
    tracemalloc.stop()
    await stream.aclose()
    return after - before


async def test_delivering_events_does_not_grow_memory() -> None:
    fixed = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=PerEventMemoExecutionContext
    )
    grown = await _growth(fixed, 3000)
    # ~20 bytes an event here; graphql-core's own executor keeps ~1.2 KiB an event (3.7 MB for these).
    assert grown < 300_000, f"{grown} bytes retained after 3000 events"
