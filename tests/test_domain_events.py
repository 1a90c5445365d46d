"""Domain services record their events in the change's transaction and publish them after commit:
charger connection and status, connector status, the session lifecycle with its driver, reservations,
firmware and diagnostics progress, alerts; nothing for a rolled-back change; one webhook outbox row per
matching subscription, written with the change."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain import events
from domain.event_hub import EventFilter, Subscription
from domain.events import Event
from domain.models import EventLogEntry, Reservation, Webhook, WebhookDelivery
from domain.services import reservations
from domain.types import utcnow
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.world import CHARGER_PASSWORD, World

VERSIONS = ["1.6", "2.0.1"]


async def _next(sub: Subscription, event_type: str, timeout: float = 5.0) -> Event:
    """The next event of ``event_type`` (others are skipped)."""

    async def wait() -> Event:
        while True:
            event = await sub.get()
            if event.type == event_type:
                return event

    return await asyncio.wait_for(wait(), timeout)


def _sim(server: LiveServer, world: World, version: str) -> SimulatedCharger:
    return SimulatedCharger(
        server.ocpp_url(), world.a.charger.uid, version=version, password=CHARGER_PASSWORD, connectors=2
    )


async def _subscribe_webhook(world: World, patterns: list[str]) -> int:
    async with world.services.db.unit_of_work() as s:
        hook = Webhook(
            network_id=world.a.network.id or 0,
            family="cpms",
            url="https://hooks.example.com/in",
            events=patterns,
            secret_encrypted="sealed",
            secret_last4="abcd",
        )
        s.add(hook)
        await s.flush()
        assert hook.id is not None
        return hook.id


async def _record_then_fail(world: World, network_id: int) -> None:
    async with world.services.db.unit_of_work() as s:
        await events.record(s, "alert.raised", network_id=network_id, data={"n": 1})
        raise RuntimeError("the change fails")


async def test_an_event_is_published_after_commit_and_never_for_a_rollback(world: World) -> None:
    db = world.services.db
    network_id = world.a.network.id
    assert network_id is not None
    with world.services.events.subscribe(EventFilter()) as sub:
        with pytest.raises(RuntimeError):
            await _record_then_fail(world, network_id)
        async with db.unit_of_work() as s:
            recorded = await events.record(s, "alert.raised", network_id=network_id, data={"n": 2})
            await asyncio.sleep(0)
            assert sub.queue.empty()  # not before the commit
        got = await _next(sub, "alert.raised")
    assert got.id == recorded.id and got.data == {"n": 2}
    async with db.session() as s:
        logged = (await s.exec(select(EventLogEntry).where(EventLogEntry.event_type == "alert.raised"))).all()
    assert [e.event_id for e in logged] == [recorded.id]  # the rolled-back one left no row
    assert got.seq == logged[0].id


async def test_unknown_event_types_are_refused(world: World) -> None:
    async def record() -> None:
        async with world.services.db.unit_of_work() as s:
            await events.record(s, "session.exploded", network_id=1, data={})

    with pytest.raises(ValueError, match="unknown event type"):
        await record()


@pytest.mark.parametrize("version", VERSIONS)
async def test_charger_and_connector_status_events_with_outbox_rows(
    server: LiveServer, world: World, version: str
) -> None:
    hook_id = await _subscribe_webhook(world, ["connector.*"])
    other = world.services.events.subscribe(EventFilter(network_ids=frozenset({world.b.network.id or 0})))
    with world.services.events.subscribe(EventFilter()) as sub, other:
        async with _sim(server, world, version) as cp:
            connected = await _next(sub, "charger.connected")
            assert connected.data["ocppVersion"] == version
            assert connected.station_id == world.a.charger.uid
            await cp.status(1, "Charging")
            changed = await _next(sub, "connector.status_changed")
            await cp.status(1, "Charging")  # the same status again is not a change
            await cp.status(0, "Unavailable")
            charger_changed = await _next(sub, "charger.status_changed")
        disconnected = await _next(sub, "charger.disconnected")
        assert other.queue.empty()  # another network's subscriber saw none of it
    assert changed.network_id == world.a.network.id
    assert changed.data["connectorId"] == 1
    assert changed.data["status"] == ("Charging" if version == "1.6" else "Occupied")  # 2.0.1 words
    assert changed.data["chargerId"] == str(world.a.charger.uuid)
    assert changed.location_uuid == str(world.a.location.uuid)
    assert charger_changed.data["status"] == "Unavailable"
    assert disconnected.data["stationId"] == world.a.charger.uid
    async with world.services.db.session() as s:
        deliveries = (await s.exec(select(WebhookDelivery))).all()
        statuses = (
            await s.exec(select(EventLogEntry).where(EventLogEntry.event_type == "connector.status_changed"))
        ).all()
    assert len(statuses) == 1
    assert [(d.webhook_id, d.event_id, d.status) for d in deliveries] == [(hook_id, changed.id, "Pending")]
    assert deliveries[0].payload == changed.public()


@pytest.mark.parametrize("version", VERSIONS)
async def test_session_lifecycle_events_carry_the_driver(
    server: LiveServer, world: World, version: str
) -> None:
    with world.services.events.subscribe(EventFilter(types=frozenset({"session.*"}))) as sub:
        async with _sim(server, world, version) as cp:
            tx = await cp.start_transaction(1, world.a.token_uid, meter_start_wh=1000)
            started = await _next(sub, "session.started")
            await cp.meter_values(1, energy_wh=4500, power_w=7400, soc=55)
            updated = await _next(sub, "session.updated")
            await cp.stop_transaction(tx, meter_stop_wh=6000)
            completed = await _next(sub, "session.completed")
    assert started.user_id == world.a.driver.id
    assert started.data["status"] == "Active"
    assert started.data["sessionId"] == completed.data["sessionId"] == updated.data["sessionId"]
    assert updated.data["energyKwh"] == 3.5
    assert updated.data["powerKw"] == 7.4
    assert updated.data["soc"] == 55
    assert completed.data["status"] == "Completed"
    assert completed.data["energyKwh"] == 5.0
    assert completed.data["cost"] is not None and completed.data["endedAt"].endswith("Z")


async def test_expired_reservations_are_announced(world: World) -> None:
    db = world.services.db
    async with db.unit_of_work() as s:
        row = Reservation(
            network_id=world.a.network.id or 0,
            charger_id=world.a.charger.id or 0,
            connector_number=1,
            user_id=world.a.driver.id,
            id_tag=world.a.token_uid,
            ocpp_reservation_id=4242,
            status="Accepted",
            expires_at=utcnow() - timedelta(minutes=1),
        )
        s.add(row)
    with world.services.events.subscribe(EventFilter()) as sub:
        assert await reservations.expire_due(db) == 1
        expired = await _next(sub, "reservation.expired")
        assert await reservations.expire_due(db) == 0
        await asyncio.sleep(0.05)
        assert sub.queue.empty()
    assert expired.data["reservationId"] == str(row.uuid)
    assert expired.data["status"] == "Expired"
    assert expired.user_id == world.a.driver.id


@pytest.mark.parametrize("version", VERSIONS)
async def test_security_events_raise_alerts_and_progress_is_announced(
    server: LiveServer, world: World, version: str
) -> None:
    with world.services.events.subscribe(EventFilter()) as sub:
        async with _sim(server, world, version) as cp:
            await cp.security_event("FirmwareTampering", tech_info="case opened")
            alert = await _next(sub, "alert.raised")
    assert alert.data["severity"] == "critical"
    assert alert.data["chargerId"] == str(world.a.charger.uuid)
    async with world.services.db.session() as s:
        rows = (
            await s.exec(select(EventLogEntry).where(col(EventLogEntry.event_type) == "alert.raised"))
        ).all()
    assert len(rows) == 1
