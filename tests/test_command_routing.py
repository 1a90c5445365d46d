"""Two instances of the app in one process (each its own services, registry, uvicorn and port; one
database; one bus, on memory, Redis and PostgreSQL): a command sent through B reaches the charger
whose socket A holds and B answers with the charger's own verdict; silent chargers time out, chargers
connected nowhere are offline at once, an instance that vanished is a timeout. Plus the wire format."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from chargegraph.app import create_app
from chargegraph.bus import EventBus
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.command_wire import COMMAND_TYPES, WireError, decode_command, decode_verdict, encode_command
from domain.command_wire import encode_verdict as wire_verdict
from domain.commands import (
    CancelReservation,
    ChangeAvailability,
    ChangeConfiguration,
    ChargingProfile,
    ClearChargingProfile,
    Command,
    GetCompositeSchedule,
    GetConfiguration,
    GetDiagnostics,
    GetVariables,
    RemoteStart,
    RemoteStop,
    ReserveNow,
    Reset,
    SetChargingProfile,
    SetVariables,
    TriggerMessage,
    UnlockConnector,
    UpdateFirmware,
    VariableRef,
    Verdict,
)
from domain.container import Services
from domain.db import Database
from domain.models import ChargerConnection
from domain.services import charger_presence
from ocpp_server.registry import ConnectionRegistry
from tests import live_events
from tests.device_control import charger
from tests.live import LiveServer, Uvicorn
from tests.ocpp_wire import eventually
from tests.world import Net, World, build_world

COMMAND_TIMEOUT = 1.5  # tests.live_events settings

# The bus under test (memory, Redis, PostgreSQL) on channels of this test's own.
settings = live_events.settings


@dataclass
class Instance:
    name: str
    services: Services
    registry: ConnectionRegistry
    server: LiveServer
    http: httpx.AsyncClient


@dataclass
class Pair:
    a: Instance
    b: Instance
    world: World


def _services(settings: Settings, db: Database, name: str, bus: Any = None) -> Services:
    """One instance's services; ``bus`` shares another instance's (the in-process memory bus)."""
    built = build_services(settings, db)
    shared = bus or built.bus
    registry = ConnectionRegistry(built.ocpp, db, shared, instance_id=name)
    hub = shared.hub if isinstance(shared, EventBus) else built.events
    return replace(built, commands=registry, bus=shared, events=hub)


@pytest.fixture
async def pair(settings: Settings, db: Database, bus_url: str, port: int) -> AsyncIterator[Pair]:
    first = _services(settings, db, "instance-a")
    second = _services(settings, db, "instance-b", first.bus if bus_url == "memory://" else None)
    db.publisher = first.bus if isinstance(first.bus, EventBus) else None
    world = await build_world(first)
    async with contextlib.AsyncExitStack() as stack:
        for bus in {id(s.bus): s.bus for s in (first, second)}.values():
            assert isinstance(bus, EventBus)
            await stack.enter_async_context(bus)
        instances = []
        for name, services, at in (("A", first, port), ("B", second, None)):
            registry = services.commands
            assert isinstance(registry, ConnectionRegistry)
            await stack.enter_async_context(registry.routing())
            runner = Uvicorn(create_app(settings, services=services, migrate=False), at)
            live = await runner.start()
            stack.push_async_callback(registry.close)
            stack.push_async_callback(runner.stop)
            http = await stack.enter_async_context(httpx.AsyncClient(base_url=live.http_url, timeout=15))
            instances.append(Instance(name, services, registry, live, http))
        yield Pair(instances[0], instances[1], world)


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async def check() -> bool:
        return predicate()

    await eventually(check, timeout)


async def reboot(instance: Instance, net: Net, kind: str = "Hard") -> dict[str, Any]:
    response = await instance.http.post(
        f"/cpms/v1/chargers/{net.charger.uuid}/reboot", json={"type": kind}, headers=net.cpms()
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_command_through_b_gets_the_verdict_of_the_charger_on_a(pair: Pair, version: str) -> None:
    net = pair.world.a
    async with charger(pair.a.server, net, version) as cp:
        # A announced the socket: B knows the charger is reachable and which vocabulary it speaks.
        await until(lambda: pair.b.registry.ocpp_version(cp.uid) == version)
        assert pair.b.registry.connected() == []

        data = await reboot(pair.b, net, "Hard")
        assert data == {
            "chargerId": str(net.charger.uuid),
            "resetType": "Hard",
            "accepted": True,
            "message": "Hard reset command sent successfully",
        }
        assert (await cp.wait_for("Reset"))["type"] == ("Hard" if version == "1.6" else "Immediate")

        cp.responses["Reset"] = "Rejected"
        data = await reboot(pair.b, net, "Soft")
        assert data["accepted"] is False
        assert (
            data["message"]
            == "The charger rejected the Soft reset command (Rejected): The charger answered Rejected."
        )
        assert (await cp.wait_for("Reset"))["type"] == ("Soft" if version == "1.6" else "OnIdle")

    # A recorded the disconnect and said so: B no longer sees the charger, and finds it offline at once.
    await until(lambda: pair.b.registry.ocpp_version(net.charger.uid) is None)
    started = time.monotonic()
    data = await reboot(pair.b, net)
    assert time.monotonic() - started < 1
    assert data["accepted"] is False
    assert data["message"] == "Hard reset command not delivered: The charger is not connected."


async def test_a_large_answer_comes_back_whole(pair: Pair) -> None:
    """A reply above PostgreSQL's 8000-byte NOTIFY limit travels in chunks and arrives intact."""
    keys = [{"key": f"Vendor{n:03d}", "readonly": n % 2 == 0, "value": "é" + "x" * 180} for n in range(120)]
    async with charger(pair.a.server, pair.world.a, "1.6") as cp:
        cp.responses["GetConfiguration"] = {"configurationKey": keys, "unknownKey": ["Nope"]}
        await until(lambda: pair.b.registry.ocpp_version(cp.uid) == "1.6")
        verdict = await pair.b.registry.send(cp.uid, GetConfiguration(("Vendor000", "Nope")))
        assert verdict.accepted
        assert verdict.payload == {"configurationKey": keys, "unknownKey": ["Nope"]}
        assert await cp.wait_for("GetConfiguration") == {"key": ["Vendor000", "Nope"]}


async def test_a_silent_charger_times_out_on_its_holders_clock(pair: Pair) -> None:
    net = pair.world.a
    async with charger(pair.a.server, net, "2.0.1") as cp:
        cp.silent.add("Reset")
        await until(lambda: pair.b.registry.ocpp_version(cp.uid) == "2.0.1")
        started = time.monotonic()
        data = await reboot(pair.b, net)
        elapsed = time.monotonic() - started
        assert data["accepted"] is False
        assert data["message"] == "Hard reset command not delivered: The charger did not answer in time."
        # A waited its command timeout and answered; B did not have to wait out the grace period.
        assert COMMAND_TIMEOUT <= elapsed < COMMAND_TIMEOUT + 1.5
        await cp.wait_for("Reset")
        # The socket is still good for the next command.
        cp.silent.clear()
        assert (await reboot(pair.b, net))["accepted"] is True


async def test_a_charger_connected_nowhere_is_offline_at_once(pair: Pair) -> None:
    for instance in (pair.a, pair.b):
        started = time.monotonic()
        data = await reboot(instance, pair.world.b)
        assert time.monotonic() - started < 1
        assert data["accepted"] is False and "not connected" in data["message"]
        assert instance.registry.ocpp_version(pair.world.b.charger.uid) is None


async def test_a_vanished_holder_is_a_timeout(pair: Pair) -> None:
    """An instance that died holding a socket wrote no Disconnected row: the command is routed to it,
    nobody answers, and the caller gets a (retryable) timeout after the command timeout + grace."""
    net = pair.world.b
    async with pair.a.services.db.unit_of_work() as session:
        assert net.charger.id is not None and net.network.id is not None
        session.add(
            ChargerConnection(
                network_id=net.network.id,
                charger_id=net.charger.id,
                status="Connected",
                ocpp_version="1.6",
                instance_id="vanished:1",
            )
        )
    assert await charger_presence.holder(pair.a.services.db, net.charger.uid) == charger_presence.Holder(
        "vanished:1", "1.6"
    )
    started = time.monotonic()
    verdict = await pair.b.registry.send(net.charger.uid, Reset(), timeout=0.3)
    elapsed = time.monotonic() - started
    assert verdict == Verdict.timed_out()
    assert 2.3 <= elapsed < 4


async def test_a_charger_that_moves_is_reached_where_it_is_now(pair: Pair) -> None:
    net = pair.world.a
    async with charger(pair.a.server, net, "1.6") as first:
        await until(lambda: pair.b.registry.ocpp_version(first.uid) == "1.6")
    async with charger(pair.b.server, net, "2.0.1") as cp:
        await until(lambda: pair.a.registry.ocpp_version(cp.uid) == "2.0.1")
        holder = await charger_presence.holder(pair.a.services.db, cp.uid)
        assert holder == charger_presence.Holder("instance-b", "2.0.1")
        assert (await reboot(pair.a, net, "Soft"))["accepted"] is True
        assert (await cp.wait_for("Reset"))["type"] == "OnIdle"


# -- the wire format ----------------------------------------------------------------------------------

_AT = datetime(2030, 5, 1, 12, 30, 15, tzinfo=UTC)
_PROFILE = ChargingProfile(7, 2, "A", Decimal("16.5"), "TxProfile", transaction_id="tx-9")
_REF = VariableRef("EVSE", "Power", "Actual", evse_id=1, connector_id=None, instance="main")
EVERY_COMMAND: list[Command] = [
    RemoteStart(1, "TAG-1", 42, _PROFILE),
    RemoteStart(2, "TAG-2", 43),
    RemoteStop("tx-1"),
    Reset("Hard"),
    UnlockConnector(2),
    ChangeAvailability(0, operative=False),
    TriggerMessage("StatusNotification", 1),
    GetConfiguration(("HeartbeatInterval", "MeterValueSampleInterval")),
    ChangeConfiguration("HeartbeatInterval", "60"),
    GetVariables((_REF, VariableRef("OCPPCommCtrlr", "HeartbeatInterval"))),
    SetVariables(((_REF, "11"), (VariableRef("X", "Y"), "z"))),
    UpdateFirmware("https://fw.example.com/x.bin", _AT, 9, retries=3, retry_interval_seconds=60),
    GetDiagnostics("https://up.example.com/", 5, "SecurityLog", start=_AT, stop=None),
    SetChargingProfile(1, _PROFILE),
    ClearChargingProfile(profile_id=7),
    GetCompositeSchedule(1, 3600, "W"),
    ReserveNow(1, _AT, "TAG-3", 77),
    CancelReservation(77),
]


def test_every_command_survives_the_wire() -> None:
    import json

    assert {type(c) for c in EVERY_COMMAND} == set(COMMAND_TYPES.values())
    for command in EVERY_COMMAND:
        sent = json.loads(json.dumps(encode_command(command)))
        assert decode_command(sent) == command
    verdict = Verdict(False, "no", retryable=True, status="Rejected", payload={"a": [1, {"b": None}]})
    assert decode_verdict(json.loads(json.dumps(wire_verdict(verdict)))) == verdict


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "FormatDisk", "args": {}},
        {"type": "Reset", "args": {"kind": "Gentle"}},
        {"type": "Reset", "args": {"kind": "Hard", "force": True}},
        {"type": "UnlockConnector", "args": {}},
        {"type": "UnlockConnector", "args": {"connector_number": "2"}},
        {"type": "UnlockConnector", "args": {"connector_number": True}},
        {
            "type": "ReserveNow",
            "args": {"connector_number": 1, "expires_at": "soon", "id_tag": "T", "reservation_id": 1},
        },
        "Reset",
    ],
)
def test_what_this_version_does_not_understand_is_refused(raw: Any) -> None:
    with pytest.raises(WireError):
        decode_command(raw)
