"""/cpms/v1/team and the GraphQL team / addTeamMember / updateTeamMemberRole / removeTeamMember fields."""

from __future__ import annotations

import httpx
from sqlmodel import func, select

from domain.models import TeamMembership, User
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def memberships(world: World) -> list[tuple[int, int, str]]:
    async with world.services.db.session() as s:
        rows = (await s.exec(select(TeamMembership))).all()
    return sorted((m.network_id, m.user_id, m.role) for m in rows)


async def platform_user(world: World, email: str = "tech@platform.example.com") -> User:
    async with world.services.db.unit_of_work() as s:
        user = User(network_id=None, email=email, first_name="Tomas", last_name="Ortiz", is_driver=False)
        s.add(user)
        await s.flush()
    return user


async def test_list_team(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/cpms/v1/team", headers=world.a.cpms())
    assert r.status_code == 200
    body = r.json()
    assert_shape("GET", "/cpms/v1/team", body)
    (row,) = body["data"]
    assert row["id"] == str(world.a.member.uuid)
    assert row["email"] == "manager@isla-verde.example.com"
    assert (row["firstName"], row["lastName"], row["role"]) == ("Maria", "Rivera", "Manager")
    assert row["joinedAt"].endswith("Z") and row["lastActiveAt"] is None


async def test_add_change_and_remove_member(client: httpx.AsyncClient, world: World) -> None:
    user = await platform_user(world)
    r = await client.post(
        "/cpms/v1/team",
        json={"email": "Tech@Platform.example.com", "role": "Technician"},
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    assert_shape("POST", "/cpms/v1/team", r.json())
    assert r.json()["data"] == {
        "id": str(user.uuid),
        "email": "tech@platform.example.com",
        "role": "Technician",
        "added": True,
    }
    listed = (await client.get("/cpms/v1/team", headers=world.a.cpms())).json()["data"]
    assert [m["email"] for m in listed] == ["manager@isla-verde.example.com", "tech@platform.example.com"]

    r = await client.put(f"/cpms/v1/team/{user.uuid}", json={"role": "Admin"}, headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("PUT", "/cpms/v1/team/{id}", r.json())
    assert r.json()["data"] == {"id": str(user.uuid), "role": "Admin", "updated": True}

    r = await client.delete(f"/cpms/v1/team/{user.uuid}", headers=world.a.cpms())
    assert r.status_code == 200
    assert_shape("DELETE", "/cpms/v1/team/{id}", r.json())
    assert r.json()["data"] == {"id": str(user.uuid), "removed": True}
    listed = (await client.get("/cpms/v1/team", headers=world.a.cpms())).json()["data"]
    assert [m["id"] for m in listed] == [str(world.a.member.uuid)]
    r = await client.delete(f"/cpms/v1/team/{user.uuid}", headers=world.a.cpms())
    assert r.status_code == 404


async def test_network_drivers_may_join_their_own_networks_team(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/cpms/v1/team", json={"email": world.a.driver.email, "role": "Viewer"}, headers=world.a.cpms()
    )
    assert r.status_code == 201
    assert r.json()["data"]["id"] == str(world.a.driver.uuid)


async def test_bad_team_input_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    await platform_user(world)
    before = await memberships(world)
    cases = (
        ({"email": "nobody@example.com", "role": "Viewer"}, 404, "user_not_found"),
        ({"email": world.b.driver.email, "role": "Viewer"}, 404, "user_not_found"),
        ({"email": world.a.member.email, "role": "Viewer"}, 409, "already_member"),
        ({"email": "tech@platform.example.com", "role": "Janitor"}, 422, "validation_error"),
        ({"email": "tech@platform.example.com"}, 422, "validation_error"),
    )
    for body, status, slug in cases:
        r = await client.post("/cpms/v1/team", json=body, headers=world.a.cpms())
        assert r.status_code == status, (body, r.text)
        assert_error(r.json(), slug)
    r = await client.put(
        f"/cpms/v1/team/{world.a.member.uuid}", json={"role": "Boss"}, headers=world.a.cpms()
    )
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    r = await client.put("/cpms/v1/team/123", json={"role": "Admin"}, headers=world.a.cpms())
    assert r.status_code == 400
    assert await memberships(world) == before


async def test_other_networks_team_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    before = await memberships(world)
    target = world.a.member.uuid
    for method, payload in (("PUT", {"role": "Viewer"}), ("DELETE", None)):
        r = await client.request(method, f"/cpms/v1/team/{target}", json=payload, headers=world.b.cpms())
        assert r.status_code == 404, (method, r.text)
        assert_error(r.json(), "not_found")
    params = {"networkUuid": str(world.a.network.uuid)}
    r = await client.get("/cpms/v1/team", params=params, headers=world.b.cpms())
    assert r.status_code == 404
    await platform_user(world)
    r = await client.post(
        "/cpms/v1/team",
        params=params,
        json={"email": "tech@platform.example.com", "role": "Owner"},
        headers=world.b.cpms(),
    )
    assert r.status_code == 404
    body = await gql(
        client,
        'mutation($id: UUID!) { updateTeamMemberRole(id: $id, input: {role: "Viewer"}) { role } }',
        {"id": str(target)},
        world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    body = await gql(
        client,
        "mutation($id: UUID!) { removeTeamMember(id: $id) { id } }",
        {"id": str(target)},
        world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    body = await gql(
        client,
        "query($n: UUID!) { team(networkId: $n) { id } }",
        {"n": str(world.a.network.uuid)},
        world.b.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert await memberships(world) == before


async def test_graphql_team(client: httpx.AsyncClient, world: World) -> None:
    user = await platform_user(world)
    body = await gql(
        client,
        'mutation { addTeamMember(input: {email: "tech@platform.example.com", role: "Owner"}) { id role } }',
        headers=world.a.cpms(),
    )
    assert body["data"]["addTeamMember"] == {"id": str(user.uuid), "role": "Owner"}
    body = await gql(
        client,
        'mutation { addTeamMember(input: {email: "tech@platform.example.com", role: "Owner"}) { id } }',
        headers=world.a.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "already_member"
    body = await gql(
        client,
        'mutation($id: UUID!) { updateTeamMemberRole(id: $id, input: {role: "Nope"}) { role } }',
        {"id": str(user.uuid)},
        world.a.cpms(),
    )
    assert body["errors"][0]["extensions"]["code"] == "validation_error"
    body = await gql(
        client,
        'mutation($id: UUID!) { updateTeamMemberRole(id: $id, input: {role: "Viewer"}) { role } }',
        {"id": str(user.uuid)},
        world.a.cpms(),
    )
    assert body["data"]["updateTeamMemberRole"] == {"role": "Viewer"}
    body = await gql(client, "{ team { email role } }", headers=world.a.cpms())
    assert body["data"]["team"] == [
        {"email": "manager@isla-verde.example.com", "role": "Manager"},
        {"email": "tech@platform.example.com", "role": "Viewer"},
    ]
    body = await gql(
        client,
        "mutation($id: UUID!) { removeTeamMember(id: $id) { id } }",
        {"id": str(user.uuid)},
        world.a.cpms(),
    )
    assert body["data"]["removeTeamMember"] == {"id": str(user.uuid)}
    async with world.services.db.session() as s:
        count = (await s.exec(select(func.count()).select_from(TeamMembership))).one()
    assert count == 2  # one member in each network
