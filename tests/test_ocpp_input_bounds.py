"""Hostile input on the OCPP endpoint (issue 9): frames nested too deep, NUL characters anywhere in a
frame, message ids longer than the 36 characters OCPP-J allows, and charge point identities the
database cannot hold. Each gets a CALLERROR (or a refused handshake), the socket stays up, nothing
reaches the database, and the message log never loses one charger's frames to another's bad one."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import col, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from domain.commands import GetConfiguration
from domain.db import Database
from domain.models import Charger, OcppMessage
from ocpp_server.message_log import MessageLog
from ocpp_server.registry import ConnectionRegistry
from tests.live import LiveServer
from tests.ocpp_wire import exchange, open_raw
from tests.world import CHARGER_PASSWORD, World

VERSIONS = ["1.6", "2.0.1"]
RPC = {"1.6": "FormationViolation", "2.0.1": "RpcFrameworkError"}
"""The code of a frame whose RPC envelope cannot be read (its message id included)."""
FORMAT = {"1.6": "FormationViolation", "2.0.1": "FormatViolation"}
"""The code of a readable CALL whose payload cannot be accepted."""

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEPER_THAN_PYTHON = "[" * 100_000 + "]" * 100_000
DEEP_PAYLOAD = '[2, "d-1", "Heartbeat", {"a": ' + "[" * 40 + "]" * 40 + "}]"
DEEP_IN_C = '[2, "d-2", "Heartbeat", {"a": ' + "[" * 5000 + "]" * 5000 + "}]"
NUL_ID = '[2, "n\\u0000-1", "Heartbeat", {}]'
NUL_ACTION = '[2, "n-2", "Heart\\u0000beat", {}]'
LONG_ID = "x" * 37


def _boot(version: str, unique_id: str, vendor: str) -> str:
    if version == "1.6":
        payload: dict[str, Any] = {"chargePointVendor": vendor, "chargePointModel": "M"}
    else:
        payload = {"reason": "PowerUp", "chargingStation": {"vendorName": vendor, "model": "M"}}
    return json.dumps([2, unique_id, "BootNotification", payload])


async def _heartbeat_works(ws: ClientConnection, unique_id: str = "hb") -> None:
    reply = await exchange(ws, json.dumps([2, unique_id, "Heartbeat", {}]))
    assert reply[0] == 3 and reply[1] == unique_id
    assert reply[2]["currentTime"].endswith("Z")


async def _open(server: LiveServer, version: str, uid: str = "CP-A-01") -> ClientConnection:
    return await open_raw(server.ocpp_url(), uid, protocols=[f"ocpp{version}"], password=CHARGER_PASSWORD)


def _registry(server_app: Any) -> ConnectionRegistry:
    registry = server_app.state.services.commands
    assert isinstance(registry, ConnectionRegistry)
    return registry


# -- nesting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("frame", [DEEP_ARRAY, DEEPER_THAN_PYTHON, DEEP_PAYLOAD, DEEP_IN_C])
async def test_a_frame_nested_too_deep_gets_a_callerror_and_the_socket_stays_up(
    server: LiveServer, world: World, version: str, frame: str
) -> None:
    ws = await _open(server, version)
    try:
        reply = await exchange(ws, frame)
        assert reply[:3] == [4, "-1", RPC[version]]
        assert "nested deeper" in reply[3]
        await _heartbeat_works(ws)
    finally:
        await ws.close()


async def test_a_reasonably_nested_data_transfer_is_still_handled(server: LiveServer, world: World) -> None:
    data = json.loads("[" * 20 + "1" + "]" * 20)  # 2.0.1 DataTransfer data is any JSON (1.6: a string)
    ws = await _open(server, "2.0.1")
    try:
        frame = [2, "dt-1", "DataTransfer", {"vendorId": "acme", "data": data}]
        reply = await exchange(ws, json.dumps(frame))
        assert reply[:2] == [3, "dt-1"]
    finally:
        await ws.close()


# -- NUL characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("frame", "why"),
    [
        (NUL_ID, "NUL"),
        ('[2, "\\u0000", "Heartbeat", {}]', "NUL"),
        ('[2, "s-\\ud800", "Heartbeat", {}]', "surrogate"),
        ('[2, "s-\\uDFFF", "Heartbeat", {}]', "surrogate"),
    ],
)
async def test_a_nul_or_lone_surrogate_in_the_message_id_gets_a_callerror_with_id_minus_one(
    server: LiveServer, world: World, version: str, frame: str, why: str
) -> None:
    ws = await _open(server, version)
    try:
        reply = await exchange(ws, frame)
        assert reply[:3] == [4, "-1", RPC[version]]
        assert why in reply[3]
        await _heartbeat_works(ws)
    finally:
        await ws.close()


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_nul_in_a_boot_notification_field_is_refused_and_nothing_is_written(
    server: LiveServer, world: World, version: str
) -> None:
    ws = await _open(server, version)
    try:
        reply = await exchange(ws, _boot(version, "b-1", "Evil\u0000Vendor"))
        assert reply[:3] == [4, "b-1", FORMAT[version]]
        assert "NUL" in reply[3]
        reply = await exchange(ws, NUL_ACTION)
        assert reply[:3] == [4, "n-2", FORMAT[version]]
        key = json.dumps([2, "b-2", "DataTransfer", {"vendorId": "acme", "data": {"k\u0000": 1}}])
        assert (await exchange(ws, key))[:3] == [4, "b-2", FORMAT[version]]
        reply = await exchange(ws, _boot(version, "b-3", "Lone \ud800 Surrogate"))
        assert reply[:3] == [4, "b-3", FORMAT[version]]
        assert "surrogate" in reply[3]
        await _heartbeat_works(ws)
        # A surrogate pair (json.dumps escapes it as two \u escapes) is one character: accepted.
        reply = await exchange(ws, _boot(version, "b-4", "Honest Vendor \U0001f600"))
        assert reply[:2] == [3, "b-4"] and reply[2]["status"] == "Accepted"
    finally:
        await ws.close()
    async with world.services.db.session() as s:
        charger = await s.get(Charger, world.a.charger.id)
        assert charger is not None and charger.vendor == "Honest Vendor \U0001f600"


async def test_a_nul_in_the_chargers_answer_fails_the_command(server: LiveServer, world: World) -> None:
    ws = await _open(server, "1.6")
    try:
        sent = asyncio.create_task(
            world.services.commands.send("CP-A-01", GetConfiguration(("K",)), timeout=5)
        )
        call = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert call[:3] == [2, call[1], "GetConfiguration"]
        await ws.send(
            json.dumps([3, call[1], {"configurationKey": [{"key": "K", "readonly": True, "value": "\x00"}]}])
        )
        verdict = await sent
        assert (verdict.accepted, verdict.retryable, verdict.status) == (False, False, "FormationViolation")
        await _heartbeat_works(ws)
    finally:
        await ws.close()


# -- message ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_message_id_longer_than_36_characters_gets_a_callerror(
    server: LiveServer, world: World, version: str
) -> None:
    ws = await _open(server, version)
    try:
        reply = await exchange(ws, json.dumps([2, LONG_ID, "Heartbeat", {}]))
        assert reply[:3] == [4, "-1", RPC[version]]
        assert "36" in reply[3]
        reply = await exchange(ws, json.dumps([2, "y" * 100_000, "Heartbeat", {}]))
        assert reply[:3] == [4, "-1", RPC[version]]
        await _heartbeat_works(ws, "z" * 36)  # the longest id allowed is answered
    finally:
        await ws.close()


# -- the message log ---------------------------------------------------------------------------------


async def _logged(db: Database, uid: str) -> list[OcppMessage]:
    async with db.session() as s:
        stmt = select(OcppMessage).where(OcppMessage.charge_point_id == uid)
        return list((await s.exec(stmt.order_by(col(OcppMessage.id)))).all())


async def test_a_charger_sending_a_nul_id_cannot_erase_another_chargers_log_rows(
    server: LiveServer, world: World, app: Any
) -> None:
    """Both chargers' frames land in one batch of the message log (the flusher waits for the explicit
    flush); the NUL frame costs its own row at most, never the neighbour's."""
    messages = _registry(app).messages
    messages.interval = 60.0
    a = await _open(server, "1.6", "CP-A-01")
    b = await _open(server, "2.0.1", "CP-B-01")
    try:
        await _heartbeat_works(a, "a-1")
        reply = await exchange(b, NUL_ID)
        assert reply[0] == 4
        reply = await exchange(b, _boot("2.0.1", "b-1", "Evil\u0000Vendor"))
        assert reply[0] == 4
        await _heartbeat_works(a, "a-2")
    finally:
        await a.close()
        await b.close()
    await messages.flush()
    rows = await _logged(world.services.db, "CP-A-01")
    assert [(r.direction, r.unique_id) for r in rows] == [
        ("incoming", "a-1"),
        ("outgoing", "a-1"),
        ("incoming", "a-2"),
        ("outgoing", "a-2"),
    ]
    assert all("\x00" not in r.unique_id for r in await _logged(world.services.db, "CP-B-01"))
    assert len(await _logged(world.services.db, "CP-B-01")) >= 2


def _row(uid: str, unique_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "charge_point_id": uid,
        "direction": "incoming",
        "message_type": "Call",
        "unique_id": unique_id,
        "action": "Heartbeat",
        "payload": {},
        **fields,
    }


async def test_the_log_writer_stores_nul_strings_replaced_and_keeps_the_batch(db: Database) -> None:
    log = MessageLog(db, interval=60.0)
    log.record(**_row("CP-GOOD", "g-1"))
    log.record(
        **_row(
            "CP-B\x00AD",
            "bad\x00id",
            action="Heart\x00beat",
            error_description="no\x00pe",
            payload={"k\x00": ["v\x00", {"deep\x00": "\ud800"}]},
        )
    )
    log.record(**_row("CP-GOOD", "g-2"))
    await log.close()
    assert [r.unique_id for r in await _logged(db, "CP-GOOD")] == ["g-1", "g-2"]
    (bad,) = await _logged(db, "CP-B\ufffdAD")
    assert bad.unique_id == "bad\ufffdid"
    assert (bad.action, bad.error_description) == ("Heart\ufffdbeat", "no\ufffdpe")
    assert bad.payload == {"k\ufffd": ["v\ufffd", {"deep\ufffd": "\ufffd"}]}


async def test_a_row_the_database_refuses_is_dropped_alone(db: Database) -> None:
    """A batch INSERT that fails falls back to one row at a time: only the refused row is lost."""
    log = MessageLog(db, interval=60.0)
    for n in range(5):
        log.record(**_row("CP-GOOD", f"g-{n}"))
        if n == 2:
            log.record(**_row("CP-BAD", "overflow", response_time_ms=2**70))
    await log.close()
    assert [r.unique_id for r in await _logged(db, "CP-GOOD")] == [f"g-{n}" for n in range(5)]
    assert await _logged(db, "CP-BAD") == []


# -- the handshake -----------------------------------------------------------------------------------


async def _handshake_status(server: LiveServer, path: str, authorization: str | None = None) -> int:
    headers = {"Authorization": authorization} if authorization is not None else {}
    with pytest.raises(InvalidStatus) as caught:
        await connect(
            f"{server.ocpp_url()}/{path}", subprotocols=[Subprotocol("ocpp1.6")], additional_headers=headers
        )
    return caught.value.response.status_code


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.mark.parametrize("registering", [False, True], ids=["known-only", "auto-register"])
async def test_a_charge_point_id_with_a_nul_or_too_long_is_refused_cleanly(
    server: LiveServer, world: World, registering: bool
) -> None:
    if registering:
        object.__setattr__(
            world.services,
            "ocpp",
            replace(world.services.ocpp, auto_register_network=str(world.b.network.uuid)),
        )
    for uid, path in [("CP\x00A", "CP%00A"), ("L" * 49, "L" * 49), ("L" * 2000, "L" * 2000)]:
        status = await _handshake_status(server, path, _basic(uid, "a-long-enough-password-1"))
        assert status == 403, uid
    # A NUL in the password of a known charger is a wrong password, not a crash.
    assert await _handshake_status(server, "CP-A-01", _basic("CP-A-01", "charger\x00pass")) == 403
    async with world.services.db.session() as s:
        uids = (await s.exec(select(Charger.uid))).all()
    assert sorted(uids) == ["CP-A-01", "CP-B-01"]
    ws = await _open(server, "1.6")  # the endpoint still serves
    try:
        await _heartbeat_works(ws)
    finally:
        await ws.close()
