"""/emsp/v1/auth/driver: register, login, refresh rotation, password reset by mail, me; GraphQL twins."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import Message
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from chargegraph.app import create_app
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.db import Database
from domain.models import ChargingToken, PasswordResetToken, RefreshToken, User
from domain.services import api_keys
from domain.types import utcnow
from tests.mail import Inbox
from tests.spec import assert_error, assert_shape
from tests.world import DRIVER_PASSWORD, World, gql

REGISTER = "/emsp/v1/auth/driver/register"
LOGIN = "/emsp/v1/auth/driver/login"
REFRESH = "/emsp/v1/auth/driver/refresh"
FORGOT = "/emsp/v1/auth/driver/forgot-password"
RESET = "/emsp/v1/auth/driver/reset-password"
ME = "/emsp/v1/auth/driver/me"

NEW_DRIVER = {
    "email": "Luis@Example.com",
    "password": "s3cret-pass",
    "firstName": "Luis",
    "lastName": "Ortiz",
    "phone": "+17875550000",
}


async def counts(world: World) -> dict[str, int]:
    result = {}
    async with world.services.db.session() as s:
        for model in (User, ChargingToken, RefreshToken, PasswordResetToken):
            result[model.__name__] = int((await s.exec(select(func.count()).select_from(model))).one())
    return result


async def login(client: httpx.AsyncClient, world: World, password: str = DRIVER_PASSWORD) -> dict[str, Any]:
    r = await client.post(
        LOGIN, json={"email": world.a.driver.email, "password": password}, headers=world.a.emsp()
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def reset_token(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = re.search(r"Token: (\S+)", payload.decode())
    assert found is not None
    return found.group(1)


async def test_register_then_me(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(REGISTER, json=NEW_DRIVER, headers=world.a.emsp())
    assert r.status_code == 201, r.text
    assert_shape("POST", REGISTER, r.json())
    data = r.json()["data"]
    assert data["tokenType"] == "Bearer" and data["expiresIn"] == 3600
    assert data["driver"]["email"] == "luis@example.com"
    assert re.fullmatch(r"[A-Z0-9]{12}", data["driver"]["tokenUid"])
    async with world.services.db.session() as s:
        user = (await s.exec(select(User).where(User.uuid == UUID(data["driver"]["id"])))).one()
    assert user.network_id == world.a.network.id and user.password_hash != NEW_DRIVER["password"]

    r = await client.get(ME, headers={**world.a.emsp(), "Authorization": f"Bearer {data['accessToken']}"})
    assert r.status_code == 200, r.text
    assert_shape("GET", ME, r.json())
    me = r.json()["data"]
    assert me["id"] == data["driver"]["id"] and me["Email"] == "luis@example.com"
    assert me["PhoneNumber"] == "+17875550000" and me["CreatedAt"].endswith("Z")
    assert me["tokens"] == [
        {
            "TokenUuid": me["tokens"][0]["TokenUuid"],
            "Uid": data["driver"]["tokenUid"],
            "TokenType": "APP_USER",
        }
    ]


async def test_login_and_me_list_only_usable_tokens(client: httpx.AsyncClient, world: World) -> None:
    session = await login(client, world)
    assert session["driver"]["id"] == str(world.a.driver.uuid)
    assert session["driver"]["tokenUid"] == world.a.token_uid
    async with world.services.db.unit_of_work() as s:
        await s.execute(
            update(ChargingToken)
            .where(col(ChargingToken.uid) == world.a.token_uid)
            .values(expires_at=utcnow() - timedelta(days=1))
        )
    r = await client.get(ME, headers={**world.a.emsp(), "Authorization": f"Bearer {session['accessToken']}"})
    assert r.json()["data"]["tokens"] == []
    # The access token alone (no key) does not pass on an /emsp path.
    r = await client.get(ME, headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert r.status_code == 401


async def test_me_requires_a_driver_token(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(ME, headers=world.a.emsp())
    assert r.status_code == 401
    assert_error(r.json(), "unauthorized")
    r = await client.get(ME, headers={**world.a.emsp(), "Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401
    assert_error(r.json(), "invalid_token")
    session = await login(client, world)
    # A driver of network a is refused with network b's key.
    r = await client.get(ME, headers={**world.b.emsp(), "Authorization": f"Bearer {session['accessToken']}"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"password": "short"}, 422, "validation_error"),
        ({"email": "not-an-email"}, 422, "validation_error"),
        ({"firstName": None}, 422, "validation_error"),
        ({"lastName": "   "}, 422, "validation_error"),
        ({"email": "DRIVER@isla-verde.example.com"}, 409, "email_taken"),
    ],
)
async def test_bad_registration_writes_nothing(
    client: httpx.AsyncClient, world: World, change: dict[str, Any], status: int, error: str
) -> None:
    before = await counts(world)
    body = {k: v for k, v in {**NEW_DRIVER, **change}.items() if v is not None}
    r = await client.post(REGISTER, json=body, headers=world.a.emsp())
    assert r.status_code == status, r.text
    assert_error(r.json(), error)
    assert await counts(world) == before


async def test_register_with_a_key_of_several_networks_needs_one(
    client: httpx.AsyncClient, world: World
) -> None:
    async with world.services.db.unit_of_work() as s:
        ids = [n.network.id for n in (world.a, world.b) if n.network.id is not None]
        new = api_keys.NewKey(name="two", family="emsp", scopes=[], network_ids=ids)
        both = await api_keys.mint(s, new, 5000)
    before = await counts(world)
    r = await client.post(REGISTER, json=NEW_DRIVER, headers={"X-API-Key": both.secret})
    assert r.status_code == 400
    assert_error(r.json(), "network_required")
    assert await counts(world) == before


async def test_bad_login_is_401_and_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    before = await counts(world)
    email = world.a.driver.email
    for body, headers in (
        ({"email": email, "password": "wrong-password"}, world.a.emsp()),
        ({"email": "nobody@example.com", "password": DRIVER_PASSWORD}, world.a.emsp()),
        ({"email": email, "password": DRIVER_PASSWORD}, world.b.emsp()),  # another network's key
    ):
        r = await client.post(LOGIN, json=body, headers=headers)
        assert r.status_code == 401, r.text
        assert_error(r.json(), "invalid_credentials")
    r = await client.post(LOGIN, json={"email": email}, headers=world.a.emsp())
    assert r.status_code == 422
    r = await client.post(LOGIN, json={"email": email, "password": DRIVER_PASSWORD})
    assert r.status_code == 401
    assert_error(r.json(), "missing_api_key")
    assert await counts(world) == before


async def test_refresh_rotates_and_tolerates_a_duplicate_within_grace(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await login(client, world)
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    assert_shape("POST", REFRESH, r.json())
    second = r.json()["data"]
    assert second["refreshToken"] != first["refreshToken"]
    r = await client.get(ME, headers={**world.a.emsp(), "Authorization": f"Bearer {second['accessToken']}"})
    assert r.status_code == 200
    # The same old token again within the grace period (two tabs refreshing): the same token back.
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    assert r.json()["data"]["refreshToken"] == first["refreshToken"]
    # The new one still works.
    r = await client.post(REFRESH, json={"refreshToken": second["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200


async def test_refresh_token_of_another_network_is_refused(client: httpx.AsyncClient, world: World) -> None:
    session = await login(client, world)
    r = await client.post(REFRESH, json={"refreshToken": session["refreshToken"]}, headers=world.b.emsp())
    assert r.status_code == 401
    assert_error(r.json(), "invalid_refresh_token")
    r = await client.post(REFRESH, json={"refreshToken": "made-up"}, headers=world.a.emsp())
    assert r.status_code == 401
    # Refused before anything: the token still rotates normally with its own network's key.
    r = await client.post(REFRESH, json={"refreshToken": session["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200


@pytest.fixture
async def no_grace(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(update={"refresh_reuse_grace_seconds": 0})
    app = create_app(strict, services=build_services(strict, db), migrate=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_reuse_after_grace_revokes_the_whole_family(no_grace: httpx.AsyncClient, world: World) -> None:
    client = no_grace
    first = await login(client, world)
    other_device = await login(client, world)
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 200
    second = r.json()["data"]["refreshToken"]
    await asyncio.sleep(0.01)
    r = await client.post(REFRESH, json={"refreshToken": first["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 401
    assert_error(r.json(), "refresh_token_reused")
    r = await client.post(REFRESH, json={"refreshToken": second}, headers=world.a.emsp())
    assert r.status_code == 401
    async with world.services.db.session() as s:
        revoked = select(RefreshToken.revoked_reason).where(col(RefreshToken.revoked_at).is_not(None))
        reasons = set((await s.exec(revoked)).all())
    assert reasons == {"reuse_detected"}
    # Another sign-in (another family) is untouched.
    r = await client.post(
        REFRESH, json={"refreshToken": other_device["refreshToken"]}, headers=world.a.emsp()
    )
    assert r.status_code == 200


async def test_forgot_password_mails_a_single_use_token(
    client: httpx.AsyncClient, world: World, inbox: Inbox
) -> None:
    session = await login(client, world)
    email = world.a.driver.email
    r = await client.post(FORGOT, json={"email": email.upper()}, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    assert_shape("POST", FORGOT, r.json())
    token = reset_token(await inbox.wait_for(email))

    r = await client.post(
        RESET, json={"token": token, "newPassword": "brand-new-pass"}, headers=world.a.emsp()
    )
    assert r.status_code == 200, r.text
    assert_shape("POST", RESET, r.json())
    await login(client, world, "brand-new-pass")
    r = await client.post(LOGIN, json={"email": email, "password": DRIVER_PASSWORD}, headers=world.a.emsp())
    assert r.status_code == 401
    # Sessions from before the reset are over.
    r = await client.post(REFRESH, json={"refreshToken": session["refreshToken"]}, headers=world.a.emsp())
    assert r.status_code == 401
    # The token works once.
    r = await client.post(
        RESET, json={"token": token, "newPassword": "another-pass-1"}, headers=world.a.emsp()
    )
    assert r.status_code == 422
    assert_error(r.json(), "invalid_reset_token")
    await login(client, world, "brand-new-pass")


async def test_forgot_password_answers_the_same_for_unknown_emails(
    client: httpx.AsyncClient, world: World, inbox: Inbox
) -> None:
    known = await client.post(FORGOT, json={"email": world.a.driver.email}, headers=world.a.emsp())
    await inbox.wait_for(world.a.driver.email)
    inbox.messages.clear()
    before = await counts(world)
    unknown = await client.post(FORGOT, json={"email": "nobody@example.com"}, headers=world.a.emsp())
    # Network b's key does not reach network a's driver either.
    other = await client.post(FORGOT, json={"email": world.a.driver.email}, headers=world.b.emsp())
    for r in (unknown, other):
        assert r.status_code == known.status_code == 200
        assert r.json()["data"] == known.json()["data"]
        assert set(r.json()) == set(known.json())
    await asyncio.sleep(0.3)
    assert inbox.messages == []
    assert await counts(world) == before
    r = await client.post(FORGOT, json={"email": "nope"}, headers=world.a.emsp())
    assert r.status_code == 422


async def test_expired_or_bad_reset_tokens_are_refused(
    client: httpx.AsyncClient, world: World, inbox: Inbox
) -> None:
    await client.post(FORGOT, json={"email": world.a.driver.email}, headers=world.a.emsp())
    token = reset_token(await inbox.wait_for(world.a.driver.email))
    r = await client.post(RESET, json={"token": token, "newPassword": "short"}, headers=world.a.emsp())
    assert r.status_code == 422
    r = await client.post(RESET, json={"newPassword": "long-enough-1"}, headers=world.a.emsp())
    assert r.status_code == 422
    # Another network's key cannot use it.
    r = await client.post(
        RESET, json={"token": token, "newPassword": "long-enough-1"}, headers=world.b.emsp()
    )
    assert r.status_code == 422
    assert_error(r.json(), "invalid_reset_token")
    async with world.services.db.unit_of_work() as s:
        await s.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = await client.post(
        RESET, json={"token": token, "newPassword": "long-enough-1"}, headers=world.a.emsp()
    )
    assert r.status_code == 422
    assert_error(r.json(), "invalid_reset_token")
    await login(client, world)  # the old password still works


REGISTER_GQL = """
mutation($input: DriverRegisterInput!) {
  registerDriver(input: $input) { accessToken refreshToken tokenType tokenUid driver { id email } }
}"""
LOGIN_GQL = """
mutation($email: String!, $password: String!) {
  loginDriver(input: {email: $email, password: $password}) { accessToken refreshToken driver { id } }
}"""


async def test_graphql_driver_auth(client: httpx.AsyncClient, world: World, inbox: Inbox) -> None:
    body = await gql(client, REGISTER_GQL, {"input": NEW_DRIVER}, headers=world.b.emsp())
    registered = body["data"]["registerDriver"]
    assert registered["driver"]["email"] == "luis@example.com" and registered["tokenType"] == "Bearer"

    query = "query { driver { email firstName network { name } chargingTokens { uid tokenType } } }"
    body = await gql(client, query, headers={"Authorization": f"Bearer {registered['accessToken']}"})
    assert body["data"]["driver"] == {
        "email": "luis@example.com",
        "firstName": "Luis",
        "network": {"name": "Bay Area"},
        "chargingTokens": [{"uid": registered["tokenUid"], "tokenType": "APP_USER"}],
    }
    body = await gql(client, query, headers=world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"

    body = await gql(
        client,
        LOGIN_GQL,
        {"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.a.emsp(),
    )
    signed_in = body["data"]["loginDriver"]
    assert signed_in["driver"]["id"] == str(world.a.driver.uuid)
    body = await gql(
        client,
        "mutation($t: String!) { refreshDriverToken(input: {refreshToken: $t}) { refreshToken } }",
        {"t": signed_in["refreshToken"]},
        headers=world.a.emsp(),
    )
    assert body["data"]["refreshDriverToken"]["refreshToken"] != signed_in["refreshToken"]

    before = await counts(world)
    body = await gql(
        client, LOGIN_GQL, {"email": world.a.driver.email, "password": "wrong-pass"}, headers=world.a.emsp()
    )
    assert body["errors"][0]["extensions"]["code"] == "invalid_credentials"
    body = await gql(  # tenant isolation: network b's key does not find network a's driver
        client,
        LOGIN_GQL,
        {"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.b.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "invalid_credentials"
    body = await gql(
        client, REGISTER_GQL, {"input": {**NEW_DRIVER, "password": "short"}}, headers=world.a.emsp()
    )
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    body = await gql(client, LOGIN_GQL, {"email": world.a.driver.email, "password": DRIVER_PASSWORD})
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"
    assert await counts(world) == before

    forgot = 'mutation { requestPasswordReset(input: {email: "%s"}) { message } }'
    body = await gql(client, forgot % world.a.driver.email, headers=world.a.emsp())
    message = body["data"]["requestPasswordReset"]["message"]
    token = reset_token(await inbox.wait_for(world.a.driver.email))
    body = await gql(client, forgot % "nobody@example.com", headers=world.a.emsp())
    assert body["data"]["requestPasswordReset"]["message"] == message
    reset = (
        'mutation($t: String!) { resetPassword(input: {token: $t, newPassword: "gql-new-pass"}) { message } }'
    )
    body = await gql(client, reset, {"t": token}, headers=world.a.emsp())
    assert "message" in body["data"]["resetPassword"]
    body = await gql(client, reset, {"t": token}, headers=world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "invalid_reset_token"
    await login(client, world, "gql-new-pass")
