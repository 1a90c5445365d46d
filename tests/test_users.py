"""/emsp/v1/users and the GraphQL user fields, with charging totals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import func, select

from domain.models import ChargingSession, Transaction, User
from domain.types import utcnow
from tests.spec import assert_error, assert_shape
from tests.world import DRIVER_PASSWORD, Net, World, gql

USERS = "/emsp/v1/users"
USER = "/emsp/v1/users/{id}"

NEW_USER = {
    "email": "Ana@Example.com",
    "firstName": "Ana",
    "lastName": "Soto",
    "phoneNumber": "+17875551234",
    "city": "San Juan",
    "country": "US",
}


async def count_users(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(User))).one())


async def user_row(world: World, user_uuid: str | UUID) -> User:
    async with world.services.db.session() as s:
        return (await s.exec(select(User).where(User.uuid == UUID(str(user_uuid))))).one()


async def charge(world: World, net: Net, energy_wh: int, total: str, refunded: str | None = None) -> None:
    """A completed session of the net's driver and its transaction."""
    end = utcnow()
    async with world.services.db.unit_of_work() as s:
        assert net.network.id is not None and net.charger.id is not None
        session = ChargingSession(
            network_id=net.network.id,
            charger_id=net.charger.id,
            user_id=net.driver.id,
            status="COMPLETED",
            energy_wh=energy_wh,
            started_at=end - timedelta(hours=1),
            ended_at=end,
            total=Decimal(total),
        )
        s.add(session)
        await s.flush()
        s.add(
            Transaction(
                network_id=net.network.id,
                session_id=session.id,
                user_id=net.driver.id,
                start_time=end - timedelta(hours=1),
                end_time=end,
                energy_wh=energy_wh,
                currency="USD",
                total=Decimal(total),
                refunded_amount=Decimal(refunded) if refunded else None,
            )
        )


async def test_list_users_with_totals(client: httpx.AsyncClient, world: World) -> None:
    await charge(world, world.a, 12_500, "10.25", refunded="1.00")
    await charge(world, world.a, 2_345, "3.10")
    await charge(world, world.b, 99_000, "50")
    r = await client.get(USERS, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", USERS, body)
    assert [u["id"] for u in body["data"]] == [str(world.a.driver.uuid)]  # not the team member
    row = body["data"][0]
    assert row["email"] == world.a.driver.email and row["lastUpdated"] is None
    assert row["totalSessions"] == 2
    assert row["totalEnergyKwh"] == 14.845
    assert row["totalSpent"] == 12.35
    assert row["currency"] == "USD"
    assert body["pagination"] == {
        "totalCount": 1,
        "page": 1,
        "pageSize": 50,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


async def test_search_and_paging(client: httpx.AsyncClient, world: World) -> None:
    for n in range(3):
        r = await client.post(
            USERS,
            json={"email": f"p{n}@example.com", "firstName": "Pedro", "lastName": f"Num{n}"},
            headers=world.a.emsp(),
        )
        assert r.status_code == 201, r.text
    r = await client.get(USERS, params={"search": "pedro num", "pageSize": 2}, headers=world.a.emsp())
    body = r.json()
    assert len(body["data"]) == 2
    assert body["pagination"]["totalCount"] == 3 and body["pagination"]["hasNextPage"] is True
    r = await client.get(USERS, params={"search": "ISLA-VERDE"}, headers=world.a.emsp())
    assert [u["id"] for u in r.json()["data"]] == [str(world.a.driver.uuid)]
    r = await client.get(USERS, params={"search": "bay-area"}, headers=world.a.emsp())
    assert r.json()["data"] == []


async def test_create_get_update_user(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(USERS, json=NEW_USER, headers=world.a.emsp())
    assert r.status_code == 201, r.text
    assert_shape("POST", USERS, r.json())
    created = r.json()["data"]
    assert created["email"] == "ana@example.com" and created["totalSessions"] == 0
    assert created["totalSpent"] == 0 and created["totalEnergyKwh"] == 0 and created["lastUpdated"] is None
    assert (await user_row(world, created["id"])).network_id == world.a.network.id

    r = await client.get(USER.format(id=created["id"]), headers=world.a.emsp())
    assert r.status_code == 200
    assert_shape("GET", USER, r.json())
    assert r.json()["data"] == created

    r = await client.put(
        USER.format(id=created["id"]), json={"city": "Ponce", "postalCode": "00716"}, headers=world.a.emsp()
    )
    assert r.status_code == 200, r.text
    assert_shape("PUT", USER, r.json())
    updated = r.json()["data"]
    assert updated["city"] == "Ponce" and updated["postalCode"] == "00716"
    assert updated["firstName"] == "Ana" and updated["phoneNumber"] == "+17875551234"
    assert updated["lastUpdated"] is not None and updated["lastUpdated"].endswith("Z")

    r = await client.put(USER.format(id=created["id"]), json={"phoneNumber": None}, headers=world.a.emsp())
    assert r.json()["data"]["phoneNumber"] is None


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"email": "not-an-email"}, 422, "validation_error"),
        ({"firstName": None}, 422, "validation_error"),
        ({"lastName": ""}, 422, "validation_error"),
        ({"email": "DRIVER@isla-verde.example.com"}, 409, "email_taken"),
    ],
)
async def test_bad_create_writes_nothing(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], status: int, error: str
) -> None:
    payload = {k: v for k, v in {**NEW_USER, **body}.items() if v is not None}
    before = await count_users(world)
    r = await client.post(USERS, json=payload, headers=world.a.emsp())
    assert r.status_code == status, r.text
    assert_error(r.json(), error)
    assert await count_users(world) == before


async def test_same_email_in_another_network_is_fine(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(USERS, json={**NEW_USER, "email": world.a.driver.email}, headers=world.b.emsp())
    assert r.status_code == 201, r.text


async def test_bad_update_changes_nothing(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(USERS, json=NEW_USER, headers=world.a.emsp())
    other = r.json()["data"]["id"]
    target = USER.format(id=world.a.driver.uuid)
    for body, status, error in (
        ({"firstName": None}, 422, "validation_error"),
        ({"email": "bad"}, 422, "validation_error"),
        ({"email": "ANA@example.com"}, 409, "email_taken"),
    ):
        r = await client.put(target, json=body, headers=world.a.emsp())
        assert r.status_code == status, (body, r.text)
        assert_error(r.json(), error)
    r = await client.put(USER.format(id="not-a-uuid"), json={}, headers=world.a.emsp())
    assert r.status_code == 400
    row = await user_row(world, world.a.driver.uuid)
    assert row.first_name == "Maya" and row.email == world.a.driver.email and row.updated_at is None
    assert (await user_row(world, other)).email == "ana@example.com"


async def test_other_networks_user_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    target = USER.format(id=world.a.driver.uuid)
    for method, payload in (("GET", None), ("PUT", {"firstName": "Stolen"})):
        r = await client.request(method, target, json=payload, headers=world.b.emsp())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    r = await client.get(USERS, headers=world.b.emsp())
    assert [u["id"] for u in r.json()["data"]] == [str(world.b.driver.uuid)]

    variables = {"id": str(world.a.driver.uuid)}
    body = await gql(client, "query($id: UUID!) { user(id: $id) { email } }", variables, world.b.emsp())
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    mutation = 'mutation($id: UUID!) { updateUser(id: $id, input: {firstName: "Stolen"}) { email } }'
    body = await gql(client, mutation, variables, world.b.emsp())
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    row = await user_row(world, world.a.driver.uuid)
    assert row.first_name == "Maya" and row.updated_at is None


async def test_a_driver_sees_only_themself(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(USERS, json=NEW_USER, headers=world.a.emsp())
    other = r.json()["data"]["id"]
    r = await client.post(
        "/emsp/v1/auth/driver/login",
        json={"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.a.emsp(),
    )
    headers = {**world.a.emsp(), "Authorization": f"Bearer {r.json()['data']['accessToken']}"}
    r = await client.get(USERS, headers=headers)
    assert [u["id"] for u in r.json()["data"]] == [str(world.a.driver.uuid)]
    r = await client.get(USER.format(id=other), headers=headers)
    assert r.status_code == 404
    r = await client.put(USER.format(id=other), json={"city": "X"}, headers=headers)
    assert r.status_code == 404
    r = await client.put(USER.format(id=world.a.driver.uuid), json={"city": "Fajardo"}, headers=headers)
    assert r.status_code == 200 and r.json()["data"]["city"] == "Fajardo"


async def test_graphql_users(client: httpx.AsyncClient, world: World) -> None:
    await charge(world, world.a, 1_500, "2.5")
    query = """query($s: String) {
      users(search: $s) {
        items { id email totalSessions totalEnergyKwh totalSpent currency network { name }
                chargingTokens { uid } }
        pageInfo { total }
      }
    }"""
    body = await gql(client, query, {"s": "maya"}, headers=world.a.emsp())
    assert body["data"]["users"] == {
        "items": [
            {
                "id": str(world.a.driver.uuid),
                "email": world.a.driver.email,
                "totalSessions": 1,
                "totalEnergyKwh": "1.5",
                "totalSpent": "2.5",
                "currency": "USD",
                "network": {"name": "Isla Verde"},
                "chargingTokens": [{"uid": world.a.token_uid}],
            }
        ],
        "pageInfo": {"total": 1},
    }
    create = "mutation($input: UserCreateInput!) { createUser(input: $input) { id email firstName } }"
    body = await gql(client, create, {"input": NEW_USER}, headers=world.a.emsp())
    created = body["data"]["createUser"]
    assert created["email"] == "ana@example.com"
    update = (
        "mutation($id: UUID!, $input: UserUpdateInput!) "
        "{ updateUser(id: $id, input: $input) { city lastName } }"
    )
    body = await gql(
        client, update, {"id": created["id"], "input": {"city": "Ponce"}}, headers=world.a.emsp()
    )
    assert body["data"]["updateUser"] == {"city": "Ponce", "lastName": "Soto"}
    body = await gql(
        client, "query($id: UUID!) { user(id: $id) { city } }", {"id": created["id"]}, headers=world.a.emsp()
    )
    assert body["data"]["user"] == {"city": "Ponce"}

    before = await count_users(world)
    body = await gql(client, create, {"input": {**NEW_USER, "email": "nope"}}, headers=world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    body = await gql(client, create, {"input": NEW_USER}, headers=world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "email_taken"
    body = await gql(client, update, {"id": created["id"], "input": {"firstName": None}}, world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    assert await count_users(world) == before
