"""/emsp/v1 remote control (reboot, unlock, trigger, reset) over a live charger: an emsp key acts on
chargers of its networks; a driver only where they charge now or did in the last 15 minutes (a driver's
reset: tests/test_driver_reset.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from domain.models import ChargingSession
from domain.types import utcnow
from tests import device_control
from tests.device_control import VERSIONS, actions, charger
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.world import DRIVER_PASSWORD, World, gql

RC = "/emsp/v1/remote-control/{chargerId}"

# The device-control fixtures: the app on a known port, a short command timeout, uploads in tmp.
settings = device_control.settings


def rc(world: World, action: str) -> str:
    return f"/emsp/v1/remote-control/{world.a.charger.uuid}/{action}"


async def driver_headers(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    r = await client.post(
        "/emsp/v1/auth/driver/login",
        json={"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=world.a.emsp(),
    )
    assert r.status_code == 200, r.text
    return {**world.a.emsp(), "Authorization": f"Bearer {r.json()['data']['accessToken']}"}


async def add_session(world: World, status: str, ended_minutes_ago: int | None = None) -> None:
    ended = utcnow() - timedelta(minutes=ended_minutes_ago) if ended_minutes_ago is not None else None
    async with world.services.db.unit_of_work() as s:
        assert world.a.charger.id is not None and world.a.driver.id is not None
        s.add(
            ChargingSession(
                network_id=world.a.network.id or 0,
                charger_id=world.a.charger.id,
                connector_id=world.a.connectors[0].id,
                user_id=world.a.driver.id,
                status=status,
                started_at=utcnow() - timedelta(hours=1),
                ended_at=ended,
            )
        )


async def call(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    return await client.post(url, json=body, headers=headers)


@pytest.mark.parametrize("version", VERSIONS)
async def test_emsp_key_controls_its_networks_chargers(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    async with charger(server, world.a, version) as cp:
        r = await call(client, rc(world, "unlock"), {"connectorNumber": 2}, world.a.emsp())
        assert r.status_code == 200, r.text
        assert_shape("POST", f"{RC}/unlock", r.json())
        assert r.json()["data"] == {
            "chargerId": str(world.a.charger.uuid),
            "connectorNumber": 2,
            "accepted": True,
            "reason": None,
            "retryable": False,
        }
        sent = await cp.wait_for("UnlockConnector")
        assert sent.get("connectorId" if version == "1.6" else "evseId") == 2

        r = await call(
            client,
            rc(world, "trigger"),
            {"message": "StatusNotification", "connectorNumber": 1},
            world.a.emsp(),
        )
        assert r.status_code == 200, r.text
        assert_shape("POST", f"{RC}/trigger", r.json())
        assert r.json()["data"]["message"] == "StatusNotification" and r.json()["data"]["accepted"] is True
        assert (await cp.wait_for("TriggerMessage"))["requestedMessage"] == "StatusNotification"

        cp.responses["Reset"] = "Rejected"
        r = await call(client, rc(world, "reset"), {"type": "Hard"}, world.a.emsp())
        assert r.status_code == 200, r.text
        assert_shape("POST", f"{RC}/reset", r.json())
        data = r.json()["data"]
        assert data["type"] == "Hard" and data["accepted"] is False and data["retryable"] is False
        assert data["reason"]

        del cp.responses["Reset"]
        r = await call(client, f"/emsp/v1/chargers/{world.a.charger.uuid}/reboot", {}, world.a.emsp())
        assert r.status_code == 200, r.text
        assert_shape("POST", "/emsp/v1/chargers/{id}/reboot", r.json())
        assert r.json()["data"]["status"] == "Accepted"
        assert r.json()["data"]["message"] == "Soft reset command sent successfully"
        assert actions(cp).count("Reset") == 2

        body = await gql(
            client,
            "mutation($id: UUID!) { unlockConnector(chargerId: $id) { result { accepted } } }",
            {"id": str(world.a.charger.uuid)},
            world.a.emsp(),
        )
        assert body["data"]["unlockConnector"]["result"]["accepted"] is True


async def test_offline_charger_is_retryable(client: httpx.AsyncClient, world: World) -> None:
    r = await call(client, rc(world, "reset"), {}, world.a.emsp())
    assert r.status_code == 200, r.text
    assert r.json()["data"]["accepted"] is False and r.json()["data"]["retryable"] is True
    r = await call(client, f"/emsp/v1/chargers/{world.a.charger.uuid}/reboot", {}, world.a.emsp())
    assert r.json()["data"]["status"] == "Offline"


async def test_driver_controls_only_where_charging(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world.a, "1.6") as cp:
        r = await call(client, rc(world, "unlock"), {}, headers)
        assert r.status_code == 403, r.text
        assert_error(r.json(), "forbidden")

        await add_session(world, "COMPLETED", ended_minutes_ago=20)
        r = await call(client, rc(world, "unlock"), {}, headers)
        assert r.status_code == 403
        assert cp.received == []

        await add_session(world, "COMPLETED", ended_minutes_ago=5)
        r = await call(client, rc(world, "unlock"), {}, headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["accepted"] is True
        r = await call(client, rc(world, "trigger"), {}, headers)
        assert r.status_code == 200 and r.json()["data"]["message"] == "StatusNotification"
        assert actions(cp) == ["UnlockConnector", "TriggerMessage"]
        # A driver's reset follows its own rule (always Soft): tests/test_driver_reset.py.


async def test_active_session_lets_the_driver_unlock(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    headers = await driver_headers(client, world)
    await add_session(world, "ACTIVE")
    async with charger(server, world.a, "2.0.1") as cp:
        r = await call(client, rc(world, "unlock"), {"connectorNumber": 1}, headers)
        assert r.status_code == 200, r.text
        assert (await cp.wait_for("UnlockConnector"))["evseId"] == 1


async def test_other_network_and_bad_input(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    async with charger(server, world.a, "1.6") as cp:
        for action in ("unlock", "trigger", "reset"):
            r = await call(client, rc(world, action), {}, world.b.emsp())
            assert r.status_code == 404, action
            assert_error(r.json(), "not_found")
        r = await call(client, f"/emsp/v1/chargers/{world.a.charger.uuid}/reboot", {}, world.b.emsp())
        assert r.status_code == 404
        r = await call(client, rc(world, "unlock"), {"connectorNumber": 7}, world.a.emsp())
        assert r.status_code == 422
        r = await call(client, rc(world, "trigger"), {"message": "Nope"}, world.a.emsp())
        assert r.status_code == 422
        r = await call(client, rc(world, "reset"), {"type": "Sideways"}, world.a.emsp())
        assert r.status_code == 422
        assert cp.received == []
