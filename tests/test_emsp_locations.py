"""/emsp/v1/locations (list, detail, chargers at a location) and their GraphQL twins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel import func, select

from domain.models import Charger, Connector, Location, LocationReview
from domain.models.base import Entity
from domain.types import utcnow
from resolvers.location_stats import Point, haversine_km
from tests.spec import assert_error, assert_shape
from tests.world import Net, World, gql


def pk(row: Entity) -> int:
    """The internal id of a stored row."""
    assert row.id is not None
    return row.id


async def heartbeat(world: World, charger: Charger, *, minutes_ago: float) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await s.get(Charger, charger.id)
        assert row is not None
        row.last_heartbeat = utcnow() - timedelta(minutes=minutes_ago)
        s.add(row)


async def add_charger(
    world: World,
    net: Net,
    location: Location,
    uid: str,
    *,
    status: str = "AVAILABLE",
    public: bool = True,
    minutes_ago: float | None = 1,
    power_kw: float | None = None,
    standard: str = "CHADEMO",
    watts: int = 50000,
) -> Charger:
    async with world.services.db.unit_of_work() as s:
        charger = Charger(
            network_id=pk(net.network),
            location_id=location.id,
            uid=uid,
            evse_id=f"E-{uid}",
            lookup_code=uid[-8:],
            serial_number=f"SN-{uid}",
            status=status,
            is_public=public,
            max_power_kw=power_kw,
            last_heartbeat=None if minutes_ago is None else utcnow() - timedelta(minutes=minutes_ago),
        )
        s.add(charger)
        await s.flush()
        assert charger.id is not None
        s.add(
            Connector(
                charger_id=charger.id,
                connector_number=1,
                connector_identifier=f"{uid}-1",
                standard=standard,
                power_type="DC",
                max_electric_power_w=watts,
                status=status,
            )
        )
    return charger


async def add_location(world: World, net: Net, name: str, *, published: bool = True) -> Location:
    async with world.services.db.unit_of_work() as s:
        location = Location(
            network_id=pk(net.network),
            name=name,
            city="San Juan",
            latitude=18.46,
            longitude=-66.1,
            is_published=published,
        )
        s.add(location)
        await s.flush()
    return location


async def review(world: World, net: Net, rating: int, *, driver: bool = True) -> None:
    user = net.driver if driver else net.member
    async with world.services.db.unit_of_work() as s:
        s.add(
            LocationReview(
                network_id=pk(net.network),
                location_id=pk(net.location),
                user_id=pk(user),
                rating=rating,
            )
        )


async def test_list_locations_with_counts(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=1)
    await add_charger(world, a, a.location, "CP-A-OFFLINE", minutes_ago=30, power_kw=150)
    await add_charger(world, a, a.location, "CP-A-NEVER", minutes_ago=None)
    await add_charger(world, a, a.location, "CP-A-BUSY", status="CHARGING")
    await add_charger(world, a, a.location, "CP-A-PRIVATE", public=False, power_kw=350)
    r = await client.get("/emsp/v1/locations", headers=a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/emsp/v1/locations", body)
    assert "pagination" not in body
    (row,) = body["data"]
    assert row["id"] == str(a.location.uuid)
    assert row["name"] == "Isla Verde Plaza" and row["hasParking"] is True and row["phone"] is None
    # The private charger is not counted; of the four public ones only CP-A-01 is AVAILABLE and online.
    assert row["chargerCount"] == 4
    assert row["availableCount"] == 1
    assert row["maxPowerKw"] == 150
    assert row["connectorTypes"] == ["CHADEMO", "IEC_62196_T2"]
    assert row["distanceKm"] is None


async def test_available_count_follows_heartbeat(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=6)
    r = await client.get(f"/emsp/v1/locations/{a.location.uuid}", headers=a.emsp())
    assert r.json()["data"]["availableCount"] == 0
    await heartbeat(world, a.charger, minutes_ago=4)
    r = await client.get(f"/emsp/v1/locations/{a.location.uuid}", headers=a.emsp())
    assert r.json()["data"]["availableCount"] == 1


async def test_distance_from_driver(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/emsp/v1/locations?lat=18.4&lng=-66.0", headers=world.a.emsp())
    assert r.status_code == 200
    expected = haversine_km(Point(18.4, -66.0), Point(18.43, -66.06))
    assert r.json()["data"][0]["distanceKm"] == round(expected, 3)
    assert 7 < expected < 8
    for query in ("lat=18.4", "lat=abc&lng=1", "lat=91&lng=0"):
        r = await client.get(f"/emsp/v1/locations?{query}", headers=world.a.emsp())
        assert r.status_code == 400, query
        assert_error(r.json(), "invalid_parameter")


async def test_list_filters_and_paging(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await add_location(world, a, "Harbour")
    r = await client.get("/emsp/v1/locations?city=san juan", headers=a.emsp())
    assert [row["name"] for row in r.json()["data"]] == ["Harbour"]
    r = await client.get("/emsp/v1/locations?q=plaza", headers=a.emsp())
    assert [row["name"] for row in r.json()["data"]] == ["Isla Verde Plaza"]
    r = await client.get("/emsp/v1/locations?pageSize=1&page=2", headers=a.emsp())
    assert [row["name"] for row in r.json()["data"]] == ["Isla Verde Plaza"]
    r = await client.get("/emsp/v1/locations?pageSize=500", headers=a.emsp())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_page_size")


async def test_location_detail_with_ratings(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    r = await client.get(f"/emsp/v1/locations/{a.location.uuid}", headers=a.emsp())
    assert r.status_code == 200
    assert_shape("GET", "/emsp/v1/locations/{id}", r.json())
    data = r.json()["data"]
    assert data["ratingAverage"] is None and data["ratingCount"] == 0
    assert data["images"] == [] and data["openingHours"] is None
    assert data["chargerCount"] == 1 and data["availableCount"] == 0  # never heartbeated: offline
    await review(world, a, 5)
    await review(world, a, 4, driver=False)
    r = await client.get(f"/emsp/v1/locations/{a.location.uuid}", headers=a.emsp())
    data = r.json()["data"]
    assert data["ratingAverage"] == 4.5 and data["ratingCount"] == 2


async def test_unpublished_location_is_invisible(client: httpx.AsyncClient, world: World) -> None:
    hidden = await add_location(world, world.a, "Depot", published=False)
    r = await client.get("/emsp/v1/locations", headers=world.a.emsp())
    assert str(hidden.uuid) not in [row["id"] for row in r.json()["data"]]
    for path in (f"/emsp/v1/locations/{hidden.uuid}", f"/emsp/v1/locations/{hidden.uuid}/chargers"):
        r = await client.get(path, headers=world.a.emsp())
        assert r.status_code == 404, path
        assert_error(r.json(), "not_found")
    body = await gql(
        client,
        "query($id: UUID!) { locationSummary(id: $id) { chargerCount } }",
        {"id": str(hidden.uuid)},
        headers=world.a.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_bad_location_ids(client: httpx.AsyncClient, world: World) -> None:
    for path in ("/emsp/v1/locations/not-a-uuid", "/emsp/v1/locations/not-a-uuid/chargers"):
        r = await client.get(path, headers=world.a.emsp())
        assert r.status_code == 400
        assert_error(r.json(), "invalid_id")
    r = await client.get("/emsp/v1/locations/00000000-0000-0000-0000-000000000000", headers=world.a.emsp())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")


async def test_other_networks_location_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.location.uuid
    for path in (f"/emsp/v1/locations/{target}", f"/emsp/v1/locations/{target}/chargers"):
        r = await client.get(path, headers=world.b.emsp())
        assert r.status_code == 404, path
        assert_error(r.json(), "not_found")
    r = await client.get("/emsp/v1/locations", headers=world.b.emsp())
    assert [row["id"] for row in r.json()["data"]] == [str(world.b.location.uuid)]
    for query in (
        "query($id: UUID!) { locationSummary(id: $id) { chargerCount } }",
        "query($id: UUID!) { locationChargers(locationId: $id) { id } }",
    ):
        body = await gql(client, query, {"id": str(target)}, headers=world.b.emsp())
        assert body["errors"][0]["extensions"]["code"] == "not_found", query


async def test_location_chargers(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=2)
    await add_charger(world, a, a.location, "CP-A-HIDDEN", public=False)
    r = await client.get(f"/emsp/v1/locations/{a.location.uuid}/chargers", headers=a.emsp())
    assert r.status_code == 200
    assert_shape("GET", "/emsp/v1/locations/{id}/chargers", r.json())
    assert r.json()["data"] == [
        {
            "id": str(a.charger.uuid),
            "serialNumber": "SN-A-0001",
            "status": "AVAILABLE",
            "lastHeartbeat": r.json()["data"][0]["lastHeartbeat"],
            "isOnline": True,
            "connectorCount": 2,
        }
    ]
    assert r.json()["data"][0]["lastHeartbeat"].endswith("Z")
    body = await gql(
        client,
        "query($id: UUID!) { locationChargers(locationId: $id) { id isOnline connectorCount } }",
        {"id": str(a.location.uuid)},
        headers=a.emsp(),
    )
    assert body["data"]["locationChargers"] == [
        {"id": str(a.charger.uuid), "isOnline": True, "connectorCount": 2}
    ]


async def test_graphql_location_summaries(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=1)
    await review(world, a, 3)
    query = (
        "query { locationSummaries(latitude: 18.43, longitude: -66.06) { items { location { name } "
        "chargerCount availableCount maxPowerKw connectorTypes ratingAverage ratingCount distanceKm } "
        "pageInfo { total } } }"
    )
    body = await gql(client, query, headers=a.emsp())
    assert body["data"]["locationSummaries"] == {
        "items": [
            {
                "location": {"name": "Isla Verde Plaza"},
                "chargerCount": 1,
                "availableCount": 1,
                "maxPowerKw": 22.0,
                "connectorTypes": ["IEC_62196_T2"],
                "ratingAverage": "3",
                "ratingCount": 1,
                "distanceKm": 0.0,
            }
        ],
        "pageInfo": {"total": 1},
    }


@contextmanager
def counting(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = world.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("extra", [5])
async def test_list_statements_do_not_grow(client: httpx.AsyncClient, world: World, extra: int) -> None:
    a = world.a
    await client.get("/emsp/v1/locations", headers=a.emsp())  # warm caches (key lookup etc.)
    with counting(world) as few:
        r = await client.get("/emsp/v1/locations", headers=a.emsp())
    assert len(r.json()["data"]) == 1
    for n in range(extra):
        site = await add_location(world, a, f"Site {n}")
        await add_charger(world, a, site, f"CP-A-S{n}")
        await add_charger(world, a, site, f"CP-A-T{n}")
    async with world.services.db.session() as s:
        assert (await s.exec(select(func.count()).select_from(Location))).one() == 2 + extra
    with counting(world) as many:
        r = await client.get("/emsp/v1/locations", headers=a.emsp())
    assert len(r.json()["data"]) == 1 + extra
    assert all(row["chargerCount"] == 2 for row in r.json()["data"] if row["name"].startswith("Site"))
    assert len(many) == len(few), (few, many)
