"""/cpms/v1/chargers and the GraphQL charger fields."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlmodel import col, func, select

from domain.models import Charger, Connector, Location, TariffAssignment
from domain.services.charger_status import is_online, ocpp_case
from domain.types import utcnow
from tests.spec import assert_error, assert_shape, documented
from tests.world import World, gql


async def count(world: World, model: Any) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())


async def charger_row(world: World, uuid: Any) -> Charger:
    async with world.services.db.session() as s:
        return (await s.exec(select(Charger).where(Charger.uuid == UUID(str(uuid))))).one()


async def set_charger(world: World, charger: Charger, **values: Any) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await s.get(Charger, charger.id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)


async def assign(world: World, **values: Any) -> None:
    """A tariff assignment of world.a's tariff."""
    assert world.a.tariff.id is not None and world.a.network.id is not None
    async with world.services.db.unit_of_work() as s:
        s.add(TariffAssignment(tariff_id=world.a.tariff.id, network_id=world.a.network.id, **values))


def test_status_rendering_and_liveness() -> None:
    assert ocpp_case("SUSPENDEDEV") == "SuspendedEV"
    assert ocpp_case("AVAILABLE") == "Available"
    assert ocpp_case("FAULTED") == "Faulted"
    assert ocpp_case(None) is None
    now = utcnow()
    assert is_online(now - timedelta(minutes=4, seconds=59), now)
    assert not is_online(now - timedelta(minutes=5, seconds=1), now)
    assert not is_online(None, now)


async def test_list_chargers(client: httpx.AsyncClient, world: World) -> None:
    await set_charger(world, world.a.charger, status="SUSPENDEDEV")
    r = await client.get("/cpms/v1/chargers", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/cpms/v1/chargers", body)
    assert body["data"] == [
        {
            "id": str(world.a.charger.uuid),
            "uid": "CP-A-01",
            "status": "SuspendedEV",
            "networkId": world.a.network.id,
            "locationId": world.a.location.id,
            "serialNumber": "SN-A-0001",
            "firmwareVersion": "1.5.32",
            "ocppVersion": "1.6",
        }
    ]
    assert body["pagination"] == {"page": 1, "pageSize": 50, "total": 1, "totalPages": 1}
    r = await client.get("/cpms/v1/chargers?pageSize=500", headers=world.a.cpms())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_page_size")


async def test_charger_detail(client: httpx.AsyncClient, world: World) -> None:
    beat = utcnow() - timedelta(minutes=1)
    await set_charger(world, world.a.charger, last_heartbeat=beat, max_power_kw=None)
    r = await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/cpms/v1/chargers/{uuid}", body)
    data = body["data"]
    assert data["status"] == "Available"
    assert data["isOnline"] is True
    assert data["lastHeartbeat"].endswith("Z")
    assert data["maxPowerKw"] == 22  # from the strongest connector (22000 W)
    documented_connector = documented("GET", "/cpms/v1/chargers/{uuid}")["exampleResponse"]["data"][
        "connectors"
    ][0]
    assert [c["number"] for c in data["connectors"]] == [1, 2]
    assert set(data["connectors"][0]) == set(documented_connector)
    assert data["connectors"][0]["status"] == "Available"
    assert data["connectors"][0]["maxPowerKw"] == 22

    await set_charger(
        world, world.a.charger, last_heartbeat=utcnow() - timedelta(minutes=6), max_power_kw=150
    )
    data = (await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}", headers=world.a.cpms())).json()[
        "data"
    ]
    assert data["isOnline"] is False
    assert data["maxPowerKw"] == 150


async def test_create_charger(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/cpms/v1/chargers",
        json={
            "serial": "CP-NEW-01",
            "locationUuid": str(world.a.location.uuid),
            "modelUuid": str(world.a.model.uuid),
            "firmwareVersion": "2.0.0",
            "ocppVersion": "2.0.1",
        },
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/chargers", r.json())
    data = r.json()["data"]
    assert data["uid"] == "CP-NEW-01" and data["serialNumber"] == "CP-NEW-01"
    assert data["status"] == "UNKNOWN"
    assert data["networkId"] == world.a.network.id
    assert data["locationId"] == str(world.a.location.uuid)
    assert data["created"] is True
    assert re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{6}", data["evseId"])
    row = await charger_row(world, data["id"])
    assert row.evse_id == data["evseId"] and len(row.lookup_code) == 8
    assert row.charger_model_id == world.a.model.id and row.location_id == world.a.location.id

    # A second charger gets its own codes; no location means null.
    r = await client.post("/cpms/v1/chargers", json={"serial": "CP-NEW-02"}, headers=world.a.cpms())
    assert r.status_code == 201
    other = r.json()["data"]
    assert other["locationId"] is None and other["evseId"] != data["evseId"]


async def test_create_charger_refusals_write_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await count(world, Charger)
    headers = world.a.cpms()
    r = await client.post("/cpms/v1/chargers", json={"status": "AVAILABLE"}, headers=headers)
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    r = await client.post("/cpms/v1/chargers", json={"serial": "X-1", "status": "Sleeping"}, headers=headers)
    assert r.status_code == 422
    r = await client.post("/cpms/v1/chargers", json={"serial": "CP-A-01"}, headers=headers)
    assert r.status_code == 409
    assert_error(r.json(), "charger_exists")
    # Another tenant's network, location and an unknown model are not found.
    for extra in (
        {"networkUuid": str(world.b.network.uuid)},
        {"locationUuid": str(world.b.location.uuid)},
        {"modelUuid": "00000000-0000-0000-0000-000000000001"},
    ):
        r = await client.post("/cpms/v1/chargers", json={"serial": "X-2", **extra}, headers=headers)
        assert r.status_code == 404, (extra, r.text)
        assert_error(r.json(), "not_found")
    r = await client.post("/cpms/v1/chargers", content=b"{oops", headers=headers)
    assert r.status_code == 400
    assert_error(r.json(), "invalid_json")
    assert await count(world, Charger) == before


async def test_update_charger(client: httpx.AsyncClient, world: World) -> None:
    assert world.a.network.id is not None
    async with world.services.db.unit_of_work() as s:
        annex = Location(network_id=world.a.network.id, name="Annex")
        s.add(annex)
    path = f"/cpms/v1/chargers/{world.a.charger.uuid}"
    r = await client.patch(
        path,
        json={
            "status": "Faulted",
            "floorLevel": "P2",
            "physicalReference": "Bay 7",
            "locationUuid": str(annex.uuid),
        },
        headers=world.a.cpms(),
    )
    assert r.status_code == 200, r.text
    assert_shape("PATCH", "/cpms/v1/chargers/{uuid}", r.json())
    assert r.json()["data"] == {"id": str(world.a.charger.uuid), "updated": True}
    row = await charger_row(world, world.a.charger.uuid)
    assert (row.status, row.floor_level, row.physical_reference) == ("FAULTED", "P2", "Bay 7")
    assert row.location_id == annex.id and row.serial_number == "SN-A-0001"

    r = await client.patch(path, json={"status": "Dancing"}, headers=world.a.cpms())
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    r = await client.patch(path, json={"locationUuid": str(world.b.location.uuid)}, headers=world.a.cpms())
    assert r.status_code == 404
    row = await charger_row(world, world.a.charger.uuid)
    assert row.status == "FAULTED" and row.location_id == annex.id


async def test_delete_charger_cascades(client: httpx.AsyncClient, world: World) -> None:
    await assign(world, level="Charger", charger_id=world.a.charger.id)
    await assign(world, level="Connector", connector_id=world.a.connectors[0].id)
    await assign(world, level="Connector", connector_id=world.a.connectors[1].id, is_active=False)
    r = await client.delete(f"/cpms/v1/chargers/{world.a.charger.uuid}", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("DELETE", "/cpms/v1/chargers/{uuid}", r.json())
    assert r.json()["data"] == {
        "id": str(world.a.charger.uuid),
        "deleted": True,
        "deactivatedConnectors": 2,
        "deactivatedAssignments": 2,
    }
    async with world.services.db.session() as s:
        live = (
            await s.exec(
                select(func.count()).select_from(Connector).where(col(Connector.deleted_at).is_(None))
            )
        ).one()
        network_level = await s.get(TariffAssignment, world.a.assignment.id)
    assert live == 2  # world.b's two connectors only
    assert network_level is not None and network_level.is_active
    r = await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}", headers=world.a.cpms())
    assert r.status_code == 404
    # The uid is free again once decommissioned.
    r = await client.post("/cpms/v1/chargers", json={"serial": "CP-A-01"}, headers=world.a.cpms())
    assert r.status_code == 201


async def test_other_networks_charger_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.charger.uuid
    for method, body in (("GET", None), ("PATCH", {"floorLevel": "stolen"}), ("DELETE", None)):
        r = await client.request(method, f"/cpms/v1/chargers/{target}", json=body, headers=world.b.cpms())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    r = await client.get("/cpms/v1/chargers", headers=world.b.cpms())
    assert [c["id"] for c in r.json()["data"]] == [str(world.b.charger.uuid)]
    row = await charger_row(world, target)
    assert row.floor_level is None and row.deleted_at is None
    r = await client.get("/cpms/v1/chargers/not-a-uuid", headers=world.a.cpms())
    assert r.status_code == 400


async def test_emsp_sees_only_public_chargers_at_published_locations(
    client: httpx.AsyncClient, world: World
) -> None:
    query = "query { chargers { items { uid } pageInfo { total } } }"
    body = await gql(client, query, headers=world.a.emsp())
    assert body["data"]["chargers"]["items"] == [{"uid": "CP-A-01"}]
    await set_charger(world, world.a.charger, is_public=False)
    body = await gql(client, query, headers=world.a.emsp())
    assert body["data"]["chargers"]["pageInfo"]["total"] == 0
    body = await gql(client, query, headers=world.a.cpms())
    assert body["data"]["chargers"]["items"] == [{"uid": "CP-A-01"}]
    await set_charger(world, world.a.charger, is_public=True)
    async with world.services.db.unit_of_work() as s:
        location = await s.get(Location, world.a.location.id)
        assert location is not None
        location.is_published = False
        s.add(location)
    body = await gql(client, query, headers=world.a.emsp())
    assert body["data"]["chargers"]["pageInfo"]["total"] == 0


async def test_graphql_chargers(client: httpx.AsyncClient, world: World) -> None:
    query = """
      query($loc: UUID) {
        chargers(locationId: $loc, status: "available") {
          items { id uid status isOnline maxPowerKw connectors { connectorNumber maxPowerKw status }
                  location { name } network { name } model { name } }
          pageInfo { total }
        }
      }"""
    body = await gql(client, query, {"loc": str(world.a.location.uuid)}, headers=world.a.cpms())
    assert "errors" not in body, body
    assert body["data"]["chargers"]["items"] == [
        {
            "id": str(world.a.charger.uuid),
            "uid": "CP-A-01",
            "status": "Available",
            "isOnline": False,
            "maxPowerKw": 22.0,
            "connectors": [
                {"connectorNumber": 1, "maxPowerKw": 22.0, "status": "Available"},
                {"connectorNumber": 2, "maxPowerKw": 22.0, "status": "Available"},
            ],
            "location": {"name": "Isla Verde Plaza"},
            "network": {"name": "Isla Verde"},
            "model": {"name": "Terra A"},
        }
    ]
    body = await gql(client, query, {"loc": str(world.b.location.uuid)}, headers=world.a.cpms())
    assert body["data"]["chargers"]["pageInfo"]["total"] == 0
    body = await gql(
        client,
        "query($id: UUID!) { charger(id: $id) { uid } }",
        {"id": str(world.a.charger.uuid)},
        world.a.cpms(),
    )
    assert body["data"]["charger"] == {"uid": "CP-A-01"}


async def test_graphql_charger_mutations(client: httpx.AsyncClient, world: World) -> None:
    create = """
      mutation($input: ChargerCreateInput!) {
        createCharger(input: $input) { id uid evseId status location { name } }
      }"""
    body = await gql(
        client,
        create,
        {"input": {"serial": "GQL-1", "locationUuid": str(world.a.location.uuid), "status": "AVAILABLE"}},
        world.a.cpms(),
    )
    assert "errors" not in body, body
    created = body["data"]["createCharger"]
    assert created["uid"] == "GQL-1" and created["status"] == "Available"
    assert created["location"] == {"name": "Isla Verde Plaza"}

    before = await count(world, Charger)
    body = await gql(client, create, {"input": {"serial": "GQL-1"}}, world.a.cpms())
    assert body["errors"][0]["extensions"]["code"] == "charger_exists"
    body = await gql(client, create, {"input": {"serial": ""}}, world.a.cpms())
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    assert await count(world, Charger) == before

    update = (
        "mutation($id: UUID!, $input: ChargerUpdateInput!) "
        "{ updateCharger(id: $id, input: $input) { floorLevel status } }"
    )
    body = await gql(client, update, {"id": created["id"], "input": {"floorLevel": "L1"}}, world.a.cpms())
    assert body["data"]["updateCharger"] == {"floorLevel": "L1", "status": "Available"}

    delete = (
        "mutation($id: UUID!) "
        "{ deleteCharger(id: $id) { id deleted deactivatedConnectors deactivatedAssignments } }"
    )
    body = await gql(client, delete, {"id": created["id"]}, world.a.cpms())
    assert body["data"]["deleteCharger"] == {
        "id": created["id"],
        "deleted": True,
        "deactivatedConnectors": 0,
        "deactivatedAssignments": 0,
    }


async def test_graphql_other_tenant_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = {"id": str(world.a.charger.uuid)}
    for query in (
        "query($id: UUID!) { charger(id: $id) { uid } }",
        'mutation($id: UUID!) { updateCharger(id: $id, input: {floorLevel: "x"}) { uid } }',
        "mutation($id: UUID!) { deleteCharger(id: $id) { deleted } }",
    ):
        body = await gql(client, query, target, headers=world.b.cpms())
        assert body["errors"][0]["extensions"]["code"] == "not_found", (query, body)
    row = await charger_row(world, world.a.charger.uuid)
    assert row.floor_level is None and row.deleted_at is None
    body = await gql(
        client,
        'mutation($loc: UUID!) { createCharger(input: {serial: "B-IN-A", locationUuid: $loc}) { uid } }',
        {"loc": str(world.a.location.uuid)},
        headers=world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert await count(world, Charger) == 2


async def test_emsp_key_cannot_write(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(
        client, 'mutation { createCharger(input: {serial: "E-1"}) { uid } }', headers=world.a.emsp()
    )
    assert body["errors"][0]["extensions"]["code"] == "insufficient_scope"
    assert await count(world, Charger) == 2
