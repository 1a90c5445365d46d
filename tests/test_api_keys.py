"""/cpms/v1/api-keys and the GraphQL apiKeys / createApiKey / revokeApiKey fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, func, select

from domain.models import ApiKey, ApiKeyNetwork
from domain.services import api_keys
from domain.types import utcnow
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def count_keys(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(ApiKey))).one())


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post("/cpms/v1/api-keys", json={"name": "probe", **body}, headers=headers)


async def test_list_api_keys(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/api-keys", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/api-keys", body)
    (row,) = body["data"]  # the emsp key of the network is not a CPMS key
    assert row["apiFamily"] == "cpms" and row["name"] == "ops"
    assert row["keyPrefix"] == "pk_cpms_live_" and world.a.cpms_key.endswith(row["last4"])
    assert row["permissions"] == ["cpms:*"]
    assert row["isRevoked"] is False and row["isExpired"] is False
    assert row["usageCount"] == 1  # this very request
    assert row["rateLimitPerHour"] == 5000


async def test_create_and_revoke_api_key(client: httpx.AsyncClient, world: World) -> None:
    expires = (utcnow() + timedelta(days=30)).isoformat()
    r = await create(
        client,
        world.a.cpms(),
        name="Reporting",
        description="nightly exports",
        scopes=["cpms:transactions:read", "cpms:sessions:read"],
        expiresAt=expires,
        rateLimitPerHour=100,
        allowedIPs=["127.0.0.1", "192.168.0.0/16"],
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/api-keys", r.json())
    created = r.json()["data"]
    assert created["visibility"] == "Private" and created["keyClass"] == "ServerSide"
    assert created["key"].startswith("pk_cpms_live_") and created["key"].endswith(created["last4"])
    assert "not be shown again" in created["message"]

    async with world.services.db.session() as s:
        row = (await s.exec(select(ApiKey).where(ApiKey.name == "Reporting"))).one()
        bound = (
            await s.exec(select(ApiKeyNetwork.network_id).where(ApiKeyNetwork.api_key_id == row.id))
        ).all()
    assert list(bound) == [world.a.network.id]
    assert row.scopes == ["cpms:sessions:read", "cpms:transactions:read"]
    assert row.allowed_ips == ["127.0.0.1/32", "192.168.0.0/16"]

    new = {"X-API-Key": created["key"]}
    me = (await client.get("/cpms/v1/me", headers=new)).json()["data"]
    assert me["scopes"] == ["cpms:sessions:read", "cpms:transactions:read"]
    listed = (await client.get("/cpms/v1/api-keys", headers=world.a.cpms())).json()["data"]
    assert listed[0]["id"] == created["id"] and listed[0]["description"] == "nightly exports"

    r = await client.delete(f"/cpms/v1/api-keys/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("DELETE", "/cpms/v1/api-keys/{id}", r.json())
    assert r.json()["data"] == {"id": created["id"], "revoked": True, "deleted": True}
    listed = (await client.get("/cpms/v1/api-keys", headers=world.a.cpms())).json()["data"]
    assert created["id"] not in [k["id"] for k in listed]
    r = await client.delete(f"/cpms/v1/api-keys/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 404


async def test_without_scopes_a_key_gets_what_the_caller_holds(
    client: httpx.AsyncClient, world: World
) -> None:
    limited = (await create(client, world.a.cpms(), scopes=["cpms:keys:*", "cpms:usage:read"])).json()["data"]
    r = await create(client, {"X-API-Key": limited["key"]}, name="child")
    assert r.status_code == 201, r.text
    me = (await client.get("/cpms/v1/me", headers={"X-API-Key": r.json()["data"]["key"]})).json()["data"]
    assert me["scopes"] == ["cpms:keys:read", "cpms:keys:write", "cpms:usage:read"]


async def test_a_key_cannot_mint_more_than_it_holds(client: httpx.AsyncClient, world: World) -> None:
    limited = (await create(client, world.a.cpms(), scopes=["cpms:keys:write"])).json()["data"]
    before = await count_keys(world)
    for scopes in (["cpms:*"], ["cpms:keys:*"], ["cpms:chargers:control"]):
        r = await create(client, {"X-API-Key": limited["key"]}, scopes=scopes)
        assert r.status_code == 403, scopes
        assert_error(r.json(), "insufficient_scope")
    assert await count_keys(world) == before


async def test_bad_api_key_input_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await count_keys(world)
    past = (utcnow() - timedelta(days=1)).isoformat()
    for body in (
        {"scopes": ["cpms:nope:read"]},
        {"scopes": ["emsp:locations:read"]},
        {"allowedIPs": ["not-an-ip"]},
        {"expiresAt": past},
        {"rateLimitPerHour": 0},
        {"name": ""},
    ):
        r = await client.post("/cpms/v1/api-keys", json={"name": "x", **body}, headers=world.a.cpms())
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json(), "validation_error")
    r = await client.post("/cpms/v1/api-keys", json={}, headers=world.a.cpms())
    assert r.status_code == 422
    r = await client.post("/cpms/v1/api-keys", content=b"{", headers=world.a.cpms())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_json")
    assert await count_keys(world) == before


async def test_a_key_may_revoke_itself(client: httpx.AsyncClient, world: World) -> None:
    created = (await create(client, world.a.cpms())).json()["data"]
    own = {"X-API-Key": created["key"]}
    r = await client.delete(f"/cpms/v1/api-keys/{created['id']}", headers=own)
    assert r.status_code == 200
    assert (await client.get("/cpms/v1/me", headers=own)).status_code == 401


async def test_other_networks_keys_are_invisible(client: httpx.AsyncClient, world: World) -> None:
    a_keys = (await client.get("/cpms/v1/api-keys", headers=world.a.cpms())).json()["data"]
    b_keys = (await client.get("/cpms/v1/api-keys", headers=world.b.cpms())).json()["data"]
    assert {k["id"] for k in a_keys}.isdisjoint({k["id"] for k in b_keys})
    target = a_keys[0]["id"]
    r = await client.delete(f"/cpms/v1/api-keys/{target}", headers=world.b.cpms())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")
    r = await client.get(
        "/cpms/v1/api-keys", params={"networkUuid": str(world.a.network.uuid)}, headers=world.b.cpms()
    )
    assert r.status_code == 404
    before = await count_keys(world)
    r = await client.post(
        "/cpms/v1/api-keys",
        params={"networkUuid": str(world.a.network.uuid)},
        json={"name": "intruder"},
        headers=world.b.cpms(),
    )
    assert r.status_code == 404
    assert await count_keys(world) == before
    async with world.services.db.session() as s:
        revoked = (await s.exec(select(ApiKey).where(col(ApiKey.revoked_at).is_not(None)))).all()
    assert revoked == []
    body = await gql(
        client, "mutation($id: UUID!) { revokeApiKey(id: $id) { id } }", {"id": target}, world.b.cpms()
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    body = await gql(client, "{ apiKeys { id } }", headers=world.b.cpms())
    assert target not in [k["id"] for k in body["data"]["apiKeys"]]


async def test_graphql_api_keys(client: httpx.AsyncClient, world: World) -> None:
    mutation = (
        "mutation($input: ApiKeyCreateInput!, $family: String!, $visibility: String!) "
        "{ createApiKey(input: $input, family: $family, visibility: $visibility) "
        "{ key apiKey { id apiFamily visibility keyClass scopes allowedIps } } }"
    )
    body = await gql(
        client,
        mutation,
        {"input": {"name": "widget"}, "family": "emsp", "visibility": "Publishable"},
        world.a.cpms(),
    )
    minted = body["data"]["createApiKey"]
    assert minted["key"].startswith("pk_emsp_live_")
    assert minted["apiKey"]["apiFamily"] == "emsp" and minted["apiKey"]["keyClass"] == "ClientSide"
    assert "emsp:users:read" not in minted["apiKey"]["scopes"]
    r = await client.get(
        f"/emsp/v1/networks/{world.a.network.uuid}/branding", headers={"X-API-Key": minted["key"]}
    )
    assert r.status_code == 200

    body = await gql(
        client,
        mutation,
        {
            "input": {"name": "ops2", "scopes": ["cpms:chargers:read"], "allowedIps": ["10.1.0.0/16"]},
            "family": "cpms",
            "visibility": "Private",
        },
        world.a.cpms(),
    )
    cpms_key = body["data"]["createApiKey"]["apiKey"]
    assert cpms_key["scopes"] == ["cpms:chargers:read"] and cpms_key["allowedIps"] == ["10.1.0.0/16"]

    body = await gql(client, "{ apiKeys { id name } }", headers=world.a.cpms())
    assert [k["name"] for k in body["data"]["apiKeys"]] == ["ops2", "ops"]
    body = await gql(client, '{ apiKeys(family: "emsp") { name } }', headers=world.a.cpms())
    assert sorted(k["name"] for k in body["data"]["apiKeys"]) == ["app", "widget"]

    body = await gql(
        client,
        "mutation($id: UUID!) { revokeApiKey(id: $id) { id isRevoked } }",
        {"id": cpms_key["id"]},
        world.a.cpms(),
    )
    assert body["data"]["revokeApiKey"] == {"id": cpms_key["id"], "isRevoked": True}


async def test_graphql_cpms_key_cannot_be_publishable_and_limits_hold(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await count_keys(world)
    mutation = (
        "mutation($input: ApiKeyCreateInput!, $family: String!, $visibility: String!) "
        "{ createApiKey(input: $input, family: $family, visibility: $visibility) { key } }"
    )
    body = await gql(
        client,
        mutation,
        {"input": {"name": "x"}, "family": "cpms", "visibility": "Publishable"},
        world.a.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    limited = (await create(client, world.a.cpms(), scopes=["cpms:keys:write"])).json()["data"]
    body = await gql(
        client,
        mutation,
        {"input": {"name": "x"}, "family": "emsp", "visibility": "Private"},
        {"X-API-Key": limited["key"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "insufficient_scope"
    assert await count_keys(world) == before + 1


async def test_a_key_shared_with_another_network_is_not_ours_to_revoke(
    client: httpx.AsyncClient, world: World
) -> None:
    assert world.a.network.id is not None and world.b.network.id is not None
    async with world.services.db.unit_of_work() as s:
        shared = await api_keys.mint(
            s,
            api_keys.NewKey(
                name="shared", family="cpms", scopes=[], network_ids=[world.a.network.id, world.b.network.id]
            ),
            5000,
        )
    listed = (await client.get("/cpms/v1/api-keys", headers=world.a.cpms())).json()["data"]
    assert "shared" not in [k["name"] for k in listed]
    r = await client.delete(f"/cpms/v1/api-keys/{shared.key.uuid}", headers=world.a.cpms())
    assert r.status_code == 404
    assert (await client.get("/cpms/v1/me", headers={"X-API-Key": shared.secret})).status_code == 200
