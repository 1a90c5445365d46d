"""/cpms/v1/settings, /emsp/v1/networks/{networkId}/branding and their GraphQL twins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlmodel import select

from domain.models import Network
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def network_row(world: World, network_id: int | None) -> Network:
    async with world.services.db.session() as s:
        return (await s.exec(select(Network).where(Network.id == network_id))).one()


def snapshot(row: Network) -> dict[str, Any]:
    return row.model_dump(exclude={"updated_at"})


async def test_get_settings(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/settings", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/settings", body)
    data = body["data"]
    assert data["id"] == str(world.a.network.uuid) and data["name"] == "Isla Verde"
    assert data["contactEmail"] == "ops@isla-verde.example.com"
    assert data["timeZone"] == "UTC" and data["currency"] == "USD" and data["isActive"] is True
    assert set(data["branding"]) == {"primaryColor", "secondaryColor", "logoUrl", "faviconUrl"}
    assert data["branding"]["primaryColor"] == "#0EA5E9"
    assert data["billing"] == {
        "vatRate": 0,
        "billingAddress": None,
        "invoicePrefix": "INV",
        "paymentTermsDays": 30,
    }


async def test_update_settings(client: httpx.AsyncClient, world: World) -> None:
    r = await client.put(
        "/cpms/v1/settings",
        json={
            "name": "Isla Verde Charging",
            "contactEmail": "hello@islaverde.example.com",
            "timeZone": "America/Puerto_Rico",
            "currency": "eur",
            "website": "https://islaverde.example.com",
            "branding": {"secondaryColor": "#1A1A1A", "logoUrl": "https://cdn.example.com/logo.svg"},
            "billing": {"vatRate": 11.5, "invoicePrefix": "IVC", "paymentTermsDays": 15},
        },
        headers=world.a.cpms(),
    )
    assert r.status_code == 200, r.text
    assert_shape("PUT", "/cpms/v1/settings", r.json())
    assert r.json()["data"] == {"id": str(world.a.network.uuid), "updated": True}

    row = await network_row(world, world.a.network.id)
    assert row.vat_rate == Decimal("11.5") and row.currency == "EUR"
    assert row.primary_color == "#0EA5E9"  # unsent, unchanged
    data = (await client.get("/cpms/v1/settings", headers=world.a.cpms())).json()["data"]
    assert data["name"] == "Isla Verde Charging" and data["timeZone"] == "America/Puerto_Rico"
    assert data["branding"]["secondaryColor"] == "#1A1A1A"
    assert data["billing"]["vatRate"] == 11.5 and data["billing"]["invoicePrefix"] == "IVC"
    assert data["description"] is None and data["country"] == "US"


async def test_bad_settings_change_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = snapshot(await network_row(world, world.a.network.id))
    for body in (
        {"contactEmail": "not-an-email"},
        {"timeZone": "Mars/Olympus_Mons"},
        {"currency": "EURO"},
        {"branding": {"primaryColor": "red"}},
        {"branding": {"secondaryColor": "#12345"}},
        {"billing": {"vatRate": 101}},
        {"billing": {"vatRate": -1}},
        {"name": None},
        {"name": "ok", "billing": {"invoicePrefix": None}},
    ):
        r = await client.put("/cpms/v1/settings", json=body, headers=world.a.cpms())
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json(), "validation_error")
    r = await client.put("/cpms/v1/settings", content=b"[1]", headers=world.a.cpms())
    assert r.status_code == 400
    assert snapshot(await network_row(world, world.a.network.id)) == before


async def test_other_networks_settings_are_not_found(client: httpx.AsyncClient, world: World) -> None:
    before = snapshot(await network_row(world, world.a.network.id))
    params = {"networkUuid": str(world.a.network.uuid)}
    r = await client.get("/cpms/v1/settings", params=params, headers=world.b.cpms())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    r = await client.put("/cpms/v1/settings", params=params, json={"name": "stolen"}, headers=world.b.cpms())
    assert r.status_code == 404
    body = await gql(
        client,
        "query($n: UUID!) { networkSettings(networkId: $n) { name } }",
        {"n": str(world.a.network.uuid)},
        world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    body = await gql(
        client,
        'mutation($n: UUID!) { updateNetworkSettings(networkId: $n, input: {name: "stolen"}) { name } }',
        {"n": str(world.a.network.uuid)},
        world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert snapshot(await network_row(world, world.a.network.id)) == before


async def test_graphql_network_settings(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(
        client,
        "{ networkSettings { id name timeZone branding { primaryColor } "
        "billing { vatRate invoicePrefix } } }",
        headers=world.a.cpms(),
    )
    assert body["data"]["networkSettings"] == {
        "id": str(world.a.network.uuid),
        "name": "Isla Verde",
        "timeZone": "UTC",
        "branding": {"primaryColor": "#0EA5E9"},
        "billing": {"vatRate": "0", "invoicePrefix": "INV"},
    }
    mutation = (
        "mutation($input: NetworkSettingsInput!) { updateNetworkSettings(input: $input) "
        "{ name contactPhone branding { primaryColor logoUrl } billing { vatRate paymentTermsDays } } }"
    )
    body = await gql(
        client,
        mutation,
        {
            "input": {
                "contactPhone": "+1-787-555-0100",
                "branding": {"primaryColor": "#E2231A"},
                "billing": {"vatRate": "7.25"},
            }
        },
        world.a.cpms(),
    )
    assert body["data"]["updateNetworkSettings"] == {
        "name": "Isla Verde",
        "contactPhone": "+1-787-555-0100",
        "branding": {"primaryColor": "#E2231A", "logoUrl": None},
        "billing": {"vatRate": "7.25", "paymentTermsDays": 30},
    }
    body = await gql(client, mutation, {"input": {"timeZone": "Nowhere/City"}}, world.a.cpms())
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    row = await network_row(world, world.a.network.id)
    assert row.time_zone == "UTC" and row.vat_rate == Decimal("7.25")


async def test_emsp_branding(client: httpx.AsyncClient, world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        row = (await s.exec(select(Network).where(Network.id == world.a.network.id))).one()
        row.logo_url = "https://cdn.example.com/a.svg"
        row.logo_background = "dark"
        row.terms_url = "https://isla.example.com/terms"
        s.add(row)
    path = f"/emsp/v1/networks/{world.a.network.uuid}/branding"
    r = await client.get(path, headers=world.a.emsp())
    assert r.status_code == 200
    assert_shape("GET", "/emsp/v1/networks/{networkId}/branding", r.json())
    assert r.json()["data"] == {
        "networkId": str(world.a.network.uuid),
        "name": "Isla Verde",
        "logoUrl": "https://cdn.example.com/a.svg",
        "faviconUrl": None,
        "logoBackground": "dark",
        "primaryColor": "#0EA5E9",
        "secondaryColor": None,
        "termsUrl": "https://isla.example.com/terms",
        "privacyUrl": None,
    }
    body = await gql(
        client,
        "query($n: UUID!) { branding(networkId: $n) { name logoBackground } }",
        {"n": str(world.a.network.uuid)},
        world.a.emsp(),
    )
    assert body["data"]["branding"] == {"name": "Isla Verde", "logoBackground": "dark"}


async def test_other_networks_branding_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(f"/emsp/v1/networks/{world.a.network.uuid}/branding", headers=world.b.emsp())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    r = await client.get("/emsp/v1/networks/not-a-uuid/branding", headers=world.a.emsp())
    assert r.status_code == 400
    body = await gql(
        client,
        "query($n: UUID!) { branding(networkId: $n) { name } }",
        {"n": str(world.a.network.uuid)},
        world.b.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
