"""Charger passwords: set or rotated by the operator (GraphQL and CLI), shown once, stored hashed, and
what the OCPP handshake then accepts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from chargegraph.cli import main
from chargegraph.settings import get_settings
from domain.models import Charger
from domain.secrets import verify_password
from tests.live import LiveServer
from tests.ocpp_wire import open_raw
from tests.world import CHARGER_PASSWORD, World, gql

SET_PASSWORD = """
mutation($id: UUID!, $password: String) {
  setChargerPassword(chargerId: $id, password: $password) { chargerId chargePointId password }
}
"""


async def _can_connect(server: LiveServer, uid: str, password: str) -> bool:
    try:
        ws = await open_raw(server.ocpp_url(), uid, protocols=["ocpp1.6"], password=password)
    except InvalidStatus:
        return False
    await ws.close()
    return True


async def test_operator_rotates_a_password_and_only_the_new_one_connects(
    server: LiveServer, client: httpx.AsyncClient, world: World
) -> None:
    body = await gql(client, SET_PASSWORD, {"id": str(world.a.charger.uuid)}, world.a.cpms())
    result = body["data"]["setChargerPassword"]
    assert result["chargePointId"] == "CP-A-01" and result["chargerId"] == str(world.a.charger.uuid)
    new = result["password"]
    assert 16 <= len(new) <= 40
    assert await _can_connect(server, "CP-A-01", new)
    assert not await _can_connect(server, "CP-A-01", CHARGER_PASSWORD)

    chosen = "my-chosen-password-1"
    body = await gql(
        client, SET_PASSWORD, {"id": str(world.a.charger.uuid), "password": chosen}, world.a.cpms()
    )
    assert body["data"]["setChargerPassword"]["password"] == chosen
    async with world.services.db.session() as s:
        charger = await s.get(Charger, world.a.charger.id)
        assert charger is not None and charger.password_hash is not None
        assert chosen not in charger.password_hash and verify_password(charger.password_hash, chosen)


async def test_password_rules_and_tenancy(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(
        client, SET_PASSWORD, {"id": str(world.a.charger.uuid), "password": "short"}, world.a.cpms()
    )
    assert body["data"] is None and body["errors"]
    body = await gql(client, SET_PASSWORD, {"id": str(world.b.charger.uuid)}, world.a.cpms())
    assert body["data"] is None
    assert "not found" in body["errors"][0]["message"].lower()
    body = await gql(client, SET_PASSWORD, {"id": str(world.a.charger.uuid)}, world.a.emsp())
    assert body["data"] is None and body["errors"]


@pytest.fixture
def database_env(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = world.services.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("database_env")
async def test_cli_sets_a_password_and_prints_it_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*argv: str) -> Any:
        return main(list(argv))

    assert await asyncio.to_thread(run, "chargers", "password", "CP-B-01") == 0
    printed = capsys.readouterr().out.strip()
    assert 16 <= len(printed) <= 40
    async with world.services.db.session() as s:
        charger = await s.get(Charger, world.b.charger.id)
        assert charger is not None and verify_password(charger.password_hash, printed)
    assert (
        await asyncio.to_thread(run, "chargers", "password", "CP-B-01", "--password", "cli-chosen-pass-99")
        == 0
    )
    assert capsys.readouterr().out.strip() == "cli-chosen-pass-99"
    assert await asyncio.to_thread(run, "chargers", "password", "NO-SUCH-CP") == 1
