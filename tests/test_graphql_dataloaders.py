"""Nested charger fields load through dataloaders: one query runs a constant number of SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from domain.container import Services
from domain.models import Charger, Connector, Location
from tests.world import World, gql

QUERY = "{ chargers(pageSize: 50) { items { id connectors { id } location { name } network { name } } } }"


@contextmanager
def statements(services: Services) -> Iterator[list[str]]:
    """Every SQL query the engine runs inside the block (not the BEGIN that opens a SQLite
    transaction: domain/db.py begins them itself)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def add_chargers(world: World, locations: list[Location], start: int, how_many: int) -> None:
    network_id = world.a.network.id
    assert network_id is not None
    async with world.services.db.unit_of_work() as s:
        chargers = [
            Charger(
                network_id=network_id,
                location_id=locations[n % len(locations)].id,
                uid=f"CP-BULK-{n:03d}",
                evse_id=f"US*CGA*B{n:04d}",
                lookup_code=f"BULK{n:04d}",
                status="AVAILABLE",
            )
            for n in range(start, start + how_many)
        ]
        s.add_all(chargers)
        await s.flush()
        for charger in chargers:
            assert charger.id is not None
            s.add_all(
                Connector(
                    charger_id=charger.id, connector_number=k, connector_identifier=f"{charger.uid}-{k}"
                )
                for k in (1, 2)
            )


async def run(client: httpx.AsyncClient, world: World) -> tuple[int, list[dict[str, Any]]]:
    with statements(world.services) as seen:
        body = await gql(client, QUERY, headers=world.a.cpms())
    assert "errors" not in body, body
    return len(seen), body["data"]["chargers"]["items"]


async def test_nested_charger_fields_run_a_constant_number_of_statements(
    client: httpx.AsyncClient, world: World
) -> None:
    network_id = world.a.network.id
    assert network_id is not None
    async with world.services.db.unit_of_work() as s:
        extra = [Location(network_id=network_id, name=f"Site {n}") for n in range(3)]
        s.add_all(extra)
    sites = [world.a.location, *extra]

    await add_chargers(world, sites, 0, 9)  # with world.a's own charger: 10
    await run(client, world)  # warm-up: first-use caches must not skew the comparison
    small, items = await run(client, world)
    assert len(items) == 10
    assert all(len(item["connectors"]) == 2 for item in items)

    await add_chargers(world, sites, 9, 40)  # 49 + world.a's own: 50
    large, items = await run(client, world)
    assert len(items) == 50
    assert all(len(item["connectors"]) == 2 for item in items)
    assert {item["location"]["name"] for item in items} == {"Isla Verde Plaza", "Site 0", "Site 1", "Site 2"}
    assert {item["network"]["name"] for item in items} == {"Isla Verde"}

    assert large == small, (small, large)
    # Principal resolution, a count, a page, then one statement each for connectors, locations, networks.
    assert large <= 12, large
