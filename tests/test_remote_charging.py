"""End to end over real websockets, both OCPP versions: remote start → the charger starts → ACTIVE with
live meter values → remote stop → COMPLETED with its cost and CDR; rejected and offline starts;
force-stop; driver and emsp start/stop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import select

from domain.models import ChargingSession, Transaction
from ocpp_server.simulator import SimulatedCharger
from tests.device_control import VERSIONS, charger, eventually
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.test_driver_auth import login
from tests.world import World, gql

START = "/cpms/v1/chargers/{chargerUuid}/remote-start"
STOP = "/cpms/v1/chargers/{chargerUuid}/remote-stop"
SESSION = "/cpms/v1/sessions/{id}"


def start_action(version: str) -> str:
    return "RemoteStartTransaction" if version == "1.6" else "RequestStartTransaction"


def stop_action(version: str) -> str:
    return "RemoteStopTransaction" if version == "1.6" else "RequestStopTransaction"


async def row(world: World, session_id: str) -> ChargingSession:
    async with world.services.db.session() as s:
        return (await s.exec(select(ChargingSession).where(ChargingSession.uuid == UUID(session_id)))).one()


async def status_is(world: World, session_id: str, *statuses: str) -> bool:
    return (await row(world, session_id)).status in statuses


async def connected(world: World, cp: SimulatedCharger) -> None:
    async def up() -> bool:
        return world.services.commands.ocpp_version(cp.uid) is not None

    await eventually(up)


async def active(world: World, cp: SimulatedCharger, session_id: str, connector: int = 1) -> None:
    """The session is ACTIVE and the charger knows its transaction id (it sends it with meter values)."""

    async def ready() -> bool:
        return cp.connector(connector).transaction_id is not None and await status_is(
            world, session_id, "ACTIVE"
        )

    await eventually(ready)


async def only_session(world: World) -> str:
    async with world.services.db.session() as s:
        return str((await s.exec(select(ChargingSession))).one().uuid)


async def cdr_count(world: World, session_id: str) -> int:
    found = await row(world, session_id)
    async with world.services.db.session() as s:
        return len((await s.exec(select(Transaction).where(Transaction.session_id == found.id))).all())


async def charge_and_stop(
    client: httpx.AsyncClient, world: World, cp: SimulatedCharger, session_id: str
) -> None:
    """ACTIVE → meter values visible in GET session → remote stop → COMPLETED with cost and one CDR."""
    a = world.a
    await active(world, cp, session_id)
    await cp.meter_values(1, energy_wh=1500, power_w=7200, soc=40)
    r = await client.get(f"/cpms/v1/sessions/{session_id}", headers=a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", SESSION, r.json())
    data = r.json()["data"]
    assert data["status"] == "ACTIVE" and data["energyKwh"] == 1.5 and data["currentPowerKw"] == 7.2
    assert data["chargerId"] == a.charger.id and data["networkId"] == a.network.id
    r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-stop", headers=a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("POST", STOP, r.json())
    stopped = r.json()["data"]
    assert stopped["accepted"] is True and stopped["sessionId"] == session_id
    assert stopped["status"] in ("STOPPING", "COMPLETED")
    await cp.wait_for(stop_action(cp.version))
    await eventually(lambda: status_is(world, session_id, "COMPLETED"))
    final = (await client.get(f"/cpms/v1/sessions/{session_id}", headers=a.cpms())).json()["data"]
    # 1.5 kWh x 0.35 + a few seconds x 2/h + 1 session fee
    assert final["energyKwh"] == 1.5 and final["endedAt"] is not None
    assert 1.52 <= final["total"] <= 1.6 and final["currency"] == "USD"
    assert await cdr_count(world, session_id) == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_remote_start_via_rest_to_completed_session(
    client: httpx.AsyncClient, server: LiveServer, world: World, version: str
) -> None:
    a = world.a
    async with charger(server, a, version) as cp:
        await connected(world, cp)
        r = await client.post(
            f"/cpms/v1/chargers/{a.charger.uuid}/remote-start", json={"connectorNumber": 1}, headers=a.cpms()
        )
        assert r.status_code == 200, r.text
        assert_shape("POST", START, r.json())
        data = r.json()["data"]
        assert data["accepted"] is True and data["chargerId"] == str(a.charger.uuid)
        assert data["connectorNumber"] == 1 and data["idTag"].startswith("OPERATOR-")
        sent = await cp.wait_for(start_action(version))
        if version == "1.6":
            assert sent["idTag"] == data["idTag"] and sent["connectorId"] == 1
        else:
            assert sent["idToken"]["idToken"] == data["idTag"] and sent["evseId"] == 1
        session_id = await only_session(world)
        assert (await row(world, session_id)).correlation_id is not None
        await charge_and_stop(client, world, cp, session_id)


@pytest.mark.parametrize("version", VERSIONS)
async def test_remote_start_via_graphql_with_a_drivers_token(
    client: httpx.AsyncClient, server: LiveServer, world: World, version: str
) -> None:
    a = world.a
    async with charger(server, a, version) as cp:
        await connected(world, cp)
        body = await gql(
            client,
            """mutation($c: UUID!, $t: String) { remoteStart(chargerId: $c, idTag: $t, connectorNumber: 1) {
                 result { accepted reason retryable }
                 session { id status idTag correlationId charger { id } connectorNumber } } }""",
            {"c": str(a.charger.uuid), "t": a.token_uid},
            a.cpms(),
        )
        assert "errors" not in body, body
        payload = body["data"]["remoteStart"]
        assert payload["result"] == {"accepted": True, "reason": None, "retryable": False}
        session = payload["session"]
        assert session["idTag"] == a.token_uid and session["charger"]["id"] == str(a.charger.uuid)
        assert session["status"] in ("PENDING", "ACTIVE") and session["correlationId"]
        await active(world, cp, session["id"])
        assert (await row(world, session["id"])).user_id == a.driver.id  # the token's driver
        await cp.meter_values(1, energy_wh=1500, power_w=7200, soc=40)
        live = await gql(
            client,
            "query($id: UUID!) { session(id: $id) { status energyKwh powerKw socPercent cost { total } } }",
            {"id": session["id"]},
            a.cpms(),
        )
        got = live["data"]["session"]
        assert (Decimal(got["energyKwh"]), Decimal(got["powerKw"]), Decimal(got["socPercent"])) == (
            Decimal("1.5"),
            Decimal("7.2"),
            Decimal(40),
        )
        assert got["status"] == "ACTIVE" and got["cost"]["total"] is None
        stop = await gql(
            client,
            "mutation($c: UUID!) { remoteStop(chargerId: $c) { result { accepted } session { status } } }",
            {"c": str(a.charger.uuid)},
            a.cpms(),
        )
        assert stop["data"]["remoteStop"]["result"]["accepted"] is True
        await eventually(lambda: status_is(world, session["id"], "COMPLETED"))
        done = await row(world, session["id"])
        assert done.total is not None and done.total > Decimal("1.5") and done.energy_wh == 1500
        assert await cdr_count(world, session["id"]) == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_rejected_start_faults_the_session(
    client: httpx.AsyncClient, server: LiveServer, world: World, version: str
) -> None:
    a = world.a
    async with charger(server, a, version) as cp:
        await connected(world, cp)
        cp.responses[start_action(version)] = "Rejected"
        r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-start", headers=a.cpms())
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["accepted"] is False and data["transactionId"] is None
        assert "not accepted" in data["message"]
        found = await row(world, await only_session(world))
        assert found.status == "FAULTED" and found.stop_reason
        # a rejected stop leaves an active session ACTIVE
        cp.responses.clear()
        cp.responses[stop_action(version)] = "Rejected"
        tx = await cp.start_transaction(2, a.token_uid, meter_start_wh=0)
        assert tx
        r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-stop", headers=a.cpms())
        data = r.json()["data"]
        assert data["accepted"] is False and data["status"] == "ACTIVE"


async def test_offline_charger_is_not_accepted_and_retryable(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-start", headers=a.cpms())
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["accepted"] is False and "Retry" in data["message"]
    body = await gql(
        client,
        "mutation($c: UUID!) { remoteStart(chargerId: $c, connectorNumber: 2) { "
        "result { accepted retryable } session { status } } }",
        {"c": str(a.charger.uuid)},
        a.cpms(),
    )
    assert body["data"]["remoteStart"] == {
        "result": {"accepted": False, "retryable": True},
        "session": {"status": "FAULTED"},
    }
    # nothing to stop; unknown connector; another network's charger
    r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-stop", headers=a.cpms())
    assert r.status_code == 409
    assert_error(r.json(), "no_active_session")
    r = await client.post(
        f"/cpms/v1/chargers/{a.charger.uuid}/remote-start", json={"connectorNumber": 9}, headers=a.cpms()
    )
    assert r.status_code == 422
    r = await client.post(f"/cpms/v1/chargers/{world.b.charger.uuid}/remote-start", headers=a.cpms())
    assert r.status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
async def test_force_stop_completes_a_hung_session(
    client: httpx.AsyncClient, server: LiveServer, world: World, version: str
) -> None:
    a = world.a
    async with charger(server, a, version) as cp:
        await connected(world, cp)
        cp.responses[stop_action(version)] = "Rejected"  # the charger will not end it itself
        await cp.start_transaction(1, a.token_uid, meter_start_wh=1000)
        await cp.meter_values(1, energy_wh=3000, power_w=7000)
        session_id = await only_session(world)
        r = await client.post(f"/cpms/v1/sessions/{session_id}/force-stop", headers=a.cpms())
        assert r.status_code == 200, r.text
        assert_shape("POST", "/cpms/v1/sessions/{id}/force-stop", r.json())
        assert r.json()["data"] == {"sessionId": session_id, "stopped": True}
        await cp.wait_for(stop_action(version))
        done = await row(world, session_id)
        assert done.status == "COMPLETED" and done.stop_reason == "ForceStopped" and done.energy_wh == 2000
        assert done.total is not None and done.total > Decimal("1.7")
        assert await cdr_count(world, session_id) == 1
        again = await client.post(f"/cpms/v1/sessions/{session_id}/force-stop", headers=a.cpms())
        assert again.json()["data"]["stopped"] is False
        assert await cdr_count(world, session_id) == 1
        r = await client.post(f"/cpms/v1/sessions/{session_id}/force-stop", headers=world.b.cpms())
        assert r.status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
async def test_driver_starts_and_stops_their_own_session(
    client: httpx.AsyncClient, server: LiveServer, world: World, version: str
) -> None:
    a = world.a
    tokens = await login(client, world)
    driver = {**a.emsp(), "Authorization": f"Bearer {tokens['accessToken']}"}
    async with charger(server, a, version) as cp:
        await connected(world, cp)
        r = await client.post(
            "/emsp/v1/charging/start",
            json={"chargerId": str(a.charger.uuid), "connectorNumber": 1, "idTag": "NOT-MINE"},
            headers=driver,
        )
        assert r.status_code == 422
        r = await client.post(
            "/emsp/v1/charging/start",
            json={"chargerId": str(a.charger.uuid), "connectorNumber": 1, "idTag": a.token_uid},
            headers=driver,
        )
        assert r.status_code == 200, r.text
        assert_shape("POST", "/emsp/v1/charging/start", r.json())
        started = r.json()["data"]
        assert started["status"] in ("PENDING", "ACTIVE") and started["correlationId"]
        session_id = started["sessionId"]
        await active(world, cp, session_id)
        await cp.meter_values(1, energy_wh=2000, power_w=11000, soc=55)
        r = await client.get(f"/emsp/v1/charging/sessions/{session_id}", headers=driver)
        assert r.status_code == 200, r.text
        assert_shape("GET", "/emsp/v1/charging/sessions/{id}", r.json())
        detail = r.json()["data"]
        assert detail["energyDeliveredKwh"] == 2.0 and detail["currentPowerKw"] == 11.0
        assert detail["currentSocPercent"] == 55 and detail["chargerUid"] == a.charger.uid
        # another network's key cannot stop it
        r = await client.post(
            "/emsp/v1/charging/stop", json={"sessionId": session_id}, headers=world.b.emsp()
        )
        assert r.status_code == 404
        r = await client.post("/emsp/v1/charging/stop", json={"sessionId": session_id}, headers=driver)
        assert r.status_code == 200, r.text
        assert_shape("POST", "/emsp/v1/charging/stop", r.json())
        assert r.json()["data"]["status"] in ("STOPPING", "COMPLETED")
        await eventually(lambda: status_is(world, session_id, "COMPLETED"))
        final: dict[str, Any] = (
            await client.get(f"/emsp/v1/charging/sessions/{session_id}", headers=driver)
        ).json()["data"]
        assert final["costs"]["total"] == final["total"] and final["total"] >= 1.7
        assert final["costs"]["sessionFees"] == 1.0 and final["stopReason"] == "Remote"
