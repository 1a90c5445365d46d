"""/cpms/v1/me, /cpms/v1/networks, /cpms/v1/usage and the GraphQL me / networks / usage fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from domain.scopes import CPMS_SCOPES, EMSP_SCOPES
from domain.services import api_keys
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def unrestricted_key(world: World) -> dict[str, str]:
    async with world.services.db.unit_of_work() as s:
        minted = await api_keys.mint(
            s,
            api_keys.NewKey(
                name="first-party",
                family="cpms",
                scopes=["cpms:networks:read", "cpms:usage:read"],
                network_ids=[],
                unrestricted=True,
            ),
            5000,
        )
    return {"X-API-Key": minted.secret}


async def test_me(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/me", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/me", body)
    assert body["data"] == {
        "accessibleNetworkCount": 1,
        "scopes": sorted(CPMS_SCOPES),
        "keyType": "Private",
        "unrestricted": False,
    }
    r = await client.get("/cpms/v1/me", headers=await unrestricted_key(world))
    assert r.json()["data"] == {
        "accessibleNetworkCount": 2,
        "scopes": ["cpms:networks:read", "cpms:usage:read"],
        "keyType": "Private",
        "unrestricted": True,
    }


async def test_graphql_me(client: httpx.AsyncClient, world: World) -> None:
    query = "{ me { accessibleNetworkCount scopes keyType unrestricted } }"
    body = await gql(client, query, headers=world.b.emsp())
    assert body["data"]["me"] == {
        "accessibleNetworkCount": 1,
        "scopes": sorted(EMSP_SCOPES),
        "keyType": "Private",
        "unrestricted": False,
    }
    body = await gql(client, query)
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"


async def test_networks_are_the_callers_own(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/networks", headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("GET", "/cpms/v1/networks", r.json())
    assert r.json()["data"] == [{"id": str(world.a.network.uuid), "name": "Isla Verde"}]
    r = await client.get("/cpms/v1/networks", headers=world.b.cpms())
    assert r.json()["data"] == [{"id": str(world.b.network.uuid), "name": "Bay Area"}]
    r = await client.get("/cpms/v1/networks", headers=await unrestricted_key(world))
    assert [n["name"] for n in r.json()["data"]] == ["Isla Verde", "Bay Area"]
    body = await gql(client, "{ networks { id name currency } }", headers=world.b.cpms())
    assert body["data"]["networks"] == [
        {"id": str(world.b.network.uuid), "name": "Bay Area", "currency": "USD"}
    ]


async def test_usage(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(4):
        await client.get("/cpms/v1/networks", headers=world.a.cpms())
    await client.get(f"/emsp/v1/networks/{world.a.network.uuid}/branding", headers=world.a.emsp())
    r = await client.get("/cpms/v1/usage", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/usage", body)
    data = body["data"]
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    assert data["sinceUtc"] == (midnight - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert data["totalRequests"] == 6 and data["totalUnits"] == 6  # 4 + 1 emsp + this call
    rows = {(d["family"], d["env"]): d for d in data["daily"]}
    assert set(rows) == {("cpms", "live"), ("emsp", "live")}
    assert rows[("cpms", "live")]["requests"] == 5 and rows[("emsp", "live")]["units"] == 1
    assert rows[("cpms", "live")]["date"] == midnight.isoformat().replace("+00:00", "Z")
    assert set(rows[("cpms", "live")]) == {"date", "family", "env", "requests", "units"}

    r = await client.get("/cpms/v1/usage", params={"days": 1}, headers=world.a.cpms())
    assert r.json()["data"]["totalRequests"] == 7


async def test_usage_is_scoped_to_the_callers_networks(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(5):
        await client.get("/cpms/v1/me", headers=world.a.cpms())
    r = await client.get("/cpms/v1/usage", headers=world.b.cpms())
    assert r.json()["data"]["totalRequests"] == 1
    body = await gql(
        client,
        "{ usage(days: 7) { totalRequests totalUnits sinceUtc daily { family requests } } }",
        None,
        world.b.cpms(),
    )
    usage = body["data"]["usage"]
    assert usage["totalRequests"] == 2 and usage["daily"] == [{"family": "cpms", "requests": 2}]
    body = await gql(client, "{ usage { totalRequests } }", headers=world.a.cpms())
    assert body["data"]["usage"]["totalRequests"] == 6  # five calls to /me and this one


async def test_bad_usage_window(client: httpx.AsyncClient, world: World) -> None:
    for days in ("0", "367", "-3", "week"):
        r = await client.get("/cpms/v1/usage", params={"days": days}, headers=world.a.cpms())
        assert r.status_code == 400, days
        assert_error(r.json())
    body = await gql(client, "{ usage(days: 0) { totalRequests } }", headers=world.a.cpms())
    assert body["errors"][0]["extensions"]["code"] == "invalid_parameter"
    r = await client.get("/cpms/v1/usage", params={"days": 366}, headers=world.a.cpms())
    assert r.status_code == 200


async def test_scopes_are_enforced(client: httpx.AsyncClient, world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        minted = await api_keys.mint(
            s,
            api_keys.NewKey(
                name="narrow",
                family="cpms",
                scopes=["cpms:locations:read"],
                network_ids=[world.a.network.id or 0],
            ),
            5000,
        )
    narrow = {"X-API-Key": minted.secret}
    assert (await client.get("/cpms/v1/me", headers=narrow)).status_code == 200
    for path in (
        "/cpms/v1/networks",
        "/cpms/v1/usage",
        "/cpms/v1/api-keys",
        "/cpms/v1/team",
        "/cpms/v1/settings",
    ):
        r = await client.get(path, headers=narrow)
        assert r.status_code == 403, path
        assert_error(r.json(), "insufficient_scope")
