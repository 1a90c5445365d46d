"""The charge point simulator against the real server: boot, every command answered, fleet, CLI."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import commands as c
from domain.models import Charger
from domain.secrets import hash_password
from ocpp_server.simulator import FleetConfig, SimulatedCharger, run_fleet
from tests.fresh import REPO
from tests.live import LiveServer
from tests.world import CHARGER_PASSWORD, World

VERSIONS = ["1.6", "2.0.1"]


async def _until(predicate: object, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _charger(server: LiveServer, uid: str, version: str, **kwargs: object) -> SimulatedCharger:
    return SimulatedCharger(
        server.ocpp_url(),
        uid,
        version=version,
        password=CHARGER_PASSWORD,
        connectors=2,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("version", VERSIONS)
async def test_both_versions_boot_accepted(server: LiveServer, world: World, version: str) -> None:
    uid = world.a.charger.uid
    async with _charger(server, uid, version) as cp:
        assert cp.last_boot is not None
        assert cp.last_boot["status"] == "Accepted"
        assert str(cp.last_boot["currentTime"]).endswith("Z")
        beat = await cp.heartbeat()
        assert str(beat["currentTime"]).endswith("Z")
        await _until(lambda: world.services.commands.ocpp_version(uid) == version)


@pytest.mark.parametrize("version", VERSIONS)
async def test_simulator_answers_every_command(server: LiveServer, world: World, version: str) -> None:
    uid, send = world.a.charger.uid, world.services.commands.send
    soon = datetime.now(UTC) + timedelta(hours=1)
    async with _charger(server, uid, version) as cp:
        await _until(lambda: world.services.commands.ocpp_version(uid) == version)
        for n in (1, 2):
            await cp.status(n, "Available")

        verdict = await send(uid, c.RemoteStart(1, world.a.token_uid, remote_start_id=77))
        assert verdict.accepted
        start = await cp.wait_for("RemoteStartTransaction" if version == "1.6" else "RequestStartTransaction")
        if version == "2.0.1":
            assert start["remoteStartId"] == 77
        await _until(lambda: cp.connectors[1].transaction_id is not None)
        tx = cp.connectors[1].transaction_id
        assert tx is not None
        assert (await send(uid, c.RemoteStop(tx))).accepted
        await _until(
            lambda: cp.connectors[1].transaction_id is None and cp.connectors[1].status == "Available"
        )
        assert not (await send(uid, c.RemoteStop("999999"))).accepted  # unknown transaction: Rejected

        assert (await send(uid, c.Reset("Soft"))).accepted
        assert (await send(uid, c.UnlockConnector(1))).accepted
        assert (await send(uid, c.ChangeAvailability(2, operative=False))).accepted
        await _until(lambda: cp.connectors[2].status == "Unavailable")
        assert (await send(uid, c.ChangeAvailability(2, operative=True))).accepted
        await _until(lambda: cp.connectors[2].status == "Available")
        assert (await send(uid, c.TriggerMessage("Heartbeat"))).accepted

        if version == "1.6":
            config = await send(uid, c.GetConfiguration(("HeartbeatInterval", "NoSuchKey")))
            assert config.accepted
            assert config.payload["configurationKey"][0] == {
                "key": "HeartbeatInterval",
                "readonly": False,
                "value": "300",
            }
            assert config.payload["unknownKey"] == ["NoSuchKey"]
            assert (await send(uid, c.ChangeConfiguration("HeartbeatInterval", "60"))).accepted
            assert cp.memory.configuration["HeartbeatInterval"].value == "60"
            assert not (await send(uid, c.ChangeConfiguration("NumberOfConnectors", "3"))).accepted
        else:
            ref = c.VariableRef("OCPPCommCtrlr", "HeartbeatInterval")
            got = await send(uid, c.GetVariables((ref,)))
            assert got.accepted
            assert got.payload["getVariableResult"][0]["attributeValue"] == "300"
            assert (await send(uid, c.SetVariables(((ref, "60"),)))).accepted
            assert cp.memory.variables[("OCPPCommCtrlr", "HeartbeatInterval")].value == "60"
            readonly = c.VariableRef("SecurityCtrlr", "Identity")
            assert not (await send(uid, c.SetVariables(((readonly, "x"),)))).accepted

        firmware = c.UpdateFirmware("https://firmware.example.com/fw.bin", datetime.now(UTC), request_id=5)
        assert (await send(uid, firmware)).accepted
        await _until(lambda: cp.memory.firmware_status == "Installed")

        profile = c.ChargingProfile(profile_id=901, stack_level=9, unit="A", limit=Decimal(16))
        assert (await send(uid, c.SetChargingProfile(1, profile))).accepted
        schedule = await send(uid, c.GetCompositeSchedule(1, 3600, "A"))
        assert schedule.accepted
        body = schedule.payload.get("chargingSchedule") or schedule.payload["schedule"]
        assert body["chargingSchedulePeriod"][0]["limit"] == 16
        assert (await send(uid, c.ClearChargingProfile(profile_id=901))).accepted

        assert (await send(uid, c.ReserveNow(2, soon, world.a.token_uid, reservation_id=41))).accepted
        await _until(lambda: cp.connectors[2].status == "Reserved")
        assert (await send(uid, c.CancelReservation(41))).accepted
        assert not (await send(uid, c.CancelReservation(41))).accepted
        assert cp.errors == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_rejections_and_silence_on_request(server: LiveServer, world: World, version: str) -> None:
    uid, send = world.a.charger.uid, world.services.commands.send
    async with _charger(server, uid, version) as cp:
        await _until(lambda: world.services.commands.ocpp_version(uid) == version)
        cp.responses["Reset"] = "Rejected"
        rejected = await send(uid, c.Reset("Hard"))
        assert (rejected.accepted, rejected.retryable) == (False, False)
        cp.silent.add("UnlockConnector")
        silent = await send(uid, c.UnlockConnector(1), timeout=0.3)
        assert (silent.accepted, silent.retryable) == (False, True)
        assert await cp.wait_for("UnlockConnector") == (
            {"connectorId": 1} if version == "1.6" else {"evseId": 1, "connectorId": 1}
        )


async def test_fleet_reports_messages_and_latencies(server: LiveServer, world: World) -> None:
    uids = [f"FLEET-{n:05d}" for n in range(1, 6)]
    async with world.services.db.unit_of_work() as s:
        for uid in uids:
            s.add(
                Charger(
                    network_id=world.a.charger.network_id,
                    location_id=world.a.charger.location_id,
                    uid=uid,
                    evse_id=f"US*CGA*E{uid[-5:]}",
                    lookup_code=f"LKF{uid[-5:]}",
                    serial_number=f"SN-{uid}",
                    status="AVAILABLE",
                    password_hash=hash_password("fleet-pass"),
                )
            )
    seen: list[int] = []
    config = FleetConfig(
        url=server.ocpp_url(),
        chargers=5,
        version="mixed",
        prefix="FLEET-",
        password="fleet-pass",
        duration=2.0,
        session_rate=60.0,
        session_seconds=0.5,
        meter_interval=0.2,
        heartbeat_interval=0.5,
        id_tag=world.a.token_uid,
        seed=1,
    )
    stats = await run_fleet(config, progress=lambda st: seen.append(st.messages))
    assert stats.errors == []
    assert (stats.connected, stats.failed) == (5, 0)
    assert stats.messages >= 5 * 3
    assert len(stats.latencies) == stats.messages
    p50, p99 = stats.percentile(0.5), stats.percentile(0.99)
    assert p50 is not None and p99 is not None and 0 < p50 <= p99 < 2
    assert stats.sessions_started >= 1
    assert seen and seen[-1] == stats.messages
    assert "5 of 5 chargers connected" in stats.summary()


async def test_simulate_command_runs_against_the_server(server: LiveServer, world: World) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chargegraph.cli",
        "simulate",
        "--url",
        server.ocpp_url(),
        "--chargers",
        "1",
        "--prefix",
        world.a.charger.uid,
        "--password",
        CHARGER_PASSWORD,
        "--version",
        "2.0.1",
        "--duration",
        "1",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()
    text = out.decode()
    assert "connected 1/1" in text
    assert "summary: 1 of 1 chargers connected (0 failed)" in text
