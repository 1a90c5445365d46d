"""/cpms/v1/locations and the GraphQL location fields."""

from __future__ import annotations

import re

import httpx
from sqlmodel import func, select

from domain.models import Location
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def count_locations(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(Location))).one())


async def test_list_locations(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/locations", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/locations", body)
    assert [row["id"] for row in body["data"]] == [str(world.a.location.uuid)]
    assert body["data"][0]["networkId"] == world.a.network.id
    assert body["pagination"] == {"page": 1, "pageSize": 50, "total": 1, "totalPages": 1}


async def test_create_get_update_delete_location(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/cpms/v1/locations",
        json={
            "name": "Harbour",
            "address": "2 Pier Rd",
            "city": "San Juan",
            "latitude": 18.46,
            "longitude": -66.1,
        },
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/locations", r.json())
    created = r.json()["data"]
    assert created["networkId"] == world.a.network.id and created["created"] is True

    r = await client.put(
        f"/cpms/v1/locations/{created['id']}", json={"postalCode": "00901"}, headers=world.a.cpms()
    )
    assert r.status_code == 200
    assert_shape("PUT", "/cpms/v1/locations/{id}", r.json())

    r = await client.get(f"/cpms/v1/locations/{created['id']}", headers=world.a.cpms())
    assert_shape("GET", "/cpms/v1/locations/{id}", r.json())
    assert r.json()["data"]["postalCode"] == "00901"
    assert r.json()["data"]["city"] == "San Juan"

    r = await client.delete(f"/cpms/v1/locations/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("DELETE", "/cpms/v1/locations/{id}", r.json())
    r = await client.get(f"/cpms/v1/locations/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 404


async def test_bad_location_input_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await count_locations(world)
    r = await client.post("/cpms/v1/locations", json={"city": "nameless"}, headers=world.a.cpms())
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    r = await client.post("/cpms/v1/locations", json={"name": "x", "latitude": 123}, headers=world.a.cpms())
    assert r.status_code == 422
    r = await client.post("/cpms/v1/locations", content=b"{not json", headers=world.a.cpms())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_json")
    assert await count_locations(world) == before


async def test_location_with_chargers_cannot_be_deleted(client: httpx.AsyncClient, world: World) -> None:
    r = await client.delete(f"/cpms/v1/locations/{world.a.location.uuid}", headers=world.a.cpms())
    assert r.status_code == 409
    assert_error(r.json(), "location_has_chargers")


async def test_other_networks_location_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.location.uuid
    for method, body in (("GET", None), ("PUT", {"name": "stolen"}), ("DELETE", None)):
        r = await client.request(method, f"/cpms/v1/locations/{target}", json=body, headers=world.b.cpms())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    async with world.services.db.session() as s:
        row = (await s.exec(select(Location).where(Location.uuid == target))).one()
    assert row.name == "Isla Verde Plaza" and row.deleted_at is None


async def test_graphql_locations_are_scoped(client: httpx.AsyncClient, world: World) -> None:
    query = "query { locations { items { id name network { name } } pageInfo { total } } }"
    body = await gql(client, query, headers=world.b.cpms())
    assert body["data"]["locations"]["items"] == [
        {"id": str(world.b.location.uuid), "name": "Bay Area Plaza", "network": {"name": "Bay Area"}}
    ]
    body = await gql(
        client,
        "query($id: UUID!) { location(id: $id) { name } }",
        {"id": str(world.a.location.uuid)},
        headers=world.b.cpms(),
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    mutation = 'mutation($id: UUID!) { updateLocation(id: $id, input: {name: "stolen"}) { name } }'
    body = await gql(client, mutation, {"id": str(world.a.location.uuid)}, headers=world.b.cpms())
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_graphql_update_changes_only_sent_fields(client: httpx.AsyncClient, world: World) -> None:
    mutation = (
        "mutation($id: UUID!, $input: LocationUpdateInput!) "
        "{ updateLocation(id: $id, input: $input) { name city } }"
    )
    body = await gql(
        client,
        mutation,
        {"id": str(world.a.location.uuid), "input": {"name": "Renamed"}},
        headers=world.a.cpms(),
    )
    assert body["data"]["updateLocation"] == {"name": "Renamed", "city": "Carolina"}


async def test_graphql_without_credentials_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(client, "query { locations { items { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"


async def test_times_are_utc_with_z_to_the_second(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(client, "query { locations { items { createdAt } } }", headers=world.a.cpms())
    created = body["data"]["locations"]["items"][0]["createdAt"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created), created
    r = await client.get("/cpms/v1/locations", headers=world.a.cpms())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.json()["timestamp"])
