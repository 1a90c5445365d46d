"""Security headers on every answer (REST, GraphQL, health, 404/405, uploads, OCPP refusals), no-store on
answers carrying secrets, no Server banner, and a Content-Security-Policy for GraphiQL that allows what
its page loads (its CDN scripts by URL and its inline script by hash) and nothing else."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.conftest import SQLITE_ONLY
from tests.live import LiveServer
from tests.ocpp_wire import open_raw
from tests.world import CHARGER_PASSWORD, DRIVER_PASSWORD, World


def assert_security_headers(response: httpx.Response, *, no_store: bool = True) -> None:
    headers = response.headers
    where = f"{response.status_code} {response.request.method} {response.request.url}"
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-frame-options") == "DENY", where
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    if no_store:
        assert headers.get("cache-control") == "no-store", where
    assert "server" not in {name.lower() for name in headers}, where


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


async def test_every_kind_of_answer_carries_the_headers(client: httpx.AsyncClient, world: World) -> None:
    answers = [
        await client.get("/health"),
        await client.get("/"),
        await client.get("/cpms/v1/networks", headers=world.a.cpms()),
        await client.get("/cpms/v1/networks"),  # 401
        await client.get("/cpms/v1/networks", headers=world.a.emsp()),  # 401 wrong family
        await client.get("/no/such/route"),  # 404
        await client.delete("/health"),  # 405
        await client.get("/openapi.json"),
        await client.post("/graphql", json={"query": "{ me { scopes } }"}, headers=world.a.cpms()),
        await client.post("/graphql", json={"query": "{ me { scopes } }"}, headers={"X-API-Key": "nope"}),
        await client.put("/ocpp/uploads/forged-token", content=b"x"),  # 403
        await client.post("/cpms/v1/locations", content=b"{not json", headers=world.a.cpms()),  # 400
    ]
    for response in answers:
        assert_security_headers(response)
        assert _directives(response.headers["content-security-policy"])["default-src"] == ["'none'"]


async def test_answers_carrying_secrets_are_not_stored(client: httpx.AsyncClient, world: World) -> None:
    minted = await client.post("/cpms/v1/api-keys", json={"name": "secret"}, headers=world.a.cpms())
    assert minted.status_code == 201 and minted.json()["data"]["key"]
    login = await client.post(
        "/emsp/v1/auth/driver/login",
        json={"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.a.emsp(),
    )
    assert login.status_code == 200, login.text
    refresh_token = login.json()["data"]["refreshToken"]
    refreshed = await client.post(
        "/emsp/v1/auth/driver/refresh", json={"refreshToken": refresh_token}, headers=world.a.emsp()
    )
    assert refreshed.status_code == 200, refreshed.text
    password = await client.post(
        "/graphql",
        json={
            "query": f'mutation {{ setChargerPassword(chargerId: "{world.a.charger.uuid}") {{ password }} }}'
        },
        headers=world.a.cpms(),
    )
    assert password.json()["data"]["setChargerPassword"]["password"], password.text
    for response in (minted, login, refreshed, password):
        assert response.headers["cache-control"] == "no-store"
        assert_security_headers(response)


@SQLITE_ONLY
async def test_graphiql_has_a_policy_allowing_exactly_what_its_page_loads(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_security_headers(page)
    html = page.text
    policy = _directives(page.headers["content-security-policy"])
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    sources = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    assert sources, "GraphiQL loads its scripts from a CDN"
    for src in sources:
        assert src in scripts, src
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    assert inline, "GraphiQL starts from an inline script"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    for href in re.findall(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"", html, flags=re.DOTALL):
        assert href in policy["style-src"], href
    assert policy["connect-src"] == ["'self'"]  # queries over fetch, subscriptions over a same-origin socket
    assert "data:" in policy["img-src"]  # the favicon is a data: URI
    assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'none'"]
    # The JSON API on the same path keeps the strict policy.
    answer = await client.post("/graphql", json={"query": "{ __typename }"})
    assert _directives(answer.headers["content-security-policy"])["default-src"] == ["'none'"]
    assert "script-src" not in _directives(answer.headers["content-security-policy"])


async def test_a_handler_that_sets_its_own_cache_control_keeps_it(server: LiveServer, world: World) -> None:
    async with (
        httpx.AsyncClient(base_url=server.http_url, timeout=10) as http,
        http.stream("GET", "/cpms/v1/events/stream", headers=world.a.cpms()) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["cache-control"] == "no-cache"
        assert_security_headers(stream, no_store=False)


async def test_the_real_server_sends_no_banner(server: LiveServer, world: World) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        for response in (
            await http.get("/health"),
            await http.get("/nope"),
            await http.post("/graphql", json={"query": "{ me { scopes } }"}, headers=world.a.cpms()),
        ):
            assert_security_headers(response)


@pytest.mark.parametrize(
    ("uid", "protocols", "password"),
    [
        ("CP-NOPE", ["ocpp1.6"], CHARGER_PASSWORD),
        ("CP-A-01", ["ocpp1.6"], "wrong-password-123"),
        ("CP-A-01", ["ocpp9"], CHARGER_PASSWORD),
    ],
)
async def test_an_ocpp_handshake_refusal_carries_the_headers(
    server: LiveServer, world: World, uid: str, protocols: list[str], password: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await open_raw(server.ocpp_url(), uid, protocols=protocols, password=password)
    response = refused.value.response
    assert response.status_code == 403
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", "")
    assert "Server" not in response.headers
