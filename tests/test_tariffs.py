"""/cpms/v1/tariffs, /emsp/v1/tariffs, the GraphQL tariff fields, and the effective tariff of connectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import col, func, select

from domain.models import Charger, Connector, Location, Tariff, TariffAssignment
from domain.principal import Principal
from resolvers.context import Context
from resolvers.tariffs import effective_tariffs
from tests.spec import assert_error, assert_shape
from tests.world import Net, World, gql


async def counts(world: World) -> tuple[int, int, int]:
    """Tariffs, assignments, and active assignments."""
    async with world.services.db.session() as s:
        tariffs = (await s.exec(select(func.count()).select_from(Tariff))).one()
        assignments = (await s.exec(select(func.count()).select_from(TariffAssignment))).one()
        active = (
            await s.exec(
                select(func.count())
                .select_from(TariffAssignment)
                .where(col(TariffAssignment.is_active).is_(True))
            )
        ).one()
    return int(tariffs), int(assignments), int(active)


async def tariff_row(world: World, tariff_uuid: Any) -> Tariff:
    async with world.services.db.session() as s:
        return (await s.exec(select(Tariff).where(Tariff.uuid == UUID(str(tariff_uuid))))).one()


async def create(client: httpx.AsyncClient, net: Net, **body: Any) -> dict[str, Any]:
    r = await client.post("/cpms/v1/tariffs", json={"name": "Fast DC", **body}, headers=net.cpms())
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def second_charger(world: World) -> tuple[Charger, Connector, Location]:
    """Another charger (with one connector) in network a, at a new location."""
    network_id = world.a.network.id
    assert network_id is not None
    async with world.services.db.unit_of_work() as s:
        location = Location(network_id=network_id, name="Second site", city="Ponce")
        s.add(location)
        await s.flush()
        charger = Charger(
            network_id=network_id,
            location_id=location.id,
            uid="CP-A-02",
            evse_id="US*CGA*E0002",
            lookup_code="LKA002",
            serial_number="SN-A-0002",
            status="AVAILABLE",
            max_power_kw=50,
            ocpp_version="1.6",
        )
        s.add(charger)
        await s.flush()
        assert charger.id is not None
        connector = Connector(
            charger_id=charger.id,
            connector_number=1,
            connector_identifier="CP-A-02-1",
            max_voltage=400,
            max_amperage=32,
            max_electric_power_w=22000,
            status="AVAILABLE",
        )
        s.add(connector)
        await s.flush()
    return charger, connector, location


# --- cpms --------------------------------------------------------------------------------------


async def test_list_tariffs(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/tariffs", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/tariffs", body)
    assert body["data"] == [
        {
            "id": str(world.a.tariff.uuid),
            "name": "Standard AC",
            "type": "REGULAR",
            "currency": "USD",
            "energyRate": 0.35,
            "timeRate": 2,
            "idleRate": 0.5,
            "isFree": False,
        }
    ]
    assert body["pagination"] == {"page": 1, "pageSize": 50, "total": 1, "totalPages": 1}


async def test_create_get_update_tariff(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/cpms/v1/tariffs",
        json={"name": "Fast DC", "energyRate": 0.1, "timeRate": 3.3, "idleRate": 6, "sessionFee": 1.5},
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/tariffs", r.json())
    created = r.json()["data"]
    assert created["currency"] == "USD"
    assert created["networkId"] == str(world.a.network.uuid)
    assert created["created"] is True

    row = await tariff_row(world, created["id"])
    assert row.energy_rate == Decimal("0.1") and isinstance(row.energy_rate, Decimal)
    assert row.time_rate == Decimal("3.3")
    assert row.network_id == world.a.network.id and row.type == "REGULAR"

    r = await client.put(
        f"/cpms/v1/tariffs/{created['id']}", json={"energyRate": 0.42}, headers=world.a.cpms()
    )
    assert r.status_code == 200, r.text
    assert_shape("PUT", "/cpms/v1/tariffs/{tariffUuid}", r.json())
    assert r.json()["data"] == {"id": created["id"], "updated": True}

    r = await client.get(f"/cpms/v1/tariffs/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("GET", "/cpms/v1/tariffs/{id}", r.json())
    assert r.json()["data"] == {
        "id": created["id"],
        "name": "Fast DC",
        "type": "REGULAR",
        "currency": "USD",
        "energyRate": 0.42,
        "timeRate": 3.3,
        "idleRate": 6,
        "sessionFee": 1.5,
        "isFree": False,
    }


async def test_create_with_explicit_network_and_currency(client: httpx.AsyncClient, world: World) -> None:
    data = await create(client, world.a, networkUuid=str(world.a.network.uuid), currency="EUR")
    assert data["currency"] == "EUR"
    # Another tenant's network is not found, and nothing is written.
    before = await counts(world)
    r = await client.post(
        "/cpms/v1/tariffs",
        json={"name": "x", "networkUuid": str(world.b.network.uuid)},
        headers=world.a.cpms(),
    )
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    assert await counts(world) == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Neg", "energyRate": -0.1},
        {"name": "Neg", "idleRate": -1},
        {"name": "Cur", "currency": "usd"},
        {"name": "Cur", "currency": "DOLLAR"},
        {"energyRate": 0.3},
        {"name": ""},
        {"name": "Bool", "energyRate": True},
        {"name": "Peak", "peakHoursStart": "25:00"},
        {"name": "Range", "minimumSessionFee": 5, "maximumSessionFee": 1},
    ],
)
async def test_bad_tariff_input_writes_nothing(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    before = await counts(world)
    r = await client.post("/cpms/v1/tariffs", json=body, headers=world.a.cpms())
    assert r.status_code == 422, r.text
    assert_error(r.json(), "validation_error")
    assert await counts(world) == before


async def test_bad_update_and_bad_ids_change_nothing(client: httpx.AsyncClient, world: World) -> None:
    target = world.a.tariff.uuid
    for body in ({"timeRate": -2}, {"name": ""}, {"taxRate": 101}, {"name": None}):
        r = await client.put(f"/cpms/v1/tariffs/{target}", json=body, headers=world.a.cpms())
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json(), "validation_error")
    r = await client.post("/cpms/v1/tariffs", content=b"{nope", headers=world.a.cpms())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_json")
    for method, path in (
        ("GET", "/cpms/v1/tariffs/not-a-uuid"),
        ("PUT", "/cpms/v1/tariffs/not-a-uuid"),
        ("DELETE", "/cpms/v1/tariffs/not-a-uuid"),
        ("POST", "/cpms/v1/tariffs/not-a-uuid/assign"),
        ("GET", "/cpms/v1/tariffs/not-a-uuid/assignments"),
        ("DELETE", "/cpms/v1/tariffs/assignments/not-a-uuid"),
    ):
        r = await client.request(method, path, json={}, headers=world.a.cpms())
        assert r.status_code == 400, (method, path)
        assert_error(r.json(), "invalid_id")
    r = await client.get("/emsp/v1/tariffs/not-a-uuid", headers=world.a.emsp())
    assert r.status_code == 400
    row = await tariff_row(world, target)
    assert row.time_rate == Decimal(2) and row.name == "Standard AC" and row.tax_rate is None


async def test_delete_cascades_to_active_assignments(client: httpx.AsyncClient, world: World) -> None:
    data = await create(client, world.a)
    for body in (
        {},
        {"chargerUuid": str(world.a.charger.uuid)},
        {"locationUuid": str(world.a.location.uuid)},
    ):
        r = await client.post(f"/cpms/v1/tariffs/{data['id']}/assign", json=body, headers=world.a.cpms())
        assert r.status_code == 201, r.text
    first = (await client.get(f"/cpms/v1/tariffs/{data['id']}/assignments", headers=world.a.cpms())).json()
    r = await client.delete(
        f"/cpms/v1/tariffs/assignments/{first['data'][0]['assignmentId']}", headers=world.a.cpms()
    )
    assert r.status_code == 200
    _, _, active_before = await counts(world)

    r = await client.delete(f"/cpms/v1/tariffs/{data['id']}", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("DELETE", "/cpms/v1/tariffs/{tariffUuid}", r.json())
    assert r.json()["data"] == {"id": data["id"], "deleted": True, "deactivatedAssignments": 2}
    _, _, active_after = await counts(world)
    assert active_after == active_before - 2

    row = await tariff_row(world, data["id"])
    assert row.deleted_at is not None
    r = await client.get(f"/cpms/v1/tariffs/{data['id']}", headers=world.a.cpms())
    assert r.status_code == 404
    r = await client.delete(f"/cpms/v1/tariffs/{data['id']}", headers=world.a.cpms())
    assert r.status_code == 404
    listed = (await client.get("/cpms/v1/tariffs", headers=world.a.cpms())).json()["data"]
    assert [t["id"] for t in listed] == [str(world.a.tariff.uuid)]
    # The world's own network-level assignment is untouched.
    r = await client.get(f"/cpms/v1/tariffs/{world.a.tariff.uuid}/assignments", headers=world.a.cpms())
    assert [a["assignmentId"] for a in r.json()["data"]] == [str(world.a.assignment.uuid)]


async def test_assignment_level_is_the_most_specific_target(client: httpx.AsyncClient, world: World) -> None:
    net = world.a
    data = await create(client, net)
    location, charger, connector = net.location, net.charger, net.connectors[1]
    cases = [
        ({}, "Network"),
        ({"locationUuid": str(location.uuid)}, "Location"),
        ({"locationUuid": str(location.uuid), "chargerUuid": str(charger.uuid)}, "Charger"),
        (
            {
                "locationUuid": str(location.uuid),
                "chargerUuid": str(charger.uuid),
                "connectorUuid": str(connector.uuid),
            },
            "Connector",
        ),
        ({"connectorUuid": str(connector.uuid)}, "Connector"),
    ]
    made = []
    for body, level in cases:
        r = await client.post(f"/cpms/v1/tariffs/{data['id']}/assign", json=body, headers=net.cpms())
        assert r.status_code == 201, r.text
        assert_shape("POST", "/cpms/v1/tariffs/{tariffUuid}/assign", r.json())
        got = r.json()["data"]
        assert got["level"] == level and got["tariffId"] == data["id"] and got["assigned"] is True
        assert got["locationUuid"] == body.get("locationUuid")
        assert got["chargerUuid"] == body.get("chargerUuid")
        assert got["connectorUuid"] == body.get("connectorUuid")
        made.append(got["assignmentId"])

    r = await client.get(f"/cpms/v1/tariffs/{data['id']}/assignments", headers=net.cpms())
    assert r.status_code == 200
    assert_shape("GET", "/cpms/v1/tariffs/{tariffUuid}/assignments", r.json())
    rows = r.json()["data"]
    assert [a["assignmentId"] for a in rows] == made
    assert rows[3] == {
        "assignmentId": made[3],
        "level": "Connector",
        "locationId": location.id,
        "chargerId": charger.id,
        "connectorId": connector.id,
        "startDate": rows[3]["startDate"],
        "priority": 0,
    }
    assert rows[3]["startDate"].endswith("Z")
    assert rows[0]["locationId"] is None and rows[0]["level"] == "Network"

    r = await client.delete(f"/cpms/v1/tariffs/assignments/{made[0]}", headers=net.cpms())
    assert r.status_code == 200
    assert_shape("DELETE", "/cpms/v1/tariffs/assignments/{assignmentId}", r.json())
    assert r.json()["data"] == {"assignmentId": made[0], "detached": True}
    r = await client.get(f"/cpms/v1/tariffs/{data['id']}/assignments", headers=net.cpms())
    assert [a["assignmentId"] for a in r.json()["data"]] == made[1:]


async def test_inconsistent_or_foreign_targets_write_nothing(client: httpx.AsyncClient, world: World) -> None:
    _, other_connector, other_location = await second_charger(world)
    a, b = world.a, world.b
    tariff = str(a.tariff.uuid)
    before = await counts(world)
    inconsistent = [
        {"chargerUuid": str(a.charger.uuid), "connectorUuid": str(other_connector.uuid)},
        {"locationUuid": str(other_location.uuid), "chargerUuid": str(a.charger.uuid)},
        {"locationUuid": str(a.location.uuid), "connectorUuid": str(other_connector.uuid)},
    ]
    for body in inconsistent:
        r = await client.post(f"/cpms/v1/tariffs/{tariff}/assign", json=body, headers=a.cpms())
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json(), "validation_error")
    foreign = [
        {"locationUuid": str(b.location.uuid)},
        {"chargerUuid": str(b.charger.uuid)},
        {"connectorUuid": str(b.connectors[0].uuid)},
        {"locationUuid": str(a.location.uuid), "chargerUuid": str(b.charger.uuid)},
        {"chargerUuid": "00000000-0000-4000-8000-000000000000"},
    ]
    for body in foreign:
        r = await client.post(f"/cpms/v1/tariffs/{tariff}/assign", json=body, headers=a.cpms())
        assert r.status_code == 404, (body, r.text)
        assert_error(r.json(), "not_found")
    r = await client.post(f"/cpms/v1/tariffs/{tariff}/assign", json={"chargerUuid": "x"}, headers=a.cpms())
    assert r.status_code == 422
    assert await counts(world) == before


async def test_other_networks_tariffs_are_not_found(client: httpx.AsyncClient, world: World) -> None:
    a, b = world.a, world.b
    target = a.tariff.uuid
    before = await counts(world)
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/cpms/v1/tariffs/{target}", None),
        ("PUT", f"/cpms/v1/tariffs/{target}", {"name": "stolen", "energyRate": 9}),
        ("DELETE", f"/cpms/v1/tariffs/{target}", None),
        ("POST", f"/cpms/v1/tariffs/{target}/assign", {}),
        ("POST", f"/cpms/v1/tariffs/{target}/assign", {"chargerUuid": str(b.charger.uuid)}),
        ("GET", f"/cpms/v1/tariffs/{target}/assignments", None),
        ("DELETE", f"/cpms/v1/tariffs/assignments/{a.assignment.uuid}", None),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=b.cpms())
        assert r.status_code == 404, (method, path, r.text)
        assert_error(r.json(), "not_found")
    r = await client.get(f"/emsp/v1/tariffs/{target}", headers=b.emsp())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    listed = (await client.get("/emsp/v1/tariffs", headers=b.emsp())).json()["data"]
    assert [t["id"] for t in listed] == [str(b.tariff.uuid)]

    assert await counts(world) == before
    row = await tariff_row(world, target)
    assert row.name == "Standard AC" and row.energy_rate == Decimal("0.35") and row.deleted_at is None
    async with world.services.db.session() as s:
        assignment = await s.get(TariffAssignment, a.assignment.id)
    assert assignment is not None and assignment.is_active


# --- emsp --------------------------------------------------------------------------------------


async def test_emsp_tariffs_quote_time_and_idle_per_minute(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/emsp/v1/tariffs", headers=world.a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/emsp/v1/tariffs", body)
    assert "pagination" not in body
    (row,) = body["data"]
    # Stored per hour: 2/h and 0.5/h.
    assert row["timeRate"] == 0.0333 and row["idleRate"] == 0.0083
    assert row["energyRate"] == 0.35 and row["sessionFee"] == 1

    r = await client.get(f"/emsp/v1/tariffs/{world.a.tariff.uuid}", headers=world.a.emsp())
    assert r.status_code == 200
    assert_shape("GET", "/emsp/v1/tariffs/{id}", r.json())
    assert r.json()["data"] == {
        "id": str(world.a.tariff.uuid),
        "name": "Standard AC",
        "description": None,
        "type": "REGULAR",
        "currency": "USD",
        "isFree": False,
        "energyRate": 0.35,
        "timeRate": 0.0333,
        "idleRate": 0.0083,
        "sessionFee": 1,
        "minimumSessionFee": None,
        "maximumSessionFee": None,
        "taxRate": None,
        "effectiveFrom": None,
        "effectiveTo": None,
    }
    # The cpms reference keeps per hour for the same tariff.
    r = await client.get(f"/cpms/v1/tariffs/{world.a.tariff.uuid}", headers=world.a.cpms())
    assert r.json()["data"]["timeRate"] == 2 and r.json()["data"]["idleRate"] == 0.5


async def test_emsp_active_only(client: httpx.AsyncClient, world: World) -> None:
    inactive = await create(client, world.a, timeRate=6)
    future = await create(client, world.a, effectiveFrom="2999-01-01T00:00:00Z")
    r = await client.put(
        f"/cpms/v1/tariffs/{inactive['id']}", json={"isActive": False}, headers=world.a.cpms()
    )
    assert r.status_code == 200
    everything = (await client.get("/emsp/v1/tariffs", headers=world.a.emsp())).json()["data"]
    assert {t["id"] for t in everything} == {str(world.a.tariff.uuid), inactive["id"], future["id"]}
    by_id = {t["id"]: t for t in everything}
    assert by_id[inactive["id"]]["timeRate"] == 0.1
    assert by_id[future["id"]]["effectiveFrom"] == "2999-01-01T00:00:00Z"
    r = await client.get("/emsp/v1/tariffs", params={"activeOnly": "true"}, headers=world.a.emsp())
    assert [t["id"] for t in r.json()["data"]] == [str(world.a.tariff.uuid)]
    r = await client.get("/emsp/v1/tariffs", params={"activeOnly": "maybe"}, headers=world.a.emsp())
    assert r.status_code == 400


# --- effective tariff --------------------------------------------------------------------------


def principal_of(net: Net) -> Principal:
    assert net.network.id is not None
    return Principal(family="cpms", network_ids=frozenset({net.network.id}))


async def test_effective_tariffs_pick_the_most_specific(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    ctx = Context(world.services, principal_of(a))
    c1, c2 = (c.id for c in a.connectors)
    assert c1 is not None and c2 is not None
    b_connector = world.b.connectors[0].id
    assert b_connector is not None

    got = await effective_tariffs(ctx, [c1, c2, 999_999, b_connector])
    assert [t.uuid if t else None for t in got] == [a.tariff.uuid, a.tariff.uuid, None, None]

    location_tariff = await create(client, a, name="Site")
    charger_tariff = await create(client, a, name="Charger")
    connector_tariff = await create(client, a, name="Connector")
    for tariff, body in (
        (location_tariff, {"locationUuid": str(a.location.uuid)}),
        (connector_tariff, {"connectorUuid": str(a.connectors[0].uuid)}),
        (charger_tariff, {"chargerUuid": str(a.charger.uuid)}),
    ):
        r = await client.post(f"/cpms/v1/tariffs/{tariff['id']}/assign", json=body, headers=a.cpms())
        assert r.status_code == 201

    got = await effective_tariffs(ctx, [c1, c2, c1])
    assert [t.name if t else None for t in got] == ["Connector", "Charger", "Connector"]

    # Among assignments at one level, priority first, then the newest.
    low = await create(client, a, name="Low priority, newest")
    high = await create(client, a, name="High priority")
    for tariff, priority in ((high, 5), (low, 0)):
        r = await client.post(
            f"/cpms/v1/tariffs/{tariff['id']}/assign",
            json={"chargerUuid": str(a.charger.uuid), "priority": priority},
            headers=a.cpms(),
        )
        assert r.status_code == 201
    got = await effective_tariffs(ctx, [c2])
    assert [t.name if t else None for t in got] == ["High priority"]

    # Deleting or deactivating falls back to the next level.
    await client.delete(f"/cpms/v1/tariffs/{connector_tariff['id']}", headers=a.cpms())
    await client.delete(f"/cpms/v1/tariffs/{high['id']}", headers=a.cpms())
    got = await effective_tariffs(ctx, [c1, c2])
    assert [t.name if t else None for t in got] == ["Low priority, newest", "Low priority, newest"]
    # Another network's principal gets nothing for a's connectors.
    assert await effective_tariffs(Context(world.services, principal_of(world.b)), [c1]) == [None]
    assert await effective_tariffs(ctx, []) == []


async def test_effective_tariff_connector_beats_network(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    ctx = Context(world.services, principal_of(a))
    connector_tariff = await create(client, a, name="Per connector")
    r = await client.post(
        f"/cpms/v1/tariffs/{connector_tariff['id']}/assign",
        json={"connectorUuid": str(a.connectors[1].uuid)},
        headers=a.cpms(),
    )
    assert r.status_code == 201
    got = await effective_tariffs(ctx, [c.id for c in a.connectors if c.id is not None])
    assert [t.uuid if t else None for t in got] == [a.tariff.uuid, UUID(connector_tariff["id"])]


# --- GraphQL -----------------------------------------------------------------------------------

TARIFF_FIELDS = "id name currency energyRate timeRate idleRate sessionFee isFree network { name }"


async def test_graphql_tariff_lifecycle(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    body = await gql(
        client,
        f"query {{ tariffs {{ items {{ {TARIFF_FIELDS} }} pageInfo {{ total }} }} }}",
        headers=a.cpms(),
    )
    assert body["data"]["tariffs"]["items"] == [
        {
            "id": str(a.tariff.uuid),
            "name": "Standard AC",
            "currency": "USD",
            "energyRate": "0.35",
            "timeRate": "2",
            "idleRate": "0.5",
            "sessionFee": "1",
            "isFree": False,
            "network": {"name": "Isla Verde"},
        }
    ]
    body = await gql(
        client,
        f"mutation($input: TariffCreateInput!) {{ createTariff(input: $input) {{ {TARIFF_FIELDS} }} }}",
        {"input": {"name": "GQL", "energyRate": "0.123456", "timeRate": 1.2, "currency": "EUR"}},
        headers=a.cpms(),
    )
    created = body["data"]["createTariff"]
    assert created["energyRate"] == "0.123456" and created["timeRate"] == "1.2"
    assert created["currency"] == "EUR"
    tariff_id = created["id"]

    body = await gql(
        client,
        "mutation($id: UUID!, $input: TariffUpdateInput!) "
        "{ updateTariff(id: $id, input: $input) { name energyRate timeRate } }",
        {"id": tariff_id, "input": {"timeRate": "4"}},
        headers=a.cpms(),
    )
    assert body["data"]["updateTariff"] == {"name": "GQL", "energyRate": "0.123456", "timeRate": "4"}

    body = await gql(
        client,
        "mutation($id: UUID!, $input: TariffAssignInput!) "
        "{ assignTariff(tariffId: $id, input: $input) { id level chargerDatabaseId tariff { name } } }",
        {"id": tariff_id, "input": {"chargerUuid": str(a.charger.uuid)}},
        headers=a.cpms(),
    )
    assigned = body["data"]["assignTariff"]
    assert assigned["level"] == "Charger" and assigned["chargerDatabaseId"] == a.charger.id
    assert assigned["tariff"] == {"name": "GQL"}

    body = await gql(
        client,
        "query($id: UUID!) { tariffAssignments(tariffId: $id) { id level location { name } } }",
        {"id": tariff_id},
        headers=a.cpms(),
    )
    assert body["data"]["tariffAssignments"] == [{"id": assigned["id"], "level": "Charger", "location": None}]

    body = await gql(
        client,
        "mutation($id: UUID!) { detachTariffAssignment(id: $id) { id isActive } }",
        {"id": assigned["id"]},
        headers=a.cpms(),
    )
    assert body["data"]["detachTariffAssignment"] == {"id": assigned["id"], "isActive": False}

    await gql(
        client,
        "mutation($id: UUID!) { assignTariff(tariffId: $id, input: {}) { id } }",
        {"id": tariff_id},
        headers=a.cpms(),
    )
    body = await gql(
        client,
        "mutation($id: UUID!) { deleteTariff(id: $id) { id deleted deactivatedAssignments } }",
        {"id": tariff_id},
        headers=a.cpms(),
    )
    assert body["data"]["deleteTariff"] == {"id": tariff_id, "deleted": True, "deactivatedAssignments": 1}

    body = await gql(
        client, "query($id: UUID!) { tariff(id: $id) { name } }", {"id": tariff_id}, headers=a.cpms()
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_graphql_bad_input_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await counts(world)
    mutation = "mutation($input: TariffCreateInput!) { createTariff(input: $input) { id } }"
    for bad in ({"name": "x", "energyRate": "-1"}, {"name": "x", "currency": "us"}, {"name": ""}):
        body = await gql(client, mutation, {"input": bad}, headers=world.a.cpms())
        assert body["errors"][0]["extensions"]["code"] == "validation_error", body
    body = await gql(
        client,
        "mutation($id: UUID!, $input: TariffUpdateInput!) { updateTariff(id: $id, input: $input) { id } }",
        {"id": str(world.a.tariff.uuid), "input": {"idleRate": "-0.01"}},
        headers=world.a.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    assert await counts(world) == before
    assert (await tariff_row(world, world.a.tariff.uuid)).idle_rate == Decimal("0.5")


async def test_graphql_other_networks_tariffs_are_not_found(client: httpx.AsyncClient, world: World) -> None:
    a, b = world.a, world.b
    before = await counts(world)
    body = await gql(client, "query { tariffs { items { id } } }", headers=b.cpms())
    assert body["data"]["tariffs"]["items"] == [{"id": str(b.tariff.uuid)}]
    operations = [
        ("query($id: UUID!) { tariff(id: $id) { id } }", {"id": str(a.tariff.uuid)}),
        ("query($id: UUID!) { tariffAssignments(tariffId: $id) { id } }", {"id": str(a.tariff.uuid)}),
        (
            'mutation($id: UUID!) { updateTariff(id: $id, input: {name: "stolen"}) { id } }',
            {"id": str(a.tariff.uuid)},
        ),
        ("mutation($id: UUID!) { deleteTariff(id: $id) { id } }", {"id": str(a.tariff.uuid)}),
        (
            "mutation($id: UUID!) { assignTariff(tariffId: $id, input: {}) { id } }",
            {"id": str(a.tariff.uuid)},
        ),
        (
            "mutation($id: UUID!, $c: UUID!) "
            "{ assignTariff(tariffId: $id, input: {chargerUuid: $c}) { id } }",
            {"id": str(b.tariff.uuid), "c": str(a.charger.uuid)},
        ),
        ("mutation($id: UUID!) { detachTariffAssignment(id: $id) { id } }", {"id": str(a.assignment.uuid)}),
    ]
    for query, variables in operations:
        body = await gql(client, query, variables, headers=b.cpms())
        assert body["errors"][0]["extensions"]["code"] == "not_found", (query, body)
    body = await gql(
        client, "query($id: UUID!) { tariff(id: $id) { id } }", {"id": str(a.tariff.uuid)}, headers=b.emsp()
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert await counts(world) == before
    row = await tariff_row(world, a.tariff.uuid)
    assert row.name == "Standard AC" and row.deleted_at is None


async def test_graphql_driver_apps_read_tariffs_but_not_assignments(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await gql(client, "query { tariffs { items { name timeRate } } }", headers=world.a.emsp())
    assert body["data"]["tariffs"]["items"] == [{"name": "Standard AC", "timeRate": "2"}]
    body = await gql(
        client,
        "query($id: UUID!) { tariffAssignments(tariffId: $id) { id } }",
        {"id": str(world.a.tariff.uuid)},
        headers=world.a.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "insufficient_scope"
    body = await gql(
        client,
        'mutation { createTariff(input: {name: "x"}) { id } }',
        headers=world.a.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "insufficient_scope"
