"""Live control of a connected charger, end to end over real websockets on OCPP 1.6 and 2.0.1: reset,
unlock, availability, trigger message, configuration and variables, each through its /cpms/v1 path and
its GraphQL mutation, with the charger's answer reaching the caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import device_control
from tests.device_control import VERSIONS, actions, charger, eventually
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.world import World, gql

BASE = "/cpms/v1/chargers/{chargerUuid}"

# The device-control fixtures: the app on a known port, a short command timeout, uploads in tmp.
settings = device_control.settings


def path(world: World, suffix: str) -> str:
    return f"/cpms/v1/chargers/{world.a.charger.uuid}/{suffix}"


async def post(client: httpx.AsyncClient, world: World, suffix: str, body: Any = None) -> dict[str, Any]:
    r = await client.post(path(world, suffix), json=body or {}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("POST", f"{BASE}/{suffix}", r.json())
    data: dict[str, Any] = r.json()["data"]
    return data


RESULT = "result { accepted reason retryable status payload }"


@pytest.mark.parametrize("version", VERSIONS)
async def test_reboot(client: httpx.AsyncClient, world: World, server: LiveServer, version: str) -> None:
    async with charger(server, world.a, version) as cp:
        data = await post(client, world, "reboot", {"type": "Hard"})
        sent = await cp.wait_for("Reset")
        assert sent["type"] == ("Hard" if version == "1.6" else "Immediate")
        assert data == {
            "chargerId": str(world.a.charger.uuid),
            "resetType": "Hard",
            "accepted": True,
            "message": "Hard reset command sent successfully",
        }

        cp.responses["Reset"] = "Rejected"
        body = await gql(
            client,
            f"mutation($id: UUID!) {{ rebootCharger(chargerId: $id) {{ chargerId detail {RESULT} }} }}",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        payload = body["data"]["rebootCharger"]
        assert payload["detail"] == "Soft"
        assert payload["result"]["accepted"] is False
        assert payload["result"]["retryable"] is False
        assert payload["result"]["status"] == "Rejected"
        assert [p["type"] for a, p in cp.received if a == "Reset"][-1] == (
            "Soft" if version == "1.6" else "OnIdle"
        )

        data = await post(client, world, "reboot")
        assert data["accepted"] is False and data["resetType"] == "Soft"
        assert "rejected" in data["message"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_unlock_availability_trigger(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    async with charger(server, world.a, version) as cp:
        data = await post(client, world, "unlock-connector", {"connectorNumber": 2})
        sent = await cp.wait_for("UnlockConnector")
        assert sent.get("connectorId" if version == "1.6" else "evseId") == 2
        assert data["connectorNumber"] == 2 and data["accepted"] is True

        data = await post(client, world, "change-availability", {"type": "inoperative"})
        sent = await cp.wait_for("ChangeAvailability")
        if version == "1.6":
            assert sent == {"connectorId": 0, "type": "Inoperative"}
        else:
            assert sent == {"operationalStatus": "Inoperative"}
        assert data["type"] == "Inoperative" and data["connectorNumber"] == 0 and data["accepted"] is True
        assert data["message"] == "ChangeAvailability (Inoperative) command sent successfully"

        data = await post(
            client, world, "trigger-message", {"requestedMessage": "StatusNotification", "connectorNumber": 1}
        )
        sent = await cp.wait_for("TriggerMessage")
        assert sent["requestedMessage"] == "StatusNotification"
        assert data["accepted"] is True and data["requestedMessage"] == "StatusNotification"

        uuid = str(world.a.charger.uuid)
        body = await gql(
            client,
            f"""mutation($id: UUID!) {{
              u: unlockConnector(chargerId: $id) {{ connectorNumber {RESULT} }}
              a: changeAvailability(chargerId: $id, type: "Operative", connectorNumber: 1) {{
                detail {RESULT} }}
              t: triggerMessage(chargerId: $id, requestedMessage: "Heartbeat") {{ detail {RESULT} }}
            }}""",
            {"id": uuid},
            world.a.cpms(),
        )
        assert "errors" not in body, body
        assert body["data"]["u"]["connectorNumber"] == 1 and body["data"]["u"]["result"]["accepted"] is True
        assert body["data"]["a"]["detail"] == "Operative" and body["data"]["a"]["result"]["accepted"] is True
        assert body["data"]["t"]["detail"] == "Heartbeat" and body["data"]["t"]["result"]["accepted"] is True
        assert actions(cp).count("UnlockConnector") == 2
        assert actions(cp).count("TriggerMessage") == 2


async def test_bad_input_is_422_and_nothing_is_sent(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    async with charger(server, world.a, "1.6") as cp:
        bad = [
            ("unlock-connector", {"connectorNumber": 9}),
            ("unlock-connector", {"connectorNumber": 0}),
            ("change-availability", {"type": "Broken"}),
            ("change-availability", {"connectorNumber": 5, "type": "Operative"}),
            ("trigger-message", {"requestedMessage": "SelfDestruct"}),
            ("trigger-message", {}),
            ("reboot", {"type": "Medium"}),
            ("configuration", {"key": " ", "value": "1"}),
            ("configuration", {"value": "1"}),
            ("variables/set", {"variables": []}),
            ("variables/get", {"variables": [{"component": "OCPPCommCtrlr"}]}),
        ]
        for suffix, body in bad:
            r = await client.post(path(world, suffix), json=body, headers=world.a.cpms())
            assert r.status_code == 422, (suffix, body, r.text)
            assert_error(r.json(), "validation_error")
        r = await client.get(path(world, "configuration") + "?keys=", headers=world.a.cpms())
        assert r.status_code == 422
        assert cp.received == []


async def test_offline_and_silent_chargers_are_retryable_verdicts(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    data = await post(client, world, "unlock-connector", {"connectorNumber": 1})
    assert data["accepted"] is False
    assert "not delivered" in data["message"]
    body = await gql(
        client,
        f"mutation($id: UUID!) {{ rebootCharger(chargerId: $id) {{ {RESULT} }} }}",
        {"id": str(world.a.charger.uuid)},
        world.a.cpms(),
    )
    result = body["data"]["rebootCharger"]["result"]
    assert result["accepted"] is False and result["retryable"] is True and result["status"] == "Offline"

    async with charger(server, world.a, "1.6") as cp:
        cp.silent.add("UnlockConnector")
        body = await gql(
            client,
            f"mutation($id: UUID!) {{ unlockConnector(chargerId: $id) {{ {RESULT} }} }}",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        result = body["data"]["unlockConnector"]["result"]
        assert result["accepted"] is False and result["retryable"] is True and result["status"] == "Timeout"
        assert "UnlockConnector" in actions(cp)


async def test_other_networks_and_missing_scopes_reach_nothing(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    async with charger(server, world.a, "1.6") as cp:
        for suffix, body in [
            ("reboot", {}),
            ("unlock-connector", {"connectorNumber": 1}),
            ("change-availability", {"type": "Inoperative"}),
            ("trigger-message", {"requestedMessage": "Heartbeat"}),
            ("configuration", {"key": "HeartbeatInterval", "value": "60"}),
            ("variables/set", {"variables": [{"key": "HeartbeatInterval", "value": "60"}]}),
        ]:
            r = await client.post(path(world, suffix), json=body, headers=world.b.cpms())
            assert r.status_code == 404, (suffix, r.text)
            assert_error(r.json(), "not_found")
        r = await client.get(path(world, "configuration"), headers=world.b.cpms())
        assert r.status_code == 404
        body = await gql(
            client,
            "mutation($id: UUID!) { rebootCharger(chargerId: $id) { chargerId } }",
            {"id": str(world.a.charger.uuid)},
            world.b.cpms(),
        )
        assert body["errors"][0]["extensions"]["code"] == "not_found"
        r = await client.post(path(world, "reboot"), json={}, headers=world.a.emsp())
        assert r.status_code in (401, 403)
        assert cp.received == []


async def test_configuration_on_16(client: httpx.AsyncClient, world: World, server: LiveServer) -> None:
    async with charger(server, world.a, "1.6") as cp:
        r = await client.get(
            path(world, "configuration") + "?keys=HeartbeatInterval,NoSuchKey", headers=world.a.cpms()
        )
        assert r.status_code == 200, r.text
        assert_shape("GET", f"{BASE}/configuration", r.json())
        data = r.json()["data"]
        assert (data["chargePointId"], data["ocppVersion"]) == ("CP-A-01", "1.6")
        assert await cp.wait_for("GetConfiguration") == {"key": ["HeartbeatInterval", "NoSuchKey"]}
        keys = {k["key"]: k for k in data["result"]["configurationKey"]}
        assert keys["HeartbeatInterval"]["value"] == "300"
        assert data["result"]["unknownKey"] == ["NoSuchKey"]

        data = await post(client, world, "configuration", {"key": "HeartbeatInterval", "value": "120"})
        assert await cp.wait_for("ChangeConfiguration") == {"key": "HeartbeatInterval", "value": "120"}
        assert data["accepted"] is True and data["key"] == "HeartbeatInterval"
        assert data["result"] == {"status": "Accepted"}

        body = await gql(
            client,
            """query($id: UUID!) { chargerConfiguration(chargerId: $id) {
                 ocppVersion source result command { accepted } } }""",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        read = body["data"]["chargerConfiguration"]
        assert read["source"] == "charger" and read["command"]["accepted"] is True
        values = {k["key"]: k.get("value") for k in read["result"]["configurationKey"]}
        assert values["HeartbeatInterval"] == "120"

        cp.responses["ChangeConfiguration"] = "Rejected"
        body = await gql(
            client,
            """mutation($id: UUID!) {
                 changeConfiguration(chargerId: $id, key: "NumberOfConnectors", value: "9") {
                   key accepted command { accepted status } } }""",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        change = body["data"]["changeConfiguration"]
        assert change["accepted"] is False and change["command"]["status"] == "Rejected"

        # A 1.6 charger's "variables" are its configuration keys.
        data = await post(client, world, "variables/get", {"variables": [{"variable": "HeartbeatInterval"}]})
        assert data["ocppVersion"] == "1.6"
        assert data["result"]["configurationKey"][0]["key"] == "HeartbeatInterval"


async def test_configuration_and_variables_on_201(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    uuid = str(world.a.charger.uuid)
    async with charger(server, world.a, "2.0.1") as cp:
        r = await client.get(path(world, "configuration") + "?keys=HeartbeatInterval", headers=world.a.cpms())
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["ocppVersion"] == "2.0.1"
        sent = await cp.wait_for("GetVariables")
        assert sent["getVariableData"][0]["component"]["name"] == "OCPPCommCtrlr"
        assert sent["getVariableData"][0]["variable"]["name"] == "HeartbeatInterval"
        assert data["result"]["getVariableResult"][0]["attributeValue"] == "300"

        data = await post(client, world, "configuration", {"key": "HeartbeatInterval", "value": "90"})
        assert data["key"] == "OCPPCommCtrlr.HeartbeatInterval" and data["accepted"] is True
        assert data["result"]["setVariableResult"][0]["attributeStatus"] == "Accepted"

        data = await post(
            client,
            world,
            "variables/set",
            {
                "variables": [
                    {"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval", "value": "30"},
                    {"key": "SecurityCtrlr.Identity", "value": "someone-else"},
                ]
            },
        )
        assert data["accepted"] is False  # the identity is read-only
        statuses = [r["attributeStatus"] for r in data["result"]["setVariableResult"]]
        assert statuses[0] == "Accepted" and statuses[1] != "Accepted"

        data = await post(
            client,
            world,
            "variables/get",
            {"variables": [{"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval"}]},
        )
        assert data["result"]["getVariableResult"][0]["attributeValue"] == "30"

        body = await gql(
            client,
            """mutation($id: UUID!, $v: [VariableInput!]!) { setVariables(chargerId: $id, variables: $v) {
                 key accepted result } }""",
            {"id": uuid, "v": [{"key": "HeartbeatInterval", "value": "45"}]},
            world.a.cpms(),
        )
        assert body["data"]["setVariables"]["accepted"] is True
        body = await gql(
            client,
            """query($id: UUID!, $v: [VariableInput!]!) { chargerVariables(chargerId: $id, variables: $v) {
                 result } }""",
            {"id": uuid, "v": [{"key": "OCPPCommCtrlr.HeartbeatInterval"}]},
            world.a.cpms(),
        )
        assert body["data"]["chargerVariables"]["result"]["getVariableResult"][0]["attributeValue"] == "45"

        # Without keys a 2.0.1 read serves the charger's last report; nothing is asked.
        await cp.notify_report()
        before = len(cp.received)

        async def reported() -> dict[str, Any]:
            r = await client.get(path(world, "configuration"), headers=world.a.cpms())
            assert r.status_code == 200
            data: dict[str, Any] = r.json()["data"]
            return data

        async def has_report() -> bool:
            return bool((await reported())["result"])

        await eventually(has_report)
        report = (await reported())["result"]
        names = {(d["component"]["name"], d["variable"]["name"]) for d in report["reportData"]}
        assert ("OCPPCommCtrlr", "HeartbeatInterval") in names
        assert len(cp.received) == before
