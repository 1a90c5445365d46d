"""/cpms/v1 connectors (add, live status, provisioning change, soft-delete) and their GraphQL twins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlmodel import col, func, select

from domain.models import Charger, Connector, TariffAssignment
from domain.types import utcnow
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def count_connectors(world: World) -> int:
    async with world.services.db.session() as s:
        stmt = select(func.count()).select_from(Connector).where(col(Connector.deleted_at).is_(None))
        return int((await s.exec(stmt)).one())


async def connector_row(world: World, uuid: Any) -> Connector:
    async with world.services.db.session() as s:
        return (await s.exec(select(Connector).where(Connector.uuid == UUID(str(uuid))))).one()


async def test_add_connector_defaults_to_next_number(client: httpx.AsyncClient, world: World) -> None:
    path = f"/cpms/v1/chargers/{world.a.charger.uuid}/connectors"
    r = await client.post(
        path,
        json={
            "standard": "CHADEMO",
            "format": "CABLE",
            "powerType": "DC",
            "maxVoltage": 500,
            "maxPower": 62.5,
        },
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/chargers/{uuid}/connectors", r.json())
    data = r.json()["data"]
    assert data["chargerId"] == str(world.a.charger.uuid)
    assert data["connectorNumber"] == 3
    assert (data["standard"], data["format"], data["powerType"]) == ("CHADEMO", "CABLE", "DC")
    assert data["maxPower"] == 62.5 and data["maxVoltage"] == 500 and data["maxAmperage"] is None
    assert data["created"] is True
    row = await connector_row(world, data["id"])
    assert row.max_electric_power_w == 62500
    assert row.connector_identifier == "CP-A-01-3"

    r = await client.post(path, json={"connectorNumber": 7}, headers=world.a.cpms())
    assert r.status_code == 201
    assert r.json()["data"]["connectorNumber"] == 7
    assert r.json()["data"]["standard"] == "IEC_62196_T2"


async def test_add_connector_refusals_write_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await count_connectors(world)
    path = f"/cpms/v1/chargers/{world.a.charger.uuid}/connectors"
    r = await client.post(path, json={"connectorNumber": 2}, headers=world.a.cpms())
    assert r.status_code == 409
    assert_error(r.json(), "connector_exists")
    for bad in ({"standard": "PLUG_9000"}, {"maxPower": -1}, {"connectorNumber": 0}, {"format": "WIRELESS"}):
        r = await client.post(path, json=bad, headers=world.a.cpms())
        assert r.status_code == 422, bad
        assert_error(r.json(), "validation_error")
    r = await client.post(path, json={"connectorNumber": 3}, headers=world.b.cpms())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    assert await count_connectors(world) == before


async def test_connector_status(client: httpx.AsyncClient, world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        charger = await s.get(Charger, world.a.charger.id)
        connector = await s.get(Connector, world.a.connectors[0].id)
        assert charger is not None and connector is not None
        charger.last_heartbeat = utcnow() - timedelta(seconds=30)
        connector.status = "SUSPENDEDEV"
        s.add_all([charger, connector])
    r = await client.get(f"/cpms/v1/connectors/{world.a.connectors[0].uuid}/status", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", "/cpms/v1/connectors/{uuid}/status", r.json())
    assert r.json()["data"] == {
        "id": str(world.a.connectors[0].uuid),
        "number": 1,
        "chargerId": str(world.a.charger.uuid),
        "status": "SuspendedEV",
        "standard": "IEC_62196_T2",
        "powerType": "AC_3_PHASE",
        "maxPowerKw": 22,
        "chargerOnline": True,
    }


async def test_update_connector(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.connectors[1]
    r = await client.put(
        f"/cpms/v1/connectors/{target.uuid}",
        json={"maxPower": 11, "maxAmperage": 16, "status": "OutOfOrder", "format": "cable"},
        headers=world.a.cpms(),
    )
    assert r.status_code == 200, r.text
    assert_shape("PUT", "/cpms/v1/connectors/{connectorUuid}", r.json())
    data = r.json()["data"]
    assert data["maxPower"] == 11 and data["maxAmperage"] == 16 and data["maxVoltage"] == 400
    assert data["status"] == "OUTOFORDER" and data["format"] == "CABLE"
    assert data["networkId"] == world.a.network.id and data["connectorIdentifier"] == "CP-A-01-2"
    assert data["lastUpdated"].endswith("Z")
    row = await connector_row(world, target.uuid)
    assert row.max_electric_power_w == 11000 and row.standard == "IEC_62196_T2"

    r = await client.put(
        f"/cpms/v1/connectors/{target.uuid}", json={"powerType": "AC_9"}, headers=world.a.cpms()
    )
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    assert (await connector_row(world, target.uuid)).power_type == "AC_3_PHASE"


async def test_delete_connector(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.connectors[0]
    assert world.a.tariff.id is not None and world.a.network.id is not None
    async with world.services.db.unit_of_work() as s:
        s.add(
            TariffAssignment(
                tariff_id=world.a.tariff.id,
                network_id=world.a.network.id,
                level="Connector",
                connector_id=target.id,
            )
        )
    r = await client.delete(f"/cpms/v1/connectors/{target.uuid}", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("DELETE", "/cpms/v1/connectors/{uuid}", r.json())
    assert r.json()["data"] == {"id": str(target.uuid), "deleted": True, "deactivatedAssignments": 1}
    r = await client.get(f"/cpms/v1/connectors/{target.uuid}/status", headers=world.a.cpms())
    assert r.status_code == 404
    # Its number is free again.
    r = await client.post(
        f"/cpms/v1/chargers/{world.a.charger.uuid}/connectors",
        json={"connectorNumber": 1},
        headers=world.a.cpms(),
    )
    assert r.status_code == 201


async def test_other_networks_connector_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.connectors[0].uuid
    for method, path, body in (
        ("GET", f"/cpms/v1/connectors/{target}/status", None),
        ("PUT", f"/cpms/v1/connectors/{target}", {"maxPower": 1}),
        ("DELETE", f"/cpms/v1/connectors/{target}", None),
    ):
        r = await client.request(method, path, json=body, headers=world.b.cpms())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    row = await connector_row(world, target)
    assert row.max_electric_power_w == 22000 and row.deleted_at is None


async def test_graphql_connectors(client: httpx.AsyncClient, world: World) -> None:
    add = """
      mutation($charger: UUID!, $input: ConnectorCreateInput!) {
        addConnector(chargerId: $charger, input: $input) { id connectorNumber maxPowerKw charger { uid } }
      }"""
    body = await gql(
        client, add, {"charger": str(world.a.charger.uuid), "input": {"maxPower": "7.4"}}, world.a.cpms()
    )
    assert "errors" not in body, body
    added = body["data"]["addConnector"]
    assert (
        added["connectorNumber"] == 3
        and added["maxPowerKw"] == 7.4
        and added["charger"] == {"uid": "CP-A-01"}
    )

    body = await gql(
        client, add, {"charger": str(world.a.charger.uuid), "input": {"connectorNumber": 3}}, world.a.cpms()
    )
    assert body["errors"][0]["extensions"]["code"] == "connector_exists"

    update = (
        "mutation($id: UUID!, $input: ConnectorUpdateInput!) "
        "{ updateConnector(id: $id, input: $input) { status maxVoltage } }"
    )
    body = await gql(client, update, {"id": added["id"], "input": {"status": "Charging"}}, world.a.cpms())
    assert body["data"]["updateConnector"] == {"status": "Charging", "maxVoltage": None}

    body = await gql(
        client,
        "query($id: UUID!) { connector(id: $id) { connectorNumber } }",
        {"id": added["id"]},
        world.a.cpms(),
    )
    assert body["data"]["connector"] == {"connectorNumber": 3}

    body = await gql(
        client,
        "mutation($id: UUID!) { deleteConnector(id: $id) { deleted deactivatedAssignments } }",
        {"id": added["id"]},
        world.a.cpms(),
    )
    assert body["data"]["deleteConnector"] == {"deleted": True, "deactivatedAssignments": 0}


async def test_graphql_other_tenant_connector_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    before = await count_connectors(world)
    target = {"id": str(world.a.connectors[0].uuid)}
    for query in (
        "query($id: UUID!) { connector(id: $id) { id } }",
        'mutation($id: UUID!) { updateConnector(id: $id, input: {status: "Faulted"}) { id } }',
        "mutation($id: UUID!) { deleteConnector(id: $id) { deleted } }",
        "mutation($id: UUID!) { addConnector(chargerId: $id, input: {}) { id } }",
    ):
        body = await gql(client, query, target, headers=world.b.cpms())
        assert body["errors"][0]["extensions"]["code"] == "not_found", (query, body)
    body = await gql(
        client,
        "mutation($id: UUID!) { addConnector(chargerId: $id, input: {}) { id } }",
        {"id": str(world.a.charger.uuid)},
        headers=world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert await count_connectors(world) == before
    assert (await connector_row(world, world.a.connectors[0].uuid)).status == "AVAILABLE"
