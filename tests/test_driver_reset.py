"""A signed-in driver may reset a charger, always Soft (issue 9 item 11).

``POST /emsp/v1/remote-control/{chargerId}/reset`` documents: "Driver-authenticated callers are forced
to Soft even if they request Hard"; ``POST /emsp/v1/chargers/{id}/reboot`` and the GraphQL
``rebootCharger`` follow the same rule. A driver may reset a public charger of their network or the one
they charge on, never while someone else charges there (409), and the answer reports the type issued.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from domain.models import Charger, ChargingSession
from domain.types import utcnow
from tests import device_control
from tests.device_control import VERSIONS, actions, charger, eventually
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.test_emsp_remote_control import driver_headers
from tests.test_reservations import driver_headers as login_driver
from tests.world import World, gql

RESET = "/emsp/v1/remote-control/{chargerId}/reset"
REBOOT = "/emsp/v1/chargers/{id}/reboot"
GQL_REBOOT = """mutation($id: UUID!, $t: String!) { rebootCharger(chargerId: $id, type: $t)
  { detail result { accepted } } }"""

settings = device_control.settings


def reset_url(world: World) -> str:
    return RESET.replace("{chargerId}", str(world.a.charger.uuid))


def reboot_url(world: World) -> str:
    return REBOOT.replace("{id}", str(world.a.charger.uuid))


def soft(version: str) -> dict[str, Any]:
    """A Soft reset as the charger receives it (2.0.1: OnIdle, which waits for transactions to end)."""
    return {"type": "Soft"} if version == "1.6" else {"type": "OnIdle"}


async def add_session(
    world: World, *, user_id: int | None, status: str = "ACTIVE", ended: bool = False
) -> None:
    async with world.services.db.unit_of_work() as s:
        assert world.a.charger.id is not None
        s.add(
            ChargingSession(
                network_id=world.a.network.id or 0,
                charger_id=world.a.charger.id,
                connector_id=world.a.connectors[1].id,
                connector_number=2,
                user_id=user_id,
                status=status,
                started_at=utcnow() - timedelta(hours=1),
                ended_at=utcnow() - timedelta(minutes=5) if ended else None,
            )
        )


async def make_private(world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await s.get(Charger, world.a.charger.id)
        assert row is not None
        row.is_public = False
        s.add(row)


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_driver_asking_for_hard_gets_a_soft_reset_on_both_paths(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world.a, version) as cp:
        # The driver is not charging there: the charger is public in their network.
        r = await client.post(reset_url(world), json={"type": "Hard"}, headers=headers)
        assert r.status_code == 200, r.text
        assert_shape("POST", RESET, r.json())
        assert r.json()["data"] == {
            "chargerId": str(world.a.charger.uuid),
            "type": "Soft",
            "accepted": True,
            "reason": None,
            "retryable": False,
        }
        assert await cp.wait_for("Reset") == soft(version)

        r = await client.post(reboot_url(world), json={"type": "Hard"}, headers=headers)
        assert r.status_code == 200, r.text
        assert_shape("POST", REBOOT, r.json())
        assert r.json()["data"]["status"] == "Accepted"
        assert r.json()["data"]["message"] == "Soft reset command sent successfully"
        assert await cp.wait_for("Reset") == soft(version)

        body = await gql(client, GQL_REBOOT, {"id": str(world.a.charger.uuid), "t": "Hard"}, headers)
        assert body["data"]["rebootCharger"] == {"detail": "Soft", "result": {"accepted": True}}, body
        assert await cp.wait_for("Reset") == soft(version)

        # The app's key alone (no driver signed in) still issues the Hard reset it asks for.
        r = await client.post(reset_url(world), json={"type": "Hard"}, headers=world.a.emsp())
        assert r.json()["data"]["type"] == "Hard"
        assert (await cp.wait_for("Reset"))["type"] == ("Hard" if version == "1.6" else "Immediate")


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_driver_resets_the_charger_they_charge_on(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world.a, version, reboot_on_reset=True) as cp:
        await cp.start_transaction(1, world.a.token_uid, meter_start_wh=0)

        async def active() -> bool:
            async with world.services.db.session() as s:
                found = await s.exec(select(ChargingSession).where(ChargingSession.status == "ACTIVE"))
                return found.first() is not None

        await eventually(active)
        r = await client.post(reset_url(world), json={"type": "Hard"}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["type"] == "Soft" and r.json()["data"]["accepted"] is True
        assert await cp.wait_for("Reset") == soft(version)


@pytest.mark.parametrize("path", [RESET, REBOOT])
async def test_a_driver_may_not_interrupt_someone_else(
    client: httpx.AsyncClient, world: World, server: LiveServer, path: str
) -> None:
    headers = await driver_headers(client, world)
    url = reset_url(world) if path == RESET else reboot_url(world)
    async with charger(server, world.a, "1.6") as cp:
        # Someone else (an RFID card, no account) charges on connector 2.
        await add_session(world, user_id=None)
        r = await client.post(url, json={}, headers=headers)
        assert r.status_code == 409, r.text
        assert_error(r.json(), "charger_in_use")
        body = await gql(client, GQL_REBOOT, {"id": str(world.a.charger.uuid), "t": "Soft"}, headers)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "charger_in_use", body
        # The operator's app key may still reset it.
        r = await client.post(url, json={}, headers=world.a.emsp())
        assert r.status_code == 200, r.text
        assert actions(cp) == ["Reset"]


async def test_a_private_charger_only_where_the_driver_charges(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    headers = await driver_headers(client, world)
    await make_private(world)
    async with charger(server, world.a, "2.0.1") as cp:
        for url in (reset_url(world), reboot_url(world)):
            r = await client.post(url, json={"type": "Hard"}, headers=headers)
            assert r.status_code == 403, r.text
            assert_error(r.json(), "forbidden")
        assert cp.received == []
        # Finished charging there five minutes ago: allowed, Soft.
        assert world.a.driver.id is not None
        await add_session(world, user_id=world.a.driver.id, status="COMPLETED", ended=True)
        r = await client.post(reset_url(world), json={"type": "Hard"}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["type"] == "Soft"
        assert await cp.wait_for("Reset") == {"type": "OnIdle"}
        # Bad input is still refused (422) and another network's driver is not found.
        r = await client.post(reset_url(world), json={"type": "Sideways"}, headers=headers)
        assert r.status_code == 422
        other = await login_driver(client, world, "b")
        r = await client.post(reset_url(world), json={}, headers=other)
        assert r.status_code == 404
        assert actions(cp) == ["Reset"]
