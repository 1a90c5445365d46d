"""/emsp/v1/auth/tokens and the GraphQL charging token fields."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import func, select

from domain.models import ChargingToken
from tests.spec import assert_error, assert_shape
from tests.world import DRIVER_PASSWORD, World, gql

TOKENS = "/emsp/v1/auth/tokens"
TOKEN = "/emsp/v1/auth/tokens/{id}"


async def count_tokens(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(ChargingToken))).one())


async def token_row(world: World, token_uuid: str) -> ChargingToken:
    async with world.services.db.session() as s:
        return (await s.exec(select(ChargingToken).where(ChargingToken.uuid == UUID(token_uuid)))).one()


async def driver_headers(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    r = await client.post(
        "/emsp/v1/auth/driver/login",
        json={"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.a.emsp(),
    )
    assert r.status_code == 200, r.text
    return {**world.a.emsp(), "Authorization": f"Bearer {r.json()['data']['accessToken']}"}


async def test_list_tokens(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(TOKENS, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", TOKENS, body)
    assert [t["id"] for t in body["data"]] == [world.a.token_uuid]
    row = body["data"][0]
    assert row["uid"] == world.a.token_uid and row["userId"] == str(world.a.driver.uuid)
    assert row["contractId"] == f"US-CGA-{world.a.token_uid[:8]}" and row["tokenType"] == "RFID"
    assert row["valid"] is True and row["expiresAt"] is None and row["lastUsedAt"] is None
    assert body["pagination"] == {
        "totalCount": 1,
        "page": 1,
        "pageSize": 50,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"tokenType": "RFID"}, True),
        ({"tokenType": "APP_USER"}, False),
        ({"valid": "true"}, True),
        ({"valid": "false"}, False),
        ({"userId": "A"}, True),
        ({"userId": "B"}, False),  # another network's driver: nothing, never their tokens
    ],
)
async def test_list_filters(
    client: httpx.AsyncClient, world: World, query: dict[str, str], found: bool
) -> None:
    if "userId" in query:
        query = {"userId": str((world.a if query["userId"] == "A" else world.b).driver.uuid)}
    r = await client.get(TOKENS, params=query, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    assert [t["id"] for t in r.json()["data"]] == ([world.a.token_uuid] if found else [])


async def test_create_get_invalidate(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        TOKENS,
        json={"userId": str(world.a.driver.uuid), "tokenType": "APP_USER", "alias": "Maya's app token"},
        headers=world.a.emsp(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", TOKENS, r.json())
    created = r.json()["data"]
    assert re.fullmatch(r"[A-Z0-9]{12}", created["uid"])
    assert created["userId"] == str(world.a.driver.uuid) and created["tokenType"] == "APP_USER"

    r = await client.post(
        TOKENS,
        json={"userId": str(world.a.driver.uuid), "uid": "04a1b2c3d4", "expiresAt": "2099-06-19T00:00:00Z"},
        headers=world.a.emsp(),
    )
    assert r.status_code == 201, r.text
    card = r.json()["data"]
    assert card["uid"] == "04A1B2C3D4" and card["tokenType"] == "RFID"
    assert card["expiresAt"] == "2099-06-19T00:00:00Z"

    r = await client.get(TOKEN.format(id=created["id"]), headers=world.a.emsp())
    assert r.status_code == 200
    assert_shape("GET", TOKEN, r.json())
    assert r.json()["data"] == created

    r = await client.delete(TOKEN.format(id=created["id"]), headers=world.a.emsp())
    assert r.status_code == 200
    assert_shape("DELETE", TOKEN, r.json())
    assert r.json()["data"] == {
        "tokenId": created["id"],
        "action": "invalidate",
        "success": True,
        "message": "Token has been invalidated successfully",
    }
    row = await token_row(world, created["id"])
    assert row.valid is False and row.invalidated_at is not None
    r = await client.get(TOKEN.format(id=created["id"]), headers=world.a.emsp())
    assert r.json()["data"]["valid"] is False
    r = await client.get(TOKENS, params={"valid": "false"}, headers=world.a.emsp())
    assert [t["id"] for t in r.json()["data"]] == [created["id"]]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({}, 422, "validation_error"),
        ({"userId": "not-a-uuid"}, 422, "validation_error"),
        ({"tokenType": "BADGE"}, 422, "validation_error"),
        ({"uid": "ÄÖÜ123"}, 422, "validation_error"),
        ({"uid": "has space"}, 422, "validation_error"),
        ({"expiresAt": "2001-01-01T00:00:00Z"}, 422, "validation_error"),
        ({"uid": "SAME"}, 409, "token_uid_taken"),
        ({"userId": "B"}, 404, "not_found"),  # a driver of another network
    ],
)
async def test_bad_create_writes_nothing(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], status: int, error: str
) -> None:
    payload = {"userId": str(world.a.driver.uuid), **body} if body else {}
    if body.get("uid") == "SAME":
        payload["uid"] = world.a.token_uid.lower()
    if body.get("userId") == "B":
        payload["userId"] = str(world.b.driver.uuid)
    before = await count_tokens(world)
    r = await client.post(TOKENS, json=payload, headers=world.a.emsp())
    assert r.status_code == status, r.text
    assert_error(r.json(), error)
    assert await count_tokens(world) == before


async def test_other_networks_token_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = TOKEN.format(id=world.a.token_uuid)
    for method in ("GET", "DELETE"):
        r = await client.request(method, target, headers=world.b.emsp())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    r = await client.get(TOKENS, headers=world.b.emsp())
    assert [t["id"] for t in r.json()["data"]] == [world.b.token_uuid]
    row = await token_row(world, world.a.token_uuid)
    assert row.valid is True and row.invalidated_at is None

    for query in (
        "query($id: UUID!) { chargingToken(id: $id) { uid } }",
        "mutation($id: UUID!) { invalidateChargingToken(id: $id) { valid } }",
    ):
        body = await gql(client, query, {"id": world.a.token_uuid}, headers=world.b.emsp())
        assert body["errors"][0]["extensions"]["code"] == "not_found"
    create = "mutation($u: UUID!) { createChargingToken(input: {userId: $u}) { uid } }"
    body = await gql(client, create, {"u": str(world.a.driver.uuid)}, headers=world.b.emsp())
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    row = await token_row(world, world.a.token_uuid)
    assert row.valid is True
    assert await count_tokens(world) == 2


async def test_a_driver_sees_only_their_own_tokens(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/emsp/v1/auth/driver/register",
        json={"email": "other@example.com", "password": "other-pass-1", "firstName": "O", "lastName": "T"},
        headers=world.a.emsp(),
    )
    other_uid = r.json()["data"]["driver"]["tokenUid"]
    r = await client.get(TOKENS, headers=world.a.emsp())
    assert {t["uid"] for t in r.json()["data"]} == {world.a.token_uid, other_uid}
    others = next(t for t in r.json()["data"] if t["uid"] == other_uid)

    headers = await driver_headers(client, world)
    r = await client.get(TOKENS, headers=headers)
    assert [t["uid"] for t in r.json()["data"]] == [world.a.token_uid]
    r = await client.get(TOKEN.format(id=others["id"]), headers=headers)
    assert r.status_code == 404
    r = await client.delete(TOKEN.format(id=others["id"]), headers=headers)
    assert r.status_code == 404
    r = await client.post(TOKENS, json={"userId": others["userId"]}, headers=headers)
    assert r.status_code == 404
    assert (await token_row(world, others["id"])).valid is True


async def test_graphql_charging_tokens(client: httpx.AsyncClient, world: World) -> None:
    create = """mutation($input: ChargingTokenCreateInput!) {
      createChargingToken(input: $input) { id uid tokenType alias valid userId user { email } }
    }"""
    body = await gql(
        client,
        create,
        {"input": {"userId": str(world.a.driver.uuid), "tokenType": "OTHER", "alias": "Fob"}},
        headers=world.a.emsp(),
    )
    created = body["data"]["createChargingToken"]
    assert created["tokenType"] == "OTHER" and created["valid"] is True
    assert created["userId"] == str(world.a.driver.uuid) and created["user"] == {
        "email": world.a.driver.email
    }

    query = """query($u: UUID) {
      chargingTokens(userId: $u, valid: true, pageSize: 1) { items { uid } pageInfo { total hasNextPage } }
    }"""
    body = await gql(client, query, {"u": str(world.a.driver.uuid)}, headers=world.a.emsp())
    assert body["data"]["chargingTokens"]["pageInfo"] == {"total": 2, "hasNextPage": True}

    body = await gql(
        client,
        "mutation($id: UUID!) { invalidateChargingToken(id: $id) { valid invalidatedAt } }",
        {"id": created["id"]},
        headers=world.a.emsp(),
    )
    assert body["data"]["invalidateChargingToken"]["valid"] is False
    body = await gql(
        client,
        "query($id: UUID!) { chargingToken(id: $id) { valid } }",
        {"id": created["id"]},
        world.a.emsp(),
    )
    assert body["data"]["chargingToken"] == {"valid": False}

    before = await count_tokens(world)
    body = await gql(
        client,
        create,
        {"input": {"userId": str(world.a.driver.uuid), "uid": world.a.token_uid}},
        world.a.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "token_uid_taken"
    assert await count_tokens(world) == before
