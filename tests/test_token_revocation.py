"""Revoking a refresh-token family ends its access tokens at once, on REST and GraphQL (issue 9, item 10)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from chargegraph.app import create_app
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.db import Database
from tests.mail import Inbox
from tests.test_driver_auth import login
from tests.world import World

LOGIN = "/emsp/v1/auth/driver/login"
REFRESH = "/emsp/v1/auth/driver/refresh"
FORGOT = "/emsp/v1/auth/driver/forgot-password"
RESET = "/emsp/v1/auth/driver/reset-password"
ME = "/emsp/v1/auth/driver/me"
DRIVER_QUERY = "query { driver { email } }"


@pytest.fixture
async def no_grace(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A used refresh token presented again is reuse at once (no grace period)."""
    strict = settings.model_copy(update={"refresh_reuse_grace_seconds": 0})
    app = create_app(strict, services=build_services(strict, db), migrate=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def rest_status(client: httpx.AsyncClient, world: World, access: str) -> int:
    r = await client.get(ME, headers={**world.a.emsp(), "Authorization": f"Bearer {access}"})
    return r.status_code


async def graphql_status(client: httpx.AsyncClient, access: str) -> tuple[int, str | None]:
    r = await client.post(
        "/graphql", json={"query": DRIVER_QUERY}, headers={"Authorization": f"Bearer {access}"}
    )
    body = r.json()
    if r.status_code == 200 and "errors" not in body:
        assert body["data"]["driver"]["email"]
        return 200, None
    return r.status_code, body["errors"][0]["extensions"]["code"]


async def test_reuse_ends_the_familys_access_tokens_but_not_another_sign_in(
    no_grace: httpx.AsyncClient, world: World
) -> None:
    client = no_grace
    first = await login(client, world)
    other_device = await login(client, world)
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200
    rotated = r.json()["data"]
    for access in (first["accessToken"], rotated["accessToken"]):
        assert await rest_status(client, world, access) == 200
        assert await graphql_status(client, access) == (200, None)

    await asyncio.sleep(0.01)
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 401  # reuse: the family is revoked

    # Both access tokens of that family end now, not when they expire.
    for access in (first["accessToken"], rotated["accessToken"]):
        assert await rest_status(client, world, access) == 401
        assert await graphql_status(client, access) == (401, "invalid_token")
    # The driver's other sign-in is another family: it keeps working.
    assert await rest_status(client, world, other_device["accessToken"]) == 200
    assert await graphql_status(client, other_device["accessToken"]) == (200, None)


async def test_a_password_reset_ends_every_access_token_of_the_driver(
    client: httpx.AsyncClient, world: World, inbox: Inbox
) -> None:
    sessions = [await login(client, world), await login(client, world)]
    r = await client.post(FORGOT, json={"email": world.a.driver.email}, headers=world.a.emsp())
    assert r.status_code == 200
    payload = (await inbox.wait_for(world.a.driver.email)).get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = re.search(r"Token: (\S+)", payload.decode())
    assert found is not None
    r = await client.post(
        RESET, json={"token": found.group(1), "newPassword": "brand-new-pass"}, headers=world.a.emsp()
    )
    assert r.status_code == 200, r.text
    for session in sessions:
        assert await rest_status(client, world, session["accessToken"]) == 401
        assert await graphql_status(client, session["accessToken"]) == (401, "invalid_token")
    fresh = await login(client, world, "brand-new-pass")
    assert await rest_status(client, world, fresh["accessToken"]) == 200


async def test_an_access_token_without_a_family_is_refused(client: httpx.AsyncClient, world: World) -> None:
    session = await login(client, world)
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims["fid"]  # the access token names its sign-in
    del claims["fid"]
    forged = jwt.encode(claims, world.services.auth.secret_key, algorithm="HS256")
    assert await rest_status(client, world, forged) == 401
    assert await graphql_status(client, forged) == (401, "invalid_token")
