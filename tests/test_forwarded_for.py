"""Which address an IP allow-list sees: ``X-Forwarded-For`` counts only when proxy headers are trusted,
only when it comes from a trusted proxy, and then its right-most untrusted hop (a client can write
any hop it likes in front of what its proxy appends). Through real ``chargegraph serve`` processes
(uvicorn's own proxy-header handling would otherwise decide first), and in-process for both transports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chargegraph.app import create_app
from chargegraph.settings import Settings
from domain.container import Services
from tests import instances
from tests.conftest import BACKENDS
from tests.fresh import SECRET_KEY, chargegraph, fresh_database
from tests.spec import assert_error
from tests.world import World

ALLOWED = "203.0.113.7"
"""The one address the key is allow-listed for (TEST-NET-3)."""
ME = {"query": "{ me { scopes } }"}


async def _minted_key(url: str, cwd: Path) -> str:
    assert (await chargegraph(url, "migrate", cwd=cwd)).code == 0
    created = await chargegraph(
        url, "keys", "create", "--name", "proxied", "--all-networks", "--allow-ip", ALLOWED, cwd=cwd
    )
    secret: str = created.json()["key"]
    return secret


def _env(url: str, workdir: Path, **settings: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "CHARGEGRAPH_SECRET_KEY": SECRET_KEY,
        "CHARGEGRAPH_SECRET_KEY_FILE": str(workdir / "secret"),
        "CHARGEGRAPH_UPLOAD_DIR": str(workdir / "uploads"),
        "CHARGEGRAPH_LOG_LEVEL": "warning",
        **settings,
    }


async def _statuses(http: httpx.AsyncClient, secret: str, forwarded: str | None) -> tuple[int, int]:
    """The REST and the GraphQL answer's status for the key, claiming ``forwarded`` (or nothing)."""
    headers = {"X-API-Key": secret}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    rest = await http.get("/cpms/v1/networks", headers=headers)
    if rest.status_code != 200:
        assert_error(rest.json(), "ip_not_allowed")
    graphql = await http.post("/graphql", json=ME, headers=headers)
    if graphql.status_code != 200:
        assert graphql.json()["errors"][0]["extensions"]["code"] == "ip_not_allowed"
    return rest.status_code, graphql.status_code


@pytest.fixture(scope="module", params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, Path, str]]:
    """A fresh database after ``chargegraph migrate``, with a key allow-listed for ``ALLOWED`` only."""
    workdir = tmp_path_factory.mktemp("xff")
    async with fresh_database(request.param, workdir) as url:
        yield url, workdir, await _minted_key(url, workdir)


CASES = [
    # (name, settings, status of a request from 127.0.0.1 claiming X-Forwarded-For: ALLOWED)
    ("trust-off", {"CHARGEGRAPH_TRUST_PROXY_HEADERS": "false"}, 403),
    ("trust-on-local-proxy", {"CHARGEGRAPH_TRUST_PROXY_HEADERS": "true"}, 200),
    (
        "trust-on-other-proxy",
        {"CHARGEGRAPH_TRUST_PROXY_HEADERS": "true", "CHARGEGRAPH_FORWARDED_ALLOW_IPS": "10.0.0.1"},
        403,
    ),
]


@pytest.mark.parametrize(("name", "settings", "claimed"), CASES, ids=[case[0] for case in CASES])
async def test_serve_honours_forwarded_for_only_from_trusted_proxies(
    database: tuple[str, Path, str], name: str, settings: dict[str, str], claimed: int
) -> None:
    url, workdir, secret = database
    instance = await instances.start(name, _env(url, workdir, **settings), workdir)
    try:
        async with httpx.AsyncClient(base_url=instance.server.http_url, timeout=10) as http:
            assert await _statuses(http, secret, ALLOWED) == (claimed, claimed), instance.log()
            # Without a claim the caller is 127.0.0.1, which the key does not allow.
            assert await _statuses(http, secret, None) == (403, 403)
            # A client behind the proxy wrote ALLOWED itself; the proxy appended the real address.
            assert await _statuses(http, secret, f"{ALLOWED}, 198.51.100.9") == (403, 403)
            if claimed == 200:
                # Several trusted hops: the right-most one that is not a trusted proxy is the client.
                assert await _statuses(http, secret, f"198.51.100.9, {ALLOWED}, 127.0.0.1") == (200, 200)
    finally:
        await instance.stop()


async def _key(client: httpx.AsyncClient, world: World, **body: Any) -> str:
    r = await client.post("/cpms/v1/api-keys", json={"name": "probe", **body}, headers=world.a.cpms())
    assert r.status_code == 201, r.text
    secret: str = r.json()["data"]["key"]
    return secret


@pytest.mark.parametrize("trust", [False, True])
async def test_the_app_decides_the_client_address_itself(
    settings: Settings, services: Services, world: World, trust: bool
) -> None:
    """The same rules in-process (the test client's peer is 127.0.0.1), so every ASGI server agrees."""
    app = create_app(
        settings.model_copy(update={"trust_proxy_headers": trust}), services=services, migrate=False
    )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        secret = await _key(client, world, allowedIPs=[ALLOWED])
        expected = 200 if trust else 403
        assert await _statuses(client, secret, ALLOWED) == (expected, expected)
        assert await _statuses(client, secret, f"{ALLOWED}, 198.51.100.9") == (403, 403)
        assert await _statuses(client, secret, None) == (403, 403)
