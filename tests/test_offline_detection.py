"""Offline detection and claims: a connected charger that says nothing for three heartbeat intervals
(at least five minutes) is marked disconnected ("No heartbeat", charger.disconnected) exactly once,
however many instances run the detector; a charger that talks (any message) is left alone; and its
socket closing later records no second disconnect."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from domain import claims
from domain.db import Database
from domain.events import Event
from domain.models import Charger, ChargerConnection, EventLogEntry, OcppMessage
from domain.services import charger_presence
from domain.services.charger_presence import Holder
from domain.types import utcnow
from ocpp_server.registry import ConnectionRegistry
from tests.device_control import charger
from tests.live import LiveServer
from tests.ocpp_wire import eventually
from tests.world import Net, World

HOLDER = "host-x:4242"


async def _connected(db: Database, net: Net, minutes_ago: float, *, instance: str = HOLDER) -> None:
    """``net``'s charger connected to ``instance`` and last heard of ``minutes_ago``."""
    then = utcnow() - timedelta(minutes=minutes_ago)
    assert net.charger.id is not None and net.network.id is not None
    async with db.unit_of_work() as session:
        session.add(
            ChargerConnection(
                network_id=net.network.id,
                charger_id=net.charger.id,
                status="Connected",
                ocpp_version="1.6",
                instance_id=instance,
                occurred_at=then,
            )
        )
        await session.execute(
            update(Charger)
            .where(col(Charger.id) == net.charger.id)
            .values(last_heartbeat=then, last_boot_at=then)
        )


async def _disconnects(db: Database, net: Net) -> list[ChargerConnection]:
    async with db.session() as session:
        stmt = select(ChargerConnection).where(
            ChargerConnection.charger_id == net.charger.id, ChargerConnection.status == "Disconnected"
        )
        return list((await session.exec(stmt)).all())


async def _disconnect_events(db: Database, net: Net) -> list[dict[str, Any]]:
    """The documented bodies of ``net``'s charger.disconnected events."""
    async with db.session() as session:
        stmt = select(EventLogEntry).where(
            EventLogEntry.charger_id == net.charger.id, EventLogEntry.event_type == "charger.disconnected"
        )
        return [Event.from_log(entry).public() for entry in (await session.exec(stmt)).all()]


def test_silence_allowed_is_three_heartbeats_and_at_least_five_minutes() -> None:
    assert charger_presence.silence_allowed(300) == timedelta(minutes=15)
    assert charger_presence.silence_allowed(30) == timedelta(minutes=5)


async def test_a_silent_charger_is_marked_disconnected_once(world: World) -> None:
    db = world.services.db
    await _connected(db, world.a, minutes_ago=10)
    # B's heartbeat is as old, but B sent a status notification a minute ago (2.0.1 chargers skip
    # heartbeats while other messages flow): it is alive.
    await _connected(db, world.b, minutes_ago=10)
    async with db.unit_of_work() as session:
        session.add(
            OcppMessage(
                charger_id=world.b.charger.id,
                network_id=world.b.network.id,
                charge_point_id=world.b.charger.uid,
                occurred_at=utcnow() - timedelta(minutes=1),
                direction="incoming",
                message_type="Call",
                action="StatusNotification",
                unique_id="m-1",
            )
        )

    # Not yet silent for three 300 s heartbeat intervals.
    assert await charger_presence.detect_offline(db, heartbeat_interval_seconds=300) == 0
    assert await charger_presence.detect_offline(db, heartbeat_interval_seconds=60) == 1

    [row] = await _disconnects(db, world.a)
    assert (row.reason, row.instance_id, row.ocpp_version) == ("No heartbeat", HOLDER, "1.6")
    [event] = await _disconnect_events(db, world.a)
    assert event["stationId"] == world.a.charger.uid
    assert event["data"]["reason"] == "No heartbeat"
    assert await charger_presence.holder(db, world.a.charger.uid) is None
    assert await charger_presence.holder(db, world.b.charger.uid) == Holder(HOLDER, "1.6")
    assert await _disconnects(db, world.b) == []

    # Done is done: the next rounds find nothing more.
    assert await charger_presence.detect_offline(db, heartbeat_interval_seconds=60) == 0
    assert len(await _disconnects(db, world.a)) == 1


async def test_a_charger_that_reconnected_elsewhere_is_not_silent(world: World) -> None:
    """The old instance's stale Connected row is superseded by the new one's."""
    db = world.services.db
    await _connected(db, world.a, minutes_ago=30, instance="host-old:1")
    await _connected(db, world.a, minutes_ago=1, instance="host-new:2")
    assert await charger_presence.detect_offline(db, heartbeat_interval_seconds=60) == 0
    assert await charger_presence.holder(db, world.a.charger.uid) == Holder("host-new:2", "1.6")


async def test_instances_racing_the_detector_mark_a_charger_once(world: World) -> None:
    db = world.services.db
    await _connected(db, world.a, minutes_ago=10)
    await _connected(db, world.b, minutes_ago=10)
    if db.dialect == "postgresql":  # five instances, each with its own connection pool
        url = db.engine.url.render_as_string(hide_password=False)
        others = [Database.from_url(url) for _ in range(5)]
        try:
            done = await asyncio.gather(
                *(charger_presence.detect_offline(o, heartbeat_interval_seconds=60) for o in others)
            )
        finally:
            for other in others:
                await other.dispose()
    else:  # SQLite: one process writes, rounds follow each other
        done = [await charger_presence.detect_offline(db, heartbeat_interval_seconds=60) for _ in range(5)]
    assert sum(done) == 2
    for net in (world.a, world.b):
        assert len(await _disconnects(db, net)) == 1
        assert len(await _disconnect_events(db, net)) == 1


async def test_a_claim_is_held_by_one_at_a_time(db: Database) -> None:
    async with claims.claimed(db, "test.work") as first:
        assert first
        async with claims.claimed(db, "test.work") as second, claims.claimed(db, "test.other") as other:
            # PostgreSQL: taken; SQLite: one process does all the work, every claim succeeds.
            assert second is (db.dialect == "sqlite")
            assert other
        assert await claims.exclusively(db, "test.work", _one) == (1 if db.dialect == "sqlite" else 0)
    async with claims.claimed(db, "test.work") as again:
        assert again
    assert claims.lock_key("test.work") == claims.lock_key("test.work") != claims.lock_key("test.other")


async def _one() -> int:
    return 1


async def test_a_socket_closing_after_it_was_declared_silent_records_nothing_more(
    world: World, server: LiveServer
) -> None:
    db = world.services.db
    registry = world.services.commands
    assert isinstance(registry, ConnectionRegistry)
    async with charger(server, world.a, "1.6") as cp:
        await eventually(lambda: charger_presence.holder(db, cp.uid))
        assert await charger_presence.holder(db, cp.uid) == Holder(registry.instance_id, "1.6")
        later = utcnow() + timedelta(hours=1)  # an hour of silence from now
        assert await charger_presence.detect_offline(db, heartbeat_interval_seconds=60, now=later) == 1
    await eventually(lambda: _true(registry.connected() == []))
    await asyncio.sleep(0.2)
    [row] = await _disconnects(db, world.a)
    assert row.reason == "No heartbeat"
    assert len(await _disconnect_events(db, world.a)) == 1


async def _true(value: bool) -> bool:
    return value
