"""API-key authentication: bad keys, wrong family, rate limit, IP allow-list, metering, secrets at rest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from domain.models import ApiKey, ApiUsageDaily
from domain.types import utcnow
from tests.spec import assert_error
from tests.world import World, gql


async def mint(client: httpx.AsyncClient, world: World, **body: Any) -> dict[str, Any]:
    r = await client.post("/cpms/v1/api-keys", json={"name": "probe", **body}, headers=world.a.cpms())
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def key(secret: str) -> dict[str, str]:
    return {"X-API-Key": secret}


async def test_missing_key_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/me")
    assert r.status_code == 401
    assert_error(r.json(), "missing_api_key")
    r = await client.get(f"/emsp/v1/networks/{world.a.network.uuid}/branding")
    assert r.status_code == 401
    assert_error(r.json(), "missing_api_key")


async def test_unknown_key_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/me", headers=key("pk_cpms_live_" + "x" * 32))
    assert r.status_code == 401
    assert_error(r.json(), "invalid_api_key")
    r = await client.post("/graphql", json={"query": "{ me { scopes } }"}, headers=key("nope"))
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "invalid_api_key"


async def test_revoked_key_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    created = await mint(client, world)
    assert (await client.get("/cpms/v1/me", headers=key(created["key"]))).status_code == 200
    r = await client.delete(f"/cpms/v1/api-keys/{created['id']}", headers=world.a.cpms())
    assert r.status_code == 200
    r = await client.get("/cpms/v1/me", headers=key(created["key"]))
    assert r.status_code == 401
    assert_error(r.json(), "api_key_revoked")


async def test_expired_key_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    soon = (utcnow() + timedelta(hours=1)).isoformat()
    created = await mint(client, world, expiresAt=soon)
    assert (await client.get("/cpms/v1/me", headers=key(created["key"]))).status_code == 200
    async with world.services.db.unit_of_work() as s:
        row = (await s.exec(select(ApiKey).where(ApiKey.uuid == UUID(created["id"])))).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
    r = await client.get("/cpms/v1/me", headers=key(created["key"]))
    assert r.status_code == 401
    assert_error(r.json(), "api_key_expired")


async def test_wrong_family_key_is_unauthorized(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/me", headers=world.a.emsp())
    assert r.status_code == 401
    assert_error(r.json(), "wrong_key_family")
    r = await client.get(f"/emsp/v1/networks/{world.a.network.uuid}/branding", headers=world.a.cpms())
    assert r.status_code == 401
    assert_error(r.json(), "wrong_key_family")


async def test_rate_limit_answers_429_with_retry_after(client: httpx.AsyncClient, world: World) -> None:
    created = await mint(client, world, rateLimitPerHour=3)
    for _ in range(3):
        assert (await client.get("/cpms/v1/me", headers=key(created["key"]))).status_code == 200
    r = await client.get("/cpms/v1/me", headers=key(created["key"]))
    assert r.status_code == 429
    assert_error(r.json(), "rate_limited")
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert (await client.get("/cpms/v1/me", headers=key(created["key"]))).status_code == 429
    # Other keys are not affected; refused requests are not usage.
    listed = (await client.get("/cpms/v1/api-keys", headers=world.a.cpms())).json()["data"]
    row = next(k for k in listed if k["id"] == created["id"])
    assert row["usageCount"] == 3
    async with world.services.db.session() as s:
        stored = (await s.exec(select(ApiKey).where(ApiKey.uuid == UUID(created["id"])))).one()
        days = (await s.exec(select(ApiUsageDaily).where(ApiUsageDaily.api_key_id == stored.id))).all()
    assert stored.rate_window_count == 5
    assert [d.requests for d in days] == [3]


async def test_ip_allow_list(client: httpx.AsyncClient, world: World) -> None:
    outside = await mint(client, world, allowedIPs=["10.0.0.0/8"])
    r = await client.get("/cpms/v1/me", headers=key(outside["key"]))
    assert r.status_code == 403
    assert_error(r.json(), "ip_not_allowed")
    inside = await mint(client, world, allowedIPs=["127.0.0.0/8", "::1"])
    assert (await client.get("/cpms/v1/me", headers=key(inside["key"]))).status_code == 200


async def test_usage_is_counted(client: httpx.AsyncClient, world: World) -> None:
    created = await mint(client, world)

    async def listed() -> dict[str, Any]:
        r = await client.get("/cpms/v1/api-keys", headers=world.a.cpms())
        rows: list[dict[str, Any]] = r.json()["data"]
        return next(row for row in rows if row["id"] == created["id"])

    before = await listed()
    assert before["usageCount"] == 0 and before["lastUsedAt"] is None
    usage_before = (await client.get("/cpms/v1/usage", headers=world.a.cpms())).json()["data"]
    for _ in range(3):
        assert (await client.get("/cpms/v1/networks", headers=key(created["key"]))).status_code == 200
    after = await listed()
    assert after["usageCount"] == 3
    assert after["lastUsedAt"] is not None and after["lastUsedAt"].endswith("Z")
    usage_after = (await client.get("/cpms/v1/usage", headers=world.a.cpms())).json()["data"]
    # Three requests of the new key, plus the listing and usage calls of world.a's own key.
    assert usage_after["totalRequests"] >= usage_before["totalRequests"] + 3
    assert usage_after["totalUnits"] >= usage_before["totalUnits"] + 3


async def test_secret_is_stored_only_as_a_hash(client: httpx.AsyncClient, world: World) -> None:
    created = await mint(client, world)
    secret = created["key"]
    assert secret.startswith(created["keyPrefix"]) and secret.endswith(created["last4"])
    async with world.services.db.session() as s:
        row = (await s.execute(text("SELECT * FROM api_key WHERE uuid = :u"), {"u": created["id"]})).first()
        if row is None:  # SQLite stores UUIDs as 32 hex characters
            hex_id = created["id"].replace("-", "")
            row = (await s.execute(text("SELECT * FROM api_key WHERE uuid = :u"), {"u": hex_id})).first()
    assert row is not None
    stored = " ".join(str(v) for v in row._mapping.values())
    secret_part = secret[len(created["keyPrefix"]) :]
    assert secret not in stored
    assert secret_part not in stored
    r = await client.get("/cpms/v1/api-keys", headers=world.a.cpms())
    assert secret not in r.text and secret_part not in r.text
    body = await gql(client, "{ apiKeys { id keyPrefix last4 } }", headers=world.a.cpms())
    assert secret_part not in str(body)


@pytest.mark.parametrize("path", ["/cpms/v1/api-keys", "/cpms/v1/team", "/cpms/v1/settings"])
async def test_revoked_key_cannot_reach_anything(client: httpx.AsyncClient, world: World, path: str) -> None:
    created = await mint(client, world)
    await client.delete(f"/cpms/v1/api-keys/{created['id']}", headers=world.a.cpms())
    r = await client.get(path, headers=key(created["key"]))
    assert r.status_code == 401
