"""/emsp/v1/chargers (list, detail, QR info) and /emsp/v1/connectors/{id}/status, with GraphQL twins."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlmodel import select

from domain.models import Charger, Location, Network, Tariff, TariffAssignment
from tests.spec import assert_error, assert_shape
from tests.test_emsp_locations import add_charger, add_location, heartbeat, pk
from tests.world import World, gql

INFO_QUERY = (
    "query($identifier: String!) { chargerInfo(identifier: $identifier) "
    "{ id uid lookupCode isOnline currency location { name } network { name } "
    "connectors { connectorNumber maxPowerKw tariff { name } "
    "energyRate timeRate sessionFee idleRate } } }"
)


async def set_charger(world: World, charger: Charger, **values: object) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await s.get(Charger, charger.id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)


async def set_location(world: World, location: Location, **values: object) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await s.get(Location, location.id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)


async def test_list_chargers(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=1)
    r = await client.get("/emsp/v1/chargers", headers=a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/emsp/v1/chargers", body)
    (row,) = body["data"]
    assert row["id"] == str(a.charger.uuid) and row["uid"] == "CP-A-01"
    assert row["status"] == "AVAILABLE" and row["isOnline"] is True
    assert row["networkId"] == str(a.network.uuid) and row["networkName"] == "Isla Verde"
    assert row["locationId"] == str(a.location.uuid) and row["locationName"] == "Isla Verde Plaza"
    assert row["connectorCount"] == 2 and row["maxPowerKw"] == 22
    assert body["pagination"] == {
        "totalCount": 1,
        "page": 1,
        "pageSize": 50,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


async def test_list_chargers_filters(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    other_site = await add_location(world, a, "Harbour")
    busy = await add_charger(world, a, other_site, "CP-A-BUSY", status="CHARGING")
    await add_charger(world, a, a.location, "CP-A-PRIVATE", public=False)
    hidden_site = await add_location(world, a, "Depot", published=False)
    await add_charger(world, a, hidden_site, "CP-A-DEPOT")

    async def ids(query: str) -> list[str]:
        r = await client.get(f"/emsp/v1/chargers{query}", headers=a.emsp())
        assert r.status_code == 200, r.text
        return [row["id"] for row in r.json()["data"]]

    assert await ids("") == [str(a.charger.uuid), str(busy.uuid)]  # by uid
    assert await ids("?status=CHARGING") == [str(busy.uuid)]
    assert await ids(f"?locationId={a.location.uuid}") == [str(a.charger.uuid)]
    assert await ids("?isPublic=false") == []
    r = await client.get("/emsp/v1/chargers?pageSize=1&page=2", headers=a.emsp())
    assert r.json()["pagination"]["hasPreviousPage"] is True and r.json()["pagination"]["totalCount"] == 2
    r = await client.get("/emsp/v1/chargers?locationId=nope", headers=a.emsp())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_parameter")
    r = await client.get("/emsp/v1/chargers?isPublic=maybe", headers=a.emsp())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_parameter")


async def test_charger_detail(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    r = await client.get(f"/emsp/v1/chargers/{a.charger.uuid}", headers=a.emsp())
    assert r.status_code == 200
    assert_shape("GET", "/emsp/v1/chargers/{id}", r.json())
    data = r.json()["data"]
    assert data["serialNumber"] == "SN-A-0001" and data["firmwareVersion"] == "1.5.32"
    assert data["isOnline"] is False and data["lastHeartbeat"] is None
    assert data["coordinates"] is None
    assert [c["connectorNumber"] for c in data["connectors"]] == [1, 2]
    assert data["connectors"][0]["id"] == str(a.connectors[0].uuid)
    assert data["connectors"][0]["maxElectricPowerWatts"] == 22000
    assert data["connectors"][0]["status"] == "AVAILABLE"


async def test_hidden_chargers_are_not_found(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    private = await add_charger(world, a, a.location, "CP-A-PRIVATE", public=False)
    depot = await add_location(world, a, "Depot", published=False)
    unpublished = await add_charger(world, a, depot, "CP-A-DEPOT")
    for charger in (private, unpublished):
        for path in (f"/emsp/v1/chargers/{charger.uuid}", f"/emsp/v1/chargers/{charger.uid}/info"):
            r = await client.get(path, headers=a.emsp())
            assert r.status_code == 404, path
            assert_error(r.json(), "not_found")
    body = await gql(client, INFO_QUERY, {"identifier": private.uid}, headers=a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_bad_charger_ids(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/emsp/v1/chargers/not-a-uuid", headers=world.a.emsp())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_id")
    for path in ("/emsp/v1/chargers/00000000-0000-0000-0000-000000000000", "/emsp/v1/chargers/NOPE/info"):
        r = await client.get(path, headers=world.a.emsp())
        assert r.status_code == 404
        assert_error(r.json(), "not_found")


async def test_charger_info(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await heartbeat(world, a.charger, minutes_ago=1)
    async with world.services.db.unit_of_work() as s:
        network = await s.get(Network, a.network.id)
        assert network is not None
        network.logo_url = "https://cdn.example.com/logo.svg"
        s.add(network)
    for identifier in (str(a.charger.uuid), "CP-A-01", "SN-A-0001"):
        r = await client.get(f"/emsp/v1/chargers/{identifier}/info", headers=a.emsp())
        assert r.status_code == 200, (identifier, r.text)
        assert_shape("GET", "/emsp/v1/chargers/{identifier}/info", r.json())
        assert r.json()["data"]["chargerUuid"] == str(a.charger.uuid)
    data = r.json()["data"]
    assert data["llmLookupId"] == "LKA001" and data["chargerName"] == "CP-A-01"
    assert data["isOnline"] is True and data["currency"] == "USD"
    assert data["networkUuid"] == str(a.network.uuid) and data["networkPrimaryColor"] == "#0EA5E9"
    assert data["networkLogoUrl"] == "https://cdn.example.com/logo.svg"
    assert data["networkSecondaryColor"] is None
    assert data["locationUuid"] == str(a.location.uuid) and data["latitude"] == 18.43
    first = data["connectors"][0]
    assert first["connectorUuid"] == str(a.connectors[0].uuid) and first["maxPowerKw"] == 22
    assert first["tariffId"] == str(a.tariff.uuid) and first["tariffName"] == "Standard AC"
    # Stored: energy 0.35/kWh, time 2/h, idle 0.5/h, fee 1 — emsp shows time and idle per minute.
    assert first["energyRate"] == 0.35
    assert first["timeRate"] == 0.0333
    assert first["idleRate"] == 0.0083
    assert first["sessionFee"] == 1.0
    assert first["idleFeeEnabled"] is False and first["idleGracePeriodMinutes"] == 0

    body = await gql(client, INFO_QUERY, {"identifier": "SN-A-0001"}, headers=a.emsp())
    info = body["data"]["chargerInfo"]
    assert info["uid"] == "CP-A-01" and info["lookupCode"] == "LKA001" and info["isOnline"] is True
    assert info["location"] == {"name": "Isla Verde Plaza"} and info["network"] == {"name": "Isla Verde"}
    assert info["connectors"][0] == {
        "connectorNumber": 1,
        "maxPowerKw": 22.0,
        "tariff": {"name": "Standard AC"},
        "energyRate": "0.35",
        "timeRate": "0.033333",
        "sessionFee": "1",
        "idleRate": "0.008333",
    }


async def test_charger_info_uses_most_specific_tariff(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    async with world.services.db.unit_of_work() as s:
        fast = Tariff(
            network_id=pk(a.network),
            name="Connector 2",
            currency="USD",
            energy_rate=Decimal("0.5"),
            is_free=False,
        )
        s.add(fast)
        await s.flush()
        s.add(
            TariffAssignment(
                tariff_id=pk(fast),
                network_id=pk(a.network),
                level="Connector",
                connector_id=a.connectors[1].id,
            )
        )
    r = await client.get("/emsp/v1/chargers/CP-A-01/info", headers=a.emsp())
    names = [(c["connectorNumber"], c["tariffName"], c["energyRate"]) for c in r.json()["data"]["connectors"]]
    assert names == [(1, "Standard AC", 0.35), (2, "Connector 2", 0.5)]


async def test_charger_info_without_tariff(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    async with world.services.db.unit_of_work() as s:
        assignment = (
            await s.exec(select(TariffAssignment).where(TariffAssignment.id == a.assignment.id))
        ).one()
        assignment.is_active = False
        s.add(assignment)
    r = await client.get("/emsp/v1/chargers/CP-A-01/info", headers=a.emsp())
    assert r.status_code == 200
    first = r.json()["data"]["connectors"][0]
    assert first["tariffId"] is None and first["energyRate"] is None and first["timeRate"] is None


async def test_other_networks_charger_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    a, b = world.a, world.b
    for path in (
        f"/emsp/v1/chargers/{a.charger.uuid}",
        f"/emsp/v1/chargers/{a.charger.uuid}/info",
        "/emsp/v1/chargers/CP-A-01/info",
        f"/emsp/v1/connectors/{a.connectors[0].uuid}/status",
    ):
        r = await client.get(path, headers=b.emsp())
        assert r.status_code == 404, path
        assert_error(r.json(), "not_found")
    r = await client.get("/emsp/v1/chargers", headers=b.emsp())
    assert [row["id"] for row in r.json()["data"]] == [str(b.charger.uuid)]
    r = await client.get(f"/emsp/v1/chargers?locationId={a.location.uuid}", headers=b.emsp())
    assert r.json()["data"] == []
    body = await gql(client, INFO_QUERY, {"identifier": "CP-A-01"}, headers=b.emsp())
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_connector_status(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    connector = a.connectors[0]
    r = await client.get(f"/emsp/v1/connectors/{connector.uuid}/status", headers=a.emsp())
    assert r.status_code == 200, r.text
    assert_shape("GET", "/emsp/v1/connectors/{id}/status", r.json())
    data = r.json()["data"]
    assert data["id"] == str(connector.uuid) and data["status"] == "AVAILABLE"
    assert data["chargerId"] == str(a.charger.uuid) and data["chargerUid"] == "CP-A-01"
    assert data["locationId"] == str(a.location.uuid) and data["locationName"] == "Isla Verde Plaza"
    assert data["hasRfidReader"] is True and data["lastStatusUpdate"] is None
    assert data["lastUpdated"].endswith("Z")


async def test_connector_of_hidden_charger(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    await set_charger(world, a.charger, is_public=False)
    r = await client.get(f"/emsp/v1/connectors/{a.connectors[0].uuid}/status", headers=a.emsp())
    assert r.status_code == 404
    await set_charger(world, a.charger, is_public=True)
    await set_location(world, a.location, is_published=False)
    r = await client.get(f"/emsp/v1/connectors/{a.connectors[0].uuid}/status", headers=a.emsp())
    assert r.status_code == 404
    r = await client.get("/emsp/v1/connectors/xyz/status", headers=a.emsp())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_id")
