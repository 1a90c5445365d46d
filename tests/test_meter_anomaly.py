"""An energy register that goes backwards never lowers the bill (issue 9 item 15).

A 1.6 StopTransaction whose meterStop is below the last MeterValues reading (or a 2.0.1 TransactionEvent
Ended whose Transaction.End value is) used to lower the billed energy silently, 4 kWh to 0. Now the
highest reading is kept and billed, the session shows the anomaly (GraphQL ``meterAnomaly``) and one
operator alert (``alert.raised``) is raised per session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from domain.models import ChargingSession, EventLogEntry, OperatorAlert, Transaction
from domain.services import transactions
from domain.services.transactions import Sample
from tests.live import LiveServer
from tests.test_reservations import VERSIONS, charger
from tests.world import World, gql

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SESSION = (
    """query($id: UUID!) { session(id: $id) { energyKwh meterStopKwh meterAnomaly cost { energyCost } } }"""
)


def energy(wh: int, at: datetime) -> Sample:
    return Sample("Energy.Active.Import.Register", Decimal(wh), at, unit="Wh")


async def session_of(world: World, txid: str) -> ChargingSession:
    async with world.services.db.session() as s:
        return (
            await s.exec(select(ChargingSession).where(ChargingSession.ocpp_transaction_id == txid))
        ).one()


async def alerts(world: World) -> list[OperatorAlert]:
    async with world.services.db.session() as s:
        return list(
            (await s.exec(select(OperatorAlert).where(OperatorAlert.category == "meter_anomaly"))).all()
        )


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_meter_stop_below_the_last_reading_bills_the_reading(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with charger(server, world, version) as cp:
        tx = await cp.start_transaction(1, world.a.token_uid, meter_start_wh=0)
        await cp.meter_values(1, energy_wh=4000, power_w=7000)
        await cp.stop_transaction(tx, meter_stop_wh=0, reason="Local")

        # A normal session on the other connector raises nothing.
        fine = await cp.start_transaction(2, world.a.token_uid, meter_start_wh=100)
        await cp.meter_values(2, energy_wh=1100)
        await cp.stop_transaction(fine, meter_stop_wh=1200)

    row = await session_of(world, tx)
    assert row.status == "COMPLETED"
    assert (row.energy_wh, row.meter_stop_wh) == (4000, 4000)
    assert row.meter_anomaly is not None and "0 Wh" in row.meter_anomaly and "4000 Wh" in row.meter_anomaly
    assert row.energy_cost == Decimal("1.4")  # 4 kWh x 0.35
    async with world.services.db.session() as s:
        cdr = (await s.exec(select(Transaction).where(Transaction.session_id == row.id))).one()
        raised = (await s.exec(select(EventLogEntry).where(EventLogEntry.event_type == "alert.raised"))).all()
    assert cdr.energy_wh == 4000 and cdr.energy_cost == Decimal("1.4")

    (alert,) = await alerts(world)
    assert alert.charger_id == world.a.charger.id and alert.network_id == world.a.network.id
    assert alert.details is not None
    assert (alert.details["sessionId"], alert.details["reportedWh"], alert.details["keptWh"]) == (
        str(row.uuid),
        0,
        4000,
    )
    assert [e.payload["wire"]["data"]["alertId"] for e in raised] == [str(alert.uuid)]
    assert str(row.uuid) in (alert.title or "")

    body = await gql(client, SESSION, {"id": str(row.uuid)}, world.a.cpms())
    assert "errors" not in body, body
    seen = body["data"]["session"]
    assert (seen["energyKwh"], seen["meterStopKwh"], seen["cost"]["energyCost"]) == ("4", "4", "1.40")
    assert seen["meterAnomaly"] == row.meter_anomaly

    normal = await session_of(world, fine)
    assert (normal.energy_wh, normal.meter_anomaly) == (1100, None)


async def test_a_register_going_backwards_mid_session_raises_one_alert(world: World) -> None:
    db, cid = world.services.db, world.a.charger.id
    assert cid is not None
    tx = (
        await transactions.transaction_started(
            db, cid, connector_number=1, id_tag=world.a.token_uid, started_at=T0, meter_start_wh=1000
        )
    ).transaction_id
    for minute, wh in ((10, 5000), (20, 3000), (30, 2000)):
        await transactions.meter_values(
            db,
            cid,
            connector_number=1,
            transaction_id=tx,
            samples=(energy(wh, T0 + timedelta(minutes=minute)),),
        )
    row = await session_of(world, tx)
    assert (row.energy_wh, row.current_meter_wh) == (4000, 5000)
    assert row.meter_anomaly is not None and "3000 Wh" in row.meter_anomaly
    await transactions.transaction_ended(
        db, cid, transaction_id=tx, ended_at=T0 + timedelta(hours=1), meter_stop_wh=2500
    )
    row = await session_of(world, tx)
    assert (row.energy_wh, row.meter_stop_wh, row.status) == (4000, 5000, "COMPLETED")
    assert len(await alerts(world)) == 1


async def test_a_201_end_value_below_the_last_one(world: World) -> None:
    db, cid = world.services.db, world.a.charger.id
    assert cid is not None
    tx = "tx-201-backwards"
    await transactions.transaction_started(
        db, cid, connector_number=1, id_tag=None, started_at=T0, transaction_id=tx, samples=(energy(500, T0),)
    )
    await transactions.transaction_updated(
        db,
        cid,
        transaction_id=tx,
        at=T0 + timedelta(minutes=5),
        samples=(energy(2500, T0 + timedelta(minutes=5)),),
    )
    end = T0 + timedelta(minutes=9)
    await transactions.transaction_ended(
        db, cid, transaction_id=tx, ended_at=end, meter_stop_wh=600, samples=(energy(600, end),)
    )
    row = await session_of(world, tx)
    assert (row.meter_start_wh, row.energy_wh, row.meter_stop_wh) == (500, 2000, 2500)
    assert row.meter_anomaly is not None and "meter stop 600 Wh" in row.meter_anomaly
    (alert,) = await alerts(world)
    assert alert.details is not None and alert.details["meterStop"] is True


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(min_value=0, max_value=10**6),
    readings=st.lists(st.integers(min_value=0, max_value=10**7), max_size=6),
    stop=st.one_of(st.none(), st.integers(min_value=0, max_value=10**7)),
)
async def test_billed_energy_is_never_below_the_highest_reading(
    world: World, start: int, readings: list[int], stop: int | None
) -> None:
    """Whatever the charger reports, in whatever order of values: the billed energy is the highest
    register reading (meter stop included) minus the start, never less."""
    db, cid = world.services.db, world.a.charger.id
    assert cid is not None
    tx = uuid4().hex[:20]
    await transactions.transaction_started(
        db, cid, connector_number=1, id_tag=None, started_at=T0, transaction_id=tx, meter_start_wh=start
    )
    for i, wh in enumerate(readings, start=1):
        await transactions.meter_values(
            db, cid, connector_number=1, transaction_id=tx, samples=(energy(wh, T0 + timedelta(minutes=i)),)
        )
    await transactions.transaction_ended(
        db, cid, transaction_id=tx, ended_at=T0 + timedelta(hours=1), meter_stop_wh=stop
    )
    row = await session_of(world, tx)
    highest = max([start, *readings, *([stop] if stop is not None else [])])
    assert row.energy_wh == highest - start
    async with db.session() as s:
        cdr = (await s.exec(select(Transaction).where(Transaction.session_id == row.id))).one()
    assert cdr.energy_wh == highest - start
    backwards = any(value < max([start, *readings[:i]]) for i, value in enumerate(readings)) or (
        stop is not None and stop < max([start, *readings])
    )
    assert (row.meter_anomaly is not None) == backwards
