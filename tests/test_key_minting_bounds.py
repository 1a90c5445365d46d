"""A key minted by a key is bounded by it: rate limit and expiry, like its scopes (issue 9, item 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import func, select

from domain.models import ApiKey
from domain.types import as_utc, utcnow
from tests.spec import assert_error
from tests.world import World, gql

KEYS = "/cpms/v1/api-keys"
MINT_GQL = """
mutation($input: ApiKeyCreateInput!) {
  createApiKey(input: $input) { key apiKey { rateLimitPerHour expiresAt } }
}"""


async def count_keys(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(ApiKey))).one())


async def stored(world: World, name: str) -> ApiKey:
    async with world.services.db.session() as s:
        return (await s.exec(select(ApiKey).where(ApiKey.name == name))).one()


async def mint(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(KEYS, json={"name": "child", **body}, headers=headers)


async def weak_parent(client: httpx.AsyncClient, world: World) -> tuple[dict[str, str], datetime]:
    """A 50-requests-per-hour key that expires in 10 minutes, able to mint keys."""
    expires = utcnow() + timedelta(minutes=10)
    r = await mint(client, world.a.cpms(), name="weak", rateLimitPerHour=50, expiresAt=expires.isoformat())
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["data"]["key"]}, (await stored(world, "weak")).expires_at or expires


async def test_a_key_cannot_mint_a_higher_rate_limit_or_a_later_expiry(
    client: httpx.AsyncClient, world: World
) -> None:
    parent, _ = await weak_parent(client, world)
    before = await count_keys(world)
    for body in (
        {"rateLimitPerHour": 1_000_000},
        {"rateLimitPerHour": 51},
        {"expiresAt": (utcnow() + timedelta(days=365)).isoformat()},
    ):
        r = await mint(client, parent, **body)
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json(), "validation_error")
    assert await count_keys(world) == before


async def test_left_out_limits_default_to_the_parents_bound(client: httpx.AsyncClient, world: World) -> None:
    parent, parent_expiry = await weak_parent(client, world)
    r = await mint(client, parent, name="defaulted")
    assert r.status_code == 201, r.text
    child = await stored(world, "defaulted")
    assert child.rate_limit_per_hour == 50  # min(default 5000, parent's 50)
    assert child.expires_at == parent_expiry  # never "never expires"

    within = utcnow() + timedelta(minutes=5)
    r = await mint(client, parent, name="within", rateLimitPerHour=20, expiresAt=within.isoformat())
    assert r.status_code == 201, r.text
    child = await stored(world, "within")
    assert child.rate_limit_per_hour == 20
    assert child.expires_at is not None and abs(child.expires_at - within) < timedelta(seconds=1)

    # An unbounded parent (no expiry, 5000/hour) still mints what it asks for.
    r = await mint(client, world.a.cpms(), name="free", rateLimitPerHour=100)
    assert r.status_code == 201
    child = await stored(world, "free")
    assert child.rate_limit_per_hour == 100 and child.expires_at is None


async def test_graphql_minting_is_bounded_the_same_way(client: httpx.AsyncClient, world: World) -> None:
    parent, parent_expiry = await weak_parent(client, world)
    before = await count_keys(world)
    for extra in (
        {"rateLimitPerHour": 1_000_000},
        {"expiresAt": (utcnow() + timedelta(days=1)).isoformat()},
    ):
        body = await gql(client, MINT_GQL, {"input": {"name": "gql", **extra}}, parent)
        assert body["errors"][0]["extensions"]["code"] == "validation_error", body
    assert await count_keys(world) == before

    body = await gql(client, MINT_GQL, {"input": {"name": "gql"}}, parent)
    minted = body["data"]["createApiKey"]["apiKey"]
    assert minted["rateLimitPerHour"] == 50
    expires = as_utc(datetime.fromisoformat(minted["expiresAt"].replace("Z", "+00:00")))
    assert expires == parent_expiry.replace(microsecond=0)  # the answer is in whole seconds
