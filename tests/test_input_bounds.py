"""Cheap bad input is a 4xx and writes nothing: deep JSON, NUL characters, page overflow, huge bodies.

REST and GraphQL, on SQLite and PostgreSQL; the body limit and deep JSON also through a real uvicorn.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import func, select

from chargegraph.app import create_app
from chargegraph.settings import Settings
from domain.container import Services
from domain.models import Location, User
from tests.conftest import SQLITE_ONLY
from tests.graphql_ws import LEGACY_WS, TRANSPORT_WS, connect
from tests.live import LiveServer
from tests.spec import assert_error
from tests.world import World, gql

DEEP = "[" * 1000 + "]" * 1000
LIMIT = 1_048_576
CITY_QUERY = "query { locations(city: $) { pageInfo { total } } }"
CREATE_LOCATION = "mutation($input: LocationCreateInput!) { createLocation(input: $input) { id } }"
NEW_DRIVER = {"email": "nul@example.com", "password": "s3cret-pass", "firstName": "Ana", "lastName": "Ruiz"}
PAGED = [
    ("/cpms/v1/locations", "cpms"),
    ("/cpms/v1/chargers", "cpms"),
    ("/cpms/v1/tariffs", "cpms"),
    ("/emsp/v1/locations", "emsp"),
    ("/emsp/v1/users", "emsp"),
]


async def rows(world: World) -> dict[str, int]:
    async with world.services.db.session() as s:
        return {
            model.__name__: int((await s.exec(select(func.count()).select_from(model))).one())
            for model in (Location, User)
        }


def headers(world: World, family: str) -> dict[str, str]:
    return world.a.cpms() if family == "cpms" else world.a.emsp()


def assert_graphql_refusal(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code, "status": status}, error
    assert error["message"]


def graphql_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    return dict(error)


# 1. Deeply nested JSON


async def test_deep_json_body_is_a_400_on_rest_routes(client: httpx.AsyncClient, world: World) -> None:
    before = await rows(world)
    for path, family in [
        ("/cpms/v1/locations", "cpms"),
        ("/emsp/v1/auth/driver/register", "emsp"),
        ("/emsp/v1/auth/driver/login", "emsp"),
    ]:
        r = await client.post(
            path, content=DEEP, headers={**headers(world, family), "Content-Type": "application/json"}
        )
        assert r.status_code == 400, (path, r.text)
        assert_error(r.json(), "invalid_json")
        assert "nested" in r.json()["message"]
    assert await rows(world) == before


@SQLITE_ONLY
async def test_deep_json_body_is_a_400_on_graphql_without_a_credential(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", content=DEEP, headers={"Content-Type": "application/json"})
    assert_graphql_refusal(r, 400, "invalid_json")
    r = await client.post("/graphql", content="{not json", headers={"Content-Type": "application/json"})
    assert_graphql_refusal(r, 400, "invalid_json")
    r = await client.get("/graphql", params={"query": "{ __typename }", "variables": "[" * 100 + "]" * 100})
    assert_graphql_refusal(r, 400, "invalid_json")


async def test_deep_graphql_variables_are_refused(client: httpx.AsyncClient, world: World) -> None:
    before = await rows(world)
    deep: Any = "x"
    for _ in range(100):
        deep = {"a": deep}
    body = json.dumps({"query": CREATE_LOCATION, "variables": {"input": {"name": "Deep", "extra": deep}}})
    r = await client.post(
        "/graphql", content=body, headers={**world.a.cpms(), "Content-Type": "application/json"}
    )
    assert_graphql_refusal(r, 400, "invalid_json")
    assert await rows(world) == before


async def test_deeply_nested_graphql_documents_are_errors_not_crashes(
    client: httpx.AsyncClient, world: World
) -> None:
    key = world.a.cpms()
    # A list argument nested 1000 deep: graphql-core's parser refuses it.
    body = await gql(client, CITY_QUERY.replace("$", DEEP), headers=key)
    assert "nested too deeply" in body["errors"][0]["message"]
    # Just under the parser's bound, within the token limit: refused before validation recurses.
    literal = "[" * 190 + '"x"' + "]" * 190
    body = await gql(client, CITY_QUERY.replace("$", literal), headers=key)
    graphql_error(body, "too_deep")
    # A chain of fragments: depth of fields stays 1, the recursive depth check would exhaust the stack.
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(240))
    body = await gql(
        client, "query { ...F0 } " + chain + " fragment F240 on Query { __typename }", headers=key
    )
    error = graphql_error(body, "too_deep")
    assert "recursion" not in error["message"]
    # Each fragment spreading the next twice: exponential work for the depth check, refused at once.
    fan = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    body = await gql(client, "query { ...F0 } " + fan + " fragment F30 on Query { __typename }", headers=key)
    graphql_error(body, "too_complex")
    # An ordinary query with fragments still runs.
    body = await gql(
        client,
        "query { ...A } fragment A on Query { locations { items { ...B } } } fragment B on Location { name }",
        headers=key,
    )
    assert body["data"]["locations"]["items"] == [{"name": world.a.location.name}]


async def test_deep_json_on_a_graphql_websocket_closes_it_cleanly(server: LiveServer, world: World) -> None:
    url = server.ws_url + "/graphql"
    async with connect(url, TRANSPORT_WS, params={"apiKey": world.a.cpms_key}) as client:
        await client.ws.send(DEEP)
        assert await client.closed() == (4400, "WebSocket message must be valid JSON")
    async with connect(url, LEGACY_WS, params={"apiKey": world.a.cpms_key}) as client:
        await client.ws.send(DEEP)  # the legacy protocol ignores a message it cannot parse
        result = await client.execute("{ __typename }")
        assert result == {"data": {"__typename": "Query"}}


async def test_deep_json_through_a_real_server(server: LiveServer, world: World) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        r = await http.post(
            "/emsp/v1/auth/driver/login",
            content=DEEP,
            headers={**world.a.emsp(), "Content-Type": "application/json"},
        )
        assert r.status_code == 400
        assert_error(r.json(), "invalid_json")
        r = await http.post("/graphql", content=DEEP, headers={"Content-Type": "application/json"})
        assert_graphql_refusal(r, 400, "invalid_json")


# 2. NUL characters


async def test_nul_in_a_rest_body_is_a_400_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await rows(world)
    r = await client.post("/cpms/v1/locations", json={"name": "a\u0000b"}, headers=world.a.cpms())
    assert r.status_code == 400, r.text
    assert_error(r.json(), "invalid_json")
    r = await client.put(
        f"/cpms/v1/locations/{world.a.location.uuid}", json={"city": "x\u0000"}, headers=world.a.cpms()
    )
    assert r.status_code == 400, r.text
    r = await client.post(
        "/emsp/v1/auth/driver/register", json={**NEW_DRIVER, "firstName": "A\u0000"}, headers=world.a.emsp()
    )
    assert r.status_code == 400, r.text
    assert_error(r.json(), "invalid_json")
    r = await client.post(
        "/emsp/v1/auth/driver/register", json={**NEW_DRIVER, "email\u0000": "x"}, headers=world.a.emsp()
    )
    assert r.status_code == 400, r.text
    assert await rows(world) == before


@pytest.mark.parametrize(
    "path",
    [
        "/emsp/v1/locations?q=a%00b",
        "/emsp/v1/users?search=a%00b",
        "/emsp/v1/locations?city=%00",
        "/cpms/v1/locations?page=1%00",
        "/cpms/v1/locations/abc%00def",
        "/emsp/v1/users/%00",
    ],
)
async def test_nul_in_a_query_or_path_parameter_is_a_400(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    family = path.split("/")[1]
    r = await client.get(path, headers=headers(world, family))
    assert r.status_code == 400, r.text
    assert_error(r.json(), "invalid_parameter")


async def test_nul_in_graphql_input_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await rows(world)
    key = world.a.cpms()
    # In variables: refused with the JSON.
    r = await client.post(
        "/graphql", json={"query": CREATE_LOCATION, "variables": {"input": {"name": "a\u0000"}}}, headers=key
    )
    assert_graphql_refusal(r, 400, "invalid_json")
    # As an escape in a string literal of the document: a validation error, nothing runs.
    body = await gql(client, 'mutation { createLocation(input: {name: "a\\u0000b"}) { id } }', headers=key)
    graphql_error(body, "nul_character")
    body = await gql(client, 'query { locations(q: "\\u0000") { pageInfo { total } } }', headers=key)
    graphql_error(body, "nul_character")
    body = await gql(
        client, 'query { users(search: "a\\u0000") { pageInfo { total } } }', headers=world.a.emsp()
    )
    graphql_error(body, "nul_character")
    register = "mutation($i: DriverRegisterInput!) { registerDriver(input: $i) { tokenType } }"
    variables = {"i": {**NEW_DRIVER, "firstName": "\u0000"}}
    r = await client.post(
        "/graphql", json={"query": register, "variables": variables}, headers=world.a.emsp()
    )
    assert_graphql_refusal(r, 400, "invalid_json")
    # GET: a NUL in the query string itself, or escaped in the document.
    r = await client.get(
        "/graphql?query=" + quote('{ locations(q: "a\x00") { pageInfo { total } } }'), headers=key
    )
    assert_graphql_refusal(r, 400, "invalid_parameter")
    r = await client.get(
        "/graphql", params={"query": '{ locations(q: "a\\u0000") { pageInfo { total } } }'}, headers=key
    )
    assert r.status_code == 200
    graphql_error(r.json(), "nul_character")
    assert await rows(world) == before


# 3. Page bounds


@pytest.mark.parametrize(("path", "family"), PAGED)
async def test_page_bounds_on_paginated_lists(
    client: httpx.AsyncClient, world: World, path: str, family: str
) -> None:
    key = headers(world, family)
    for query, error in [
        ("page=9223372036854775807", "invalid_page"),
        ("page=2147483648", "invalid_page"),
        ("page=0", "invalid_page"),
        ("page=-1", "invalid_page"),
        ("pageSize=0", "invalid_page_size"),
        ("pageSize=101", "invalid_page_size"),
    ]:
        r = await client.get(f"{path}?{query}", headers=key)
        assert r.status_code == 400, (query, r.text)
        assert_error(r.json(), error)
    r = await client.get(f"{path}?page=2147483647&pageSize=100", headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == []
    if "pagination" in r.json():  # /emsp/v1/locations answers a bare list, as documented
        assert r.json()["pagination"]["page"] == 2147483647
    r = await client.get(path, headers=key)
    assert r.status_code == 200
    assert r.json()["data"]


async def test_page_bounds_on_graphql_lists(client: httpx.AsyncClient, world: World) -> None:
    key = world.a.cpms()
    query = "query($p: Int!, $s: Int!) { locations(page: $p, pageSize: $s) "
    query += "{ items { name } pageInfo { total } } }"
    body = await gql(client, query, {"p": 2147483647, "s": 100}, headers=key)
    assert body["data"]["locations"] == {"items": [], "pageInfo": {"total": 1}}
    body = await gql(client, query, {"p": 0, "s": 50}, headers=key)
    graphql_error(body, "invalid_page")
    body = await gql(client, query, {"p": 1, "s": 0}, headers=key)
    graphql_error(body, "invalid_page_size")
    body = await gql(client, query, {"p": 9223372036854775807, "s": 50}, headers=key)
    assert body["data"] is None and "Int cannot represent" in body["errors"][0]["message"]


# 5. Body limit


async def test_a_body_over_the_limit_is_a_413_before_it_is_read(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await rows(world)
    big = json.dumps({"name": "x" * LIMIT}).encode()
    r = await client.post(
        "/cpms/v1/locations", content=big, headers={**world.a.cpms(), "Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert_error(r.json(), "payload_too_large")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 65536
        yield b"{}"

    r = await client.post(
        "/cpms/v1/locations",
        content=chunked(),
        headers={**world.a.cpms(), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert_error(r.json(), "payload_too_large")
    r = await client.post("/graphql", content=big, headers={"Content-Type": "application/json"})
    assert_graphql_refusal(r, 413, "payload_too_large")
    assert await rows(world) == before
    # Just under the limit is read and answered as usual.
    r = await client.post("/cpms/v1/locations", json={"name": "Small"}, headers=world.a.cpms())
    assert r.status_code == 201, r.text


async def test_the_body_limit_is_a_setting(settings: Settings, services: Services, world: World) -> None:
    assert Settings(CHARGEGRAPH_MAX_BODY_BYTES="2048").max_body_bytes == 2048
    app = create_app(settings.model_copy(update={"max_body_bytes": 200}), services=services, migrate=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        r = await http.post("/cpms/v1/locations", json={"name": "x" * 300}, headers=world.a.cpms())
        assert r.status_code == 413
        r = await http.post("/cpms/v1/locations", json={"name": "x" * 100}, headers=world.a.cpms())
        assert r.status_code == 201


@SQLITE_ONLY
async def test_charger_uploads_are_not_bound_by_the_json_limit(client: httpx.AsyncClient) -> None:
    r = await client.put("/ocpp/uploads/not-a-token/diag.log", content=b"x" * (2 * LIMIT))
    assert r.status_code == 403  # the upload route's own answer: its link check, not the JSON limit
    assert r.json()["error"] == "forbidden"


async def _raw_exchange(server: LiveServer, head: bytes, body: bytes) -> bytes:
    """Send a request head and part of a body over a plain socket; what the server answers, while the
    rest of the body is still owed."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(head + body)
        await writer.drain()
        async with asyncio.timeout(10):
            return await reader.read(65536)
    finally:
        writer.close()


async def test_the_body_limit_through_a_real_server(server: LiveServer, world: World) -> None:
    key = world.a.cpms_key.encode()
    common = b"Host: x\r\nContent-Type: application/json\r\nX-API-Key: " + key + b"\r\n"
    # A declared 100 MB body: answered at once, without a byte of it sent.
    head = b"POST /cpms/v1/locations HTTP/1.1\r\n" + common + b"Content-Length: 104857600\r\n\r\n"
    answer = await _raw_exchange(server, head, b"")
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"payload_too_large"' in answer
    # A chunked body: answered once it passes the limit, though it never ends.
    head = b"POST /graphql HTTP/1.1\r\n" + common + b"Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    answer = await _raw_exchange(server, head, chunk * (LIMIT // 65536 + 1))
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"payload_too_large"' in answer
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        r = await http.post("/cpms/v1/locations", content=b"x" * (LIMIT + 1), headers=world.a.cpms())
        assert r.status_code == 413
        assert_error(r.json(), "payload_too_large")
        r = await http.post("/cpms/v1/locations", json={"name": "Fits"}, headers=world.a.cpms())
        assert r.status_code == 201
