"""The connection registry: commands reach the charger in its own version and come back as verdicts
(accepted, rejected, CALLERROR, offline, timeout), are logged, and a reconnect replaces the socket."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.commands import (
    ChangeAvailability,
    ChangeConfiguration,
    ChargingProfile,
    GetConfiguration,
    GetVariables,
    Reset,
    SetChargingProfile,
    TriggerMessage,
    UnlockConnector,
    UpdateFirmware,
    VariableRef,
    Verdict,
)
from domain.models import OcppMessage
from ocpp_server.registry import ConnectionRegistry
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.ocpp_wire import eventually
from tests.world import CHARGER_PASSWORD, World


def _sim(server: LiveServer, version: str, uid: str = "CP-A-01") -> SimulatedCharger:
    return SimulatedCharger(server.ocpp_url(), uid, version=version, password=CHARGER_PASSWORD, connectors=2)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_accepted_and_rejected_commands(server: LiveServer, world: World, version: str) -> None:
    commands = world.services.commands
    async with _sim(server, version) as cp:
        assert commands.ocpp_version("CP-A-01") == version
        verdict = await commands.send("CP-A-01", Reset("Hard"))
        assert (verdict.accepted, verdict.status, verdict.retryable) == (True, "Accepted", False)
        sent = await cp.wait_for("Reset")
        assert sent == {"type": "Hard"} if version == "1.6" else {"type": "Immediate"}

        cp.responses["ChangeAvailability"] = "Rejected"
        verdict = await commands.send("CP-A-01", ChangeAvailability(2, operative=False))
        assert (verdict.accepted, verdict.status, verdict.retryable) == (False, "Rejected", False)
        assert verdict.reason
        sent = await cp.wait_for("ChangeAvailability")
        if version == "1.6":
            assert sent == {"connectorId": 2, "type": "Inoperative"}
        else:
            assert sent == {"operationalStatus": "Inoperative", "evse": {"id": 2}}

        verdict = await commands.send("CP-A-01", TriggerMessage("DiagnosticsStatusNotification"))
        assert verdict.accepted
        sent = await cp.wait_for("TriggerMessage")
        expected = "DiagnosticsStatusNotification" if version == "1.6" else "LogStatusNotification"
        assert sent["requestedMessage"] == expected


async def test_a_callerror_from_the_charger_is_a_final_refusal(server: LiveServer, world: World) -> None:
    async with _sim(server, "1.6") as cp:
        cp.responses["GetConfiguration"] = "no configuration today"
        verdict = await world.services.commands.send("CP-A-01", GetConfiguration(("HeartbeatInterval",)))
    assert (verdict.accepted, verdict.retryable, verdict.status) == (False, False, "GenericError")
    assert verdict.reason is not None and "no configuration today" in verdict.reason


async def test_data_commands_return_the_chargers_payload(server: LiveServer, world: World) -> None:
    async with _sim(server, "1.6") as cp16:
        verdict = await world.services.commands.send("CP-A-01", GetConfiguration(("HeartbeatInterval",)))
        assert verdict.accepted
        assert verdict.payload["configurationKey"][0]["key"] == "HeartbeatInterval"
        assert await cp16.wait_for("GetConfiguration") == {"key": ["HeartbeatInterval"]}
    async with _sim(server, "2.0.1", uid="CP-B-01"):
        ref = VariableRef("OCPPCommCtrlr", "HeartbeatInterval")
        verdict = await world.services.commands.send("CP-B-01", GetVariables((ref,)))
        assert verdict.accepted
        assert verdict.payload["getVariableResult"][0]["variable"]["name"] == "HeartbeatInterval"


async def test_version_specific_commands_are_refused_on_the_other_version(
    server: LiveServer, world: World
) -> None:
    commands = world.services.commands
    async with _sim(server, "2.0.1"), _sim(server, "1.6", uid="CP-B-01"):
        verdict = await commands.send("CP-A-01", ChangeConfiguration("HeartbeatInterval", "60"))
        assert verdict == Verdict(False, "Use variables on OCPP 2.0.1", status="NotSupported")
        verdict = await commands.send("CP-B-01", GetVariables((VariableRef("X", "Y"),)))
        assert not verdict.accepted and not verdict.retryable


async def test_two_point_oh_one_translation_sends_utc_z_times(server: LiveServer, world: World) -> None:
    commands = world.services.commands
    async with _sim(server, "2.0.1") as cp:
        at = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
        verdict = await commands.send("CP-A-01", UpdateFirmware("https://fw.example.com/x.bin", at, 9))
        assert verdict.accepted
        sent = await cp.wait_for("UpdateFirmware")
        assert sent["requestId"] == 9
        assert sent["firmware"] == {
            "location": "https://fw.example.com/x.bin",
            "retrieveDateTime": "2030-05-01T12:00:00Z",
        }
        profile = ChargingProfile(profile_id=90, stack_level=9, unit="A", limit=Decimal("16.0"))
        verdict = await commands.send("CP-A-01", SetChargingProfile(1, profile))
        assert verdict.accepted
        sent = await cp.wait_for("SetChargingProfile")
        assert sent["evseId"] == 1
        schedule = sent["chargingProfile"]["chargingSchedule"][0]
        assert schedule["chargingRateUnit"] == "A" and schedule["chargingSchedulePeriod"][0]["limit"] == 16.0
        assert schedule["startSchedule"].endswith("Z")


async def test_offline_and_silent_chargers_are_retryable(server: LiveServer, world: World) -> None:
    commands = world.services.commands
    assert await commands.send("CP-A-01", Reset()) == Verdict.offline()
    assert commands.ocpp_version("CP-A-01") is None
    async with _sim(server, "1.6") as cp:
        cp.silent.add("UnlockConnector")
        verdict = await commands.send("CP-A-01", UnlockConnector(1), timeout=0.3)
        assert verdict == Verdict.timed_out()
        # The connection is still usable after a timeout.
        assert (await commands.send("CP-A-01", Reset())).accepted

    async def timed_out_row() -> OcppMessage | None:
        async with world.services.db.session() as s:
            stmt = select(OcppMessage).where(OcppMessage.action == "UnlockConnector")
            return (await s.exec(stmt)).first()

    row = await eventually(timed_out_row)
    assert (row.direction, row.message_type, row.status) == ("outgoing", "Call", "timeout")
    assert row.response_time_ms is not None and row.response_time_ms >= 250


async def test_commands_are_logged_with_their_response_time(server: LiveServer, world: World) -> None:
    async with _sim(server, "2.0.1"):
        assert (await world.services.commands.send("CP-A-01", Reset())).accepted

    async def rows() -> list[OcppMessage]:
        async with world.services.db.session() as s:
            found = list((await s.exec(select(OcppMessage).where(OcppMessage.action == "Reset"))).all())
        return found if len(found) == 2 else []

    call, result = sorted(await eventually(rows), key=lambda r: r.direction, reverse=True)
    assert (call.direction, call.message_type, call.status) == ("outgoing", "Call", "success")
    assert call.payload == {"type": "OnIdle"}
    assert (result.direction, result.message_type) == ("incoming", "CallResult")
    assert result.payload == {"status": "Accepted"}
    assert call.correlation_id == result.correlation_id


async def test_a_reconnect_replaces_the_old_socket(server: LiveServer, world: World) -> None:
    registry = world.services.commands
    assert isinstance(registry, ConnectionRegistry)
    first = _sim(server, "1.6")
    await first.connect()
    try:
        async with _sim(server, "2.0.1") as second:
            await eventually(lambda: _true(not first.connected))
            assert registry.ocpp_version("CP-A-01") == "2.0.1"
            verdict = await registry.send("CP-A-01", Reset())
            assert verdict.accepted
            assert await second.wait_for("Reset") == {"type": "OnIdle"}
            assert [action for action, _ in first.received] == []
            # The old socket's end did not unregister the new one.
            assert registry.connected() == ["CP-A-01"]
    finally:
        await first.close()


async def _true(value: bool) -> bool:
    return value
