"""Charging limits end to end over real websockets (OCPP 1.6 and 2.0.1): operator and driver caps with
reserved profile ids, the lowest one in force, each cleared alone, rejections, composite schedules."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from domain.models import ChargingLimit, ChargingSession
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.test_reservations import VERSIONS, charger, driver_headers
from tests.world import World, gql

CPMS = "/cpms/v1/smart-charging/{chargerUuid}/limit"
EMSP = "/emsp/v1/smart-charging/{chargerId}/limit"
COMPOSITE = "/cpms/v1/smart-charging/{chargerUuid}/composite-schedule"

LIMIT_QUERY = """query($c: UUID!) { chargingLimit(chargerId: $c, connector: 1) {
  limit source unit accepted schedule operator { limit profileId stackLevel } driver { limit profileId }
  result { accepted retryable } } }"""


def cpms_path(world: World, template: str = CPMS) -> str:
    return template.replace("{chargerUuid}", str(world.a.charger.uuid))


def emsp_path(world: World) -> str:
    return EMSP.replace("{chargerId}", str(world.a.charger.uuid))


def profile_of(version: str, payload: dict[str, Any]) -> tuple[int, int, float, str]:
    """(profile id, stack level, first period's limit, unit) of a SetChargingProfile as received."""
    if version == "1.6":
        profile = payload["csChargingProfiles"]
        pid, schedule = profile["chargingProfileId"], profile["chargingSchedule"]
    else:
        profile = payload["chargingProfile"]
        pid, schedule = profile["id"], profile["chargingSchedule"][0]
    period = schedule["chargingSchedulePeriod"][0]
    return pid, profile["stackLevel"], float(period["limit"]), schedule["chargingRateUnit"]


def cleared_id(version: str, payload: dict[str, Any]) -> int:
    return int(payload["id"] if version == "1.6" else payload["chargingProfileId"])


async def effective(client: httpx.AsyncClient, world: World, headers: dict[str, str]) -> dict[str, Any]:
    body = await gql(client, LIMIT_QUERY, {"c": str(world.a.charger.uuid)}, headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["chargingLimit"]
    return result


async def session_active(world: World, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        async with world.services.db.session() as s:
            found = await s.exec(select(ChargingSession.id).where(ChargingSession.status == "ACTIVE"))
            if found.first() is not None:
                return
        assert time.monotonic() < deadline, "no ACTIVE session"
        await asyncio.sleep(0.02)


def period_limit(schedule: dict[str, Any]) -> float:
    return float(schedule["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"])


@pytest.mark.parametrize("version", VERSIONS)
async def test_operator_and_driver_caps_lowest_wins_each_cleared_alone(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with charger(server, world, version) as cp:
        r = await client.put(
            cpms_path(world), json={"connectorNumber": 1, "unit": "A", "limit": 24}, headers=world.a.cpms()
        )
        assert r.status_code == 200, r.text
        assert_shape("PUT", CPMS, r.json())
        assert r.json()["data"] == {
            "chargerId": str(world.a.charger.uuid),
            "connectorNumber": 1,
            "unit": "A",
            "limit": 24,
            "profileId": 90001,
            "accepted": True,
            "reason": None,
            "retryable": False,
        }
        assert profile_of(version, await cp.wait_for("SetChargingProfile")) == (90001, 1, 24, "A")

        # The driver's cap above the operator's (within the 32 A rating): the operator's still rules.
        r = await client.put(emsp_path(world), json={"unit": "A", "limit": 30}, headers=world.a.emsp())
        assert r.status_code == 200, r.text
        assert_shape("PUT", EMSP, r.json())
        assert r.json()["data"]["profileId"] == 90101 and r.json()["data"]["limit"] == 30
        assert profile_of(version, await cp.wait_for("SetChargingProfile")) == (90101, 2, 24, "A")
        seen = await effective(client, world, world.a.cpms())
        assert (seen["limit"], seen["source"]) == ("24", "OPERATOR")
        assert seen["operator"] == {"limit": "24", "profileId": 90001, "stackLevel": 1}
        assert seen["driver"] == {"limit": "30", "profileId": 90101}
        assert seen["accepted"] is True and period_limit(seen["schedule"]) == 24

        # The driver lowers theirs below the operator's: the driver's rules.
        await client.put(emsp_path(world), json={"unit": "A", "limit": 16}, headers=world.a.emsp())
        assert profile_of(version, await cp.wait_for("SetChargingProfile")) == (90101, 2, 16, "A")
        r = await client.get(cpms_path(world), headers=world.a.cpms())
        assert_shape("GET", CPMS, r.json())
        data = r.json()["data"]
        assert data["accepted"] is True and data["unit"] == "A" and period_limit(data["schedule"]) == 16
        r = await client.get(emsp_path(world), headers=world.a.emsp())
        assert_shape("GET", EMSP, r.json())
        assert period_limit(r.json()["data"]["schedule"]) == 16

        # Clearing the operator's cap clears only profile 90001; the driver's profile is re-sent alone.
        r = await client.delete(cpms_path(world), params={"connector": 1}, headers=world.a.cpms())
        assert r.status_code == 200, r.text
        assert_shape("DELETE", CPMS, r.json())
        assert r.json()["data"]["profileId"] == 90001 and r.json()["data"]["accepted"] is True
        assert cleared_id(version, await cp.wait_for("ClearChargingProfile")) == 90001
        assert profile_of(version, await cp.wait_for("SetChargingProfile")) == (90101, 2, 16, "A")
        seen = await effective(client, world, world.a.cpms())
        assert (seen["limit"], seen["source"], seen["operator"]) == ("16", "DRIVER", None)

        r = await client.delete(emsp_path(world), headers=world.a.emsp())
        assert_shape("DELETE", EMSP, r.json())
        assert r.json()["data"]["profileId"] == 90101 and r.json()["data"]["accepted"] is True
        assert cleared_id(version, await cp.wait_for("ClearChargingProfile")) == 90101
        seen = await effective(client, world, world.a.cpms())
        assert (seen["limit"], seen["operator"], seen["driver"]) == (None, None, None)


@pytest.mark.parametrize("version", VERSIONS)
async def test_rejected_profile_leaves_the_previous_cap(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with charger(server, world, version) as cp:
        await client.put(cpms_path(world), json={"limit": 32}, headers=world.a.cpms())
        await cp.wait_for("SetChargingProfile")
        cp.responses["SetChargingProfile"] = "Rejected"
        r = await client.put(cpms_path(world), json={"limit": 20}, headers=world.a.cpms())
        data = r.json()["data"]
        assert r.status_code == 200
        assert data["accepted"] is False and data["reason"] and data["retryable"] is False
        seen = await effective(client, world, world.a.cpms())
        assert seen["limit"] == "32"
    async with world.services.db.session() as s:
        rows = (await s.exec(select(ChargingLimit).order_by(col(ChargingLimit.id)))).all()
    assert [(r.status, r.limit_value, r.cleared_at is None) for r in rows] == [
        ("Accepted", Decimal(32), True),
        ("Rejected", Decimal(20), False),
    ]


async def test_offline_charger(client: httpx.AsyncClient, world: World) -> None:
    r = await client.put(cpms_path(world), json={"limit": 16}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["accepted"] is False and data["retryable"] is True and data["reason"]
    r = await client.get(cpms_path(world), headers=world.a.cpms())
    assert r.json()["data"]["accepted"] is False and r.json()["data"]["schedule"] is None
    r = await client.get(cpms_path(world, COMPOSITE), headers=world.a.cpms())
    assert_shape("GET", COMPOSITE, r.json())
    assert r.json()["data"]["accepted"] is False and r.json()["data"]["schedule"] is None
    r = await client.delete(cpms_path(world), headers=world.a.cpms())
    assert r.json()["data"]["accepted"] is False and r.json()["data"]["retryable"] is True


@pytest.mark.parametrize("version", VERSIONS)
async def test_composite_schedule_from_the_charger(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with charger(server, world, version) as cp:
        await client.put(cpms_path(world), json={"connectorNumber": 2, "limit": 24}, headers=world.a.cpms())
        await cp.wait_for("SetChargingProfile")
        r = await client.get(
            cpms_path(world, COMPOSITE), params={"connector": 2, "duration": 600}, headers=world.a.cpms()
        )
        assert r.status_code == 200, r.text
        assert_shape("GET", COMPOSITE, r.json())
        data = r.json()["data"]
        assert (data["connectorNumber"], data["durationSeconds"], data["unit"]) == (2, 600, "A")
        assert data["accepted"] is True and period_limit(data["schedule"]) == 24
        asked = await cp.wait_for("GetCompositeSchedule")
        assert asked["duration"] == 600 and (asked.get("connectorId") or asked.get("evseId")) == 2

        cp.responses["GetCompositeSchedule"] = "Rejected"
        body = await gql(
            client,
            """query($c: UUID!) { compositeSchedule(chargerId: $c, connector: 2, durationSeconds: 60) {
                 accepted schedule durationSeconds result { accepted status } } }""",
            {"c": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        assert body["data"]["compositeSchedule"] == {
            "accepted": False,
            "schedule": None,
            "durationSeconds": 60,
            "result": {"accepted": False, "status": "Rejected"},
        }
        # Without the charger's answer, the limit shows the stored effective cap.
        seen = await effective(client, world, world.a.cpms())
        assert seen["accepted"] is False
        r = await client.get(cpms_path(world), params={"connector": 2}, headers=world.a.cpms())
        assert period_limit(r.json()["data"]["schedule"]) == 24

    bad = await client.get(cpms_path(world, COMPOSITE), params={"duration": 0}, headers=world.a.cpms())
    assert bad.status_code == 422
    assert_error(bad.json())


@pytest.mark.parametrize("version", VERSIONS)
async def test_graphql_set_and_clear(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with charger(server, world, version) as cp:
        body = await gql(
            client,
            """mutation($c: UUID!) { setChargingLimit(chargerId: $c, limit: "11000", unit: "W") {
                 source unit limit profileId status result { accepted reason retryable } } }""",
            {"c": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        assert "errors" not in body, body
        assert body["data"]["setChargingLimit"] == {
            "source": "OPERATOR",
            "unit": "W",
            "limit": "11000",
            "profileId": 90001,
            "status": "Accepted",
            "result": {"accepted": True, "reason": None, "retryable": False},
        }
        assert profile_of(version, await cp.wait_for("SetChargingProfile")) == (90001, 1, 11000, "W")
        # The other source must use the same unit.
        mixed = await client.put(emsp_path(world), json={"unit": "A", "limit": 10}, headers=world.a.emsp())
        assert mixed.status_code == 422
        body = await gql(
            client,
            "mutation($c: UUID!) { clearChargingLimit(chargerId: $c) "
            "{ profileId cleared result { accepted } } }",
            {"c": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        assert body["data"]["clearChargingLimit"] == {
            "profileId": 90001,
            "cleared": True,
            "result": {"accepted": True},
        }
        assert cleared_id(version, await cp.wait_for("ClearChargingProfile")) == 90001


async def test_validation_and_tenancy(client: httpx.AsyncClient, world: World) -> None:
    for body in ({"limit": 0}, {"limit": -3}, {"limit": 10, "unit": "kW"}, {"unit": "A"}):
        r = await client.put(cpms_path(world), json=body, headers=world.a.cpms())
        assert r.status_code == 422, (body, r.text)
        assert_error(r.json())
    r = await client.put(cpms_path(world), json={"limit": 10, "connectorNumber": 7}, headers=world.a.cpms())
    assert r.status_code == 404
    # Another network's charger is not found, through every path.
    for method, path in (
        ("GET", cpms_path(world)),
        ("PUT", cpms_path(world)),
        ("DELETE", cpms_path(world)),
        ("GET", cpms_path(world, COMPOSITE)),
    ):
        r = await client.request(
            method, path, json={"limit": 10} if method == "PUT" else None, headers=world.b.cpms()
        )
        assert r.status_code == 404, (method, path, r.text)
    r = await client.put(emsp_path(world), json={"limit": 10}, headers=world.b.emsp())
    assert r.status_code == 404
    body = await gql(client, LIMIT_QUERY, {"c": str(world.a.charger.uuid)}, world.b.cpms())
    assert body["data"] is None and body["errors"]
    async with world.services.db.session() as s:
        assert (await s.exec(select(ChargingLimit))).all() == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_driver_caps_only_where_charging(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world, version) as cp:
        r = await client.put(emsp_path(world), json={"limit": 10}, headers=headers)
        assert r.status_code == 403, r.text
        assert_error(r.json())
        r = await client.delete(emsp_path(world), headers=headers)
        assert r.status_code == 403

        await cp.start_transaction(1, world.a.token_uid, meter_start_wh=0)

        await session_active(world)
        r = await client.put(emsp_path(world), json={"limit": 10}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["accepted"] is True and r.json()["data"]["profileId"] == 90101
        assert profile_of(version, await cp.wait_for("SetChargingProfile"))[:3] == (90101, 2, 10)
        # Only on the connector they charge on.
        r = await client.put(emsp_path(world), json={"limit": 10, "connectorNumber": 2}, headers=headers)
        assert r.status_code == 403
        r = await client.delete(emsp_path(world), headers=headers)
        assert r.status_code == 200 and r.json()["data"]["accepted"] is True
        assert cleared_id(version, await cp.wait_for("ClearChargingProfile")) == 90101
