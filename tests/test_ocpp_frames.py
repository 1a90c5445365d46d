"""Malformed frames, unknown actions, invalid payloads and failing handlers get the right CALLERROR on
both versions, and the connection stays up (a Heartbeat afterwards is answered)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from domain.services import charge_point
from tests.live import LiveServer
from tests.ocpp_wire import exchange, open_raw
from tests.world import CHARGER_PASSWORD, World

# (frame, expected unique id, 1.6 code, 2.0.1 code)
BAD_FRAMES = [
    ("this is not json", "-1", "FormationViolation", "RpcFrameworkError"),
    ('{"not": "an array"}', "-1", "FormationViolation", "RpcFrameworkError"),
    ('[9, "m-1", "Heartbeat", {}]', "m-1", "FormationViolation", "MessageTypeNotSupported"),
    ('[2, "m-2", "Heartbeat"]', "m-2", "FormationViolation", "RpcFrameworkError"),
    ('[2, "m-3", "MakeCoffee", {}]', "m-3", "NotSupported", "NotSupported"),
    ('[2, "m-4", "Heartbeat", {"extra": 1}]', "m-4", "FormationViolation", "FormatViolation"),
]


async def _heartbeat_works(ws: ClientConnection) -> None:
    reply = await exchange(ws, '[2, "hb", "Heartbeat", {}]')
    assert reply[0] == 3 and reply[1] == "hb"
    assert reply[2]["currentTime"].endswith("Z")


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_bad_frames_get_a_callerror_and_the_socket_stays_up(
    server: LiveServer, world: World, version: str
) -> None:
    ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=[f"ocpp{version}"], password=CHARGER_PASSWORD)
    try:
        for frame, unique_id, code16, code201 in BAD_FRAMES:
            reply = await exchange(ws, frame)
            assert reply[:3] == [4, unique_id, code16 if version == "1.6" else code201], frame
            assert isinstance(reply[3], str) and isinstance(reply[4], dict)
        await _heartbeat_works(ws)
    finally:
        await ws.close()


@pytest.mark.parametrize(
    ("version", "frame", "code"),
    [
        (
            "1.6",
            '[2, "t-1", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", '
            '"status": "Available"}]',
            "TypeConstraintViolation",
        ),
        (
            "2.0.1",
            '[2, "t-1", "StatusNotification", {"timestamp": "2030-01-01T00:00:00Z", '
            '"connectorStatus": "Available", "evseId": "one", "connectorId": 1}]',
            "TypeConstraintViolation",
        ),
        ("1.6", '[2, "t-1", "BootNotification", {"chargePointVendor": "X"}]', "ProtocolError"),
        ("1.6", '[2, "t-1", "ClearCache", {}]', "NotImplemented"),  # a 1.6 action, but not one we handle
        ("2.0.1", '[2, "t-1", "Get15118EVCertificate", {}]', "NotImplemented"),
        ("2.0.1", '[2, "t-1", "StartTransaction", {}]', "NotSupported"),  # 1.6 only
    ],
)
async def test_invalid_payloads_and_unknown_actions(
    server: LiveServer, world: World, version: str, frame: str, code: str
) -> None:
    ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=[f"ocpp{version}"], password=CHARGER_PASSWORD)
    try:
        reply = await exchange(ws, frame)
        assert reply[:3] == [4, "t-1", code]
        await _heartbeat_works(ws)
    finally:
        await ws.close()


async def test_a_failing_handler_is_an_internal_error_not_a_dropped_socket(
    server: LiveServer, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=["ocpp1.6"], password=CHARGER_PASSWORD)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(charge_point, "heartbeat", broken)
            reply = await exchange(ws, '[2, "x-1", "Heartbeat", {}]')
            assert reply[:3] == [4, "x-1", "InternalError"]
            assert "fire" not in reply[3]
        await _heartbeat_works(ws)
    finally:
        await ws.close()


async def test_frames_from_one_charger_are_answered_in_order(server: LiveServer, world: World) -> None:
    ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=["ocpp1.6"], password=CHARGER_PASSWORD)
    try:
        for n in range(10):
            status = "Charging" if n % 2 else "Available"
            await ws.send(
                f'[2, "s-{n}", "StatusNotification", {{"connectorId": 1, "errorCode": "NoError", '
                f'"status": "{status}"}}]'
            )
        replies = [json.loads(await ws.recv()) for _ in range(10)]
        assert [r[1] for r in replies] == [f"s-{n}" for n in range(10)]
        assert all(r[0] == 3 for r in replies)
    finally:
        await ws.close()
