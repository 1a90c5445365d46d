"""What chargers report about charging, through the version-neutral transaction services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import select

from domain.models import ChargingSession, ChargingToken, MeterSample, Reservation, Tariff, Transaction, User
from domain.services import pricing, transactions
from domain.services.transactions import Sample
from domain.types import utcnow
from tests.world import World

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday


def energy(wh: int | str, at: datetime, unit: str | None = None) -> Sample:
    return Sample("Energy.Active.Import.Register", Decimal(str(wh)), at, unit=unit)


async def _count(world: World, model: type, *where: object) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(model).where(*where))).one())  # type: ignore[arg-type]


async def _session(world: World, txid: str) -> ChargingSession:
    stmt = select(ChargingSession).where(
        ChargingSession.ocpp_transaction_id == txid, ChargingSession.charger_id == world.a.charger.id
    )
    async with world.services.db.session() as s:
        return (await s.exec(stmt)).one()


async def _token(world: World) -> ChargingToken:
    async with world.services.db.session() as s:
        return (await s.exec(select(ChargingToken).where(ChargingToken.uid == world.a.token_uid))).one()


async def test_authorize_statuses(world: World) -> None:
    db, cid = world.services.db, world.a.charger.id
    assert cid is not None
    assert (await transactions.authorize(db, cid, world.a.token_uid)).status == "Accepted"
    assert (await transactions.authorize(db, cid, world.a.token_uid.lower())).status == "Accepted"
    assert (await transactions.authorize(db, cid, "NO-SUCH-TAG")).status == "Unknown"
    # another network's token is unknown here
    assert (await transactions.authorize(db, cid, world.b.token_uid)).status == "Unknown"
    async with db.unit_of_work() as s:
        driver = await s.get(User, world.a.driver.id)
        assert driver is not None
        driver.fraud_hold = True
        s.add(driver)
    assert (await transactions.authorize(db, cid, world.a.token_uid)).status == "Blocked"
    async with db.unit_of_work() as s:
        token = (await s.exec(select(ChargingToken).where(ChargingToken.uid == world.a.token_uid))).one()
        token.expires_at = utcnow() - timedelta(days=1)
        s.add(token)
    verdict = await transactions.authorize(db, cid, world.a.token_uid)
    assert verdict.status == "Expired" and verdict.expires_at is not None
    async with db.unit_of_work() as s:
        token = (await s.exec(select(ChargingToken).where(ChargingToken.uid == world.a.token_uid))).one()
        token.valid, token.invalidated_at = False, utcnow()
        s.add(token)
    assert (await transactions.authorize(db, cid, world.a.token_uid)).status == "Invalid"


async def test_concurrent_transaction_and_reservation_bound_connector(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    started = await transactions.transaction_started(
        db, a.charger.id, connector_number=1, id_tag=a.token_uid, started_at=T0, meter_start_wh=0
    )
    assert started.token.status == "Accepted"
    assert (await transactions.authorize(db, a.charger.id, a.token_uid)).status == "ConcurrentTx"
    await transactions.transaction_ended(db, a.charger.id, transaction_id=started.transaction_id, ended_at=T0)
    async with db.unit_of_work() as s:
        other = User(network_id=a.network.id, email="other@example.com")
        s.add(other)
        await s.flush()
        assert other.id is not None and a.network.id is not None
        s.add(
            ChargingToken(network_id=a.network.id, user_id=other.id, uid="OTHER1", contract_id="US-X-OTHER1")
        )
        s.add(
            Reservation(
                network_id=a.network.id,
                charger_id=a.charger.id,
                connector_number=2,
                id_tag=a.token_uid,
                ocpp_reservation_id=77,
                status="Accepted",
                expires_at=utcnow() + timedelta(minutes=30),
            )
        )
    assert (await transactions.authorize(db, a.charger.id, "OTHER1", connector_number=2)).status == "Invalid"
    assert (await transactions.authorize(db, a.charger.id, "OTHER1", connector_number=1)).status == "Accepted"
    now = utcnow()
    refused = await transactions.transaction_started(
        db, a.charger.id, connector_number=2, id_tag="OTHER1", started_at=now, meter_start_wh=0
    )
    assert refused.token.status == "Invalid"
    await transactions.transaction_ended(
        db, a.charger.id, transaction_id=refused.transaction_id, ended_at=now
    )
    mine = await transactions.transaction_started(
        db, a.charger.id, connector_number=2, id_tag=a.token_uid, started_at=now, meter_start_wh=0
    )
    assert mine.token.status == "Accepted"
    row = await _session(world, mine.transaction_id)
    async with db.session() as s:
        reservation = (await s.exec(select(Reservation))).one()
    assert reservation.status == "Used" and row.reservation_id == reservation.id


async def test_start_16_assigns_ids_and_replays_are_idempotent(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    first = await transactions.transaction_started(
        db, a.charger.id, connector_number=1, id_tag=a.token_uid, started_at=T0, meter_start_wh=1000
    )
    again = await transactions.transaction_started(
        db, a.charger.id, connector_number=1, id_tag=a.token_uid, started_at=T0, meter_start_wh=1000
    )
    assert first.transaction_id.isdigit()
    assert again == first  # same id, same verdict (not ConcurrentTx with itself), same session
    assert await _count(world, ChargingSession) == 1
    row = await _session(world, first.transaction_id)
    assert row.status == "ACTIVE" and row.started_at == T0  # the charger's time, not ours
    assert row.user_id == a.driver.id and row.tariff_id == a.tariff.id and row.meter_start_wh == 1000
    # a second connector gets another id
    other = await transactions.transaction_started(
        db, a.charger.id, connector_number=2, id_tag=None, started_at=T0, meter_start_wh=0
    )
    assert other.transaction_id != first.transaction_id


async def test_start_201_uses_the_chargers_id(world: World) -> None:
    db, a, b = world.services.db, world.a, world.b
    assert a.charger.id is not None and b.charger.id is not None
    begin = (energy("2.5", T0, "kWh"),)
    got = await transactions.transaction_started(
        db,
        a.charger.id,
        connector_number=1,
        id_tag=a.token_uid,
        started_at=T0,
        transaction_id="tx-abc",
        samples=begin,
    )
    replay = await transactions.transaction_started(
        db,
        a.charger.id,
        connector_number=1,
        id_tag=a.token_uid,
        started_at=T0,
        transaction_id="tx-abc",
        samples=begin,
    )
    assert got.transaction_id == "tx-abc" and replay.session_uuid == got.session_uuid
    # the same id on another charger is another transaction
    elsewhere = await transactions.transaction_started(
        db, b.charger.id, connector_number=1, id_tag=None, started_at=T0, transaction_id="tx-abc"
    )
    assert elsewhere.session_uuid != got.session_uuid
    row = await _session(world, "tx-abc")
    assert row.meter_start_wh == 2500  # kWh converted to Wh


async def test_meter_values_live_and_never_backwards(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    tx = (
        await transactions.transaction_started(
            db, a.charger.id, connector_number=1, id_tag=a.token_uid, started_at=T0, meter_start_wh=10_000
        )
    ).transaction_id
    at = T0 + timedelta(minutes=10)
    await transactions.meter_values(
        db,
        a.charger.id,
        connector_number=1,
        transaction_id=tx,
        samples=(
            energy("12.5", at, "kWh"),
            Sample("Power.Active.Import", Decimal("7.2"), at, unit="kW"),
            Sample("SoC", Decimal(40), at, unit="Percent"),
            Sample("Current.Import", Decimal(16), at, unit="A", phase="L1"),
        ),
    )
    row = await _session(world, tx)
    assert (row.energy_wh, row.current_power_w, row.current_soc_percent) == (2500, 7200, Decimal(40))
    assert row.last_meter_at == at and row.max_power_w == 7200
    # a late, older reading is stored but does not move the live values back
    await transactions.meter_values(
        db,
        a.charger.id,
        connector_number=1,
        transaction_id=tx,
        samples=(energy(11_000, T0 + timedelta(minutes=5)),),
    )
    row = await _session(world, tx)
    assert row.energy_wh == 2500 and row.last_meter_at == at
    assert await _count(world, MeterSample, MeterSample.session_id == row.id) == 5
    # without a transaction: stored against the charger only
    await transactions.meter_values(db, a.charger.id, connector_number=0, samples=(energy(1, at),))
    assert await _count(world, MeterSample, MeterSample.session_id == None) == 1  # noqa: E711


async def test_end_costs_the_session_and_writes_one_cdr(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    tx = (
        await transactions.transaction_started(
            db, a.charger.id, connector_number=1, id_tag=a.token_uid, started_at=T0, meter_start_wh=1000
        )
    ).transaction_id
    end = T0 + timedelta(minutes=90)
    for _ in range(2):  # a replayed StopTransaction changes nothing
        verdict = await transactions.transaction_ended(
            db,
            a.charger.id,
            transaction_id=tx,
            ended_at=end,
            meter_stop_wh=13_000,
            reason="EVDisconnected",
            id_tag=a.token_uid,
        )
        assert verdict is not None and verdict.status == "Accepted"
    row = await _session(world, tx)
    assert row.status == "COMPLETED" and row.ended_at == end and row.stop_reason == "EVDisconnected"
    # 12 kWh x 0.35 + 1.5 h x 2 + 1 session fee
    assert (row.energy_wh, row.energy_cost, row.time_cost, row.session_fee) == (
        12_000,
        Decimal("4.2"),
        Decimal(3),
        Decimal(1),
    )
    assert row.total == Decimal("8.2") and row.currency == "USD"
    assert await _count(world, Transaction) == 1
    async with db.session() as s:
        cdr = (await s.exec(select(Transaction))).one()
    assert cdr.session_id == row.id and cdr.total == Decimal("8.2") and cdr.energy_wh == 12_000
    assert cdr.start_time == T0 and cdr.end_time == end and cdr.total_time_hours == Decimal("1.5")
    assert cdr.charger_uid == "CP-A-01" and cdr.location_name == a.location.name
    assert cdr.tariff_name == "Standard AC" and cdr.id_tag == a.token_uid


async def test_offline_queued_transaction_recorded_at_its_own_times(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    past = utcnow() - timedelta(days=2)
    tx = (
        await transactions.transaction_started(
            db, a.charger.id, connector_number=2, id_tag=a.token_uid, started_at=past, meter_start_wh=0
        )
    ).transaction_id
    await transactions.meter_values(
        db,
        a.charger.id,
        connector_number=2,
        transaction_id=tx,
        samples=(energy(3000, past + timedelta(minutes=30)),),
    )
    await transactions.transaction_ended(
        db, a.charger.id, transaction_id=tx, ended_at=past + timedelta(hours=1), meter_stop_wh=5000
    )
    row = await _session(world, tx)
    assert row.started_at == past and row.ended_at == past + timedelta(hours=1)
    assert row.energy_wh == 5000 and row.status == "COMPLETED"


async def test_unknown_transaction_end_is_recorded_and_faults_fault(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    await transactions.transaction_ended(
        db,
        a.charger.id,
        transaction_id="ghost-1",
        ended_at=T0,
        meter_stop_wh=4000,
        samples=(energy(1000, T0 - timedelta(hours=1)),),
    )
    row = await _session(world, "ghost-1")
    assert row.status == "COMPLETED" and row.started_at == T0 - timedelta(hours=1) and row.energy_wh == 3000
    assert await _count(world, Transaction, Transaction.session_id == row.id) == 1
    tx = (
        await transactions.transaction_started(
            db, a.charger.id, connector_number=1, id_tag=None, started_at=T0, transaction_id="tx-f"
        )
    ).transaction_id
    await transactions.transaction_ended(
        db, a.charger.id, transaction_id=tx, ended_at=T0, reason="OvercurrentFault"
    )
    assert (await _session(world, "tx-f")).status == "FAULTED"


async def test_transaction_updated_tracks_idle_and_late_started(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None
    await transactions.transaction_updated(
        db, a.charger.id, transaction_id="late-1", at=T0, samples=(energy(500, T0),), connector_number=2
    )
    row = await _session(world, "late-1")
    assert row.status == "ACTIVE" and row.connector_number == 2 and row.meter_start_wh == 500
    await transactions.transaction_updated(
        db,
        a.charger.id,
        transaction_id="late-1",
        at=T0 + timedelta(minutes=20),
        charging_state="SuspendedEV",
        samples=(energy(2500, T0 + timedelta(minutes=20)),),
    )
    await transactions.transaction_ended(
        db, a.charger.id, transaction_id="late-1", ended_at=T0 + timedelta(minutes=50)
    )
    row = await _session(world, "late-1")
    assert row.idle_seconds == 1800 and row.energy_wh == 2000


def test_pricing_is_exact() -> None:
    tariff = Tariff(
        network_id=1,
        name="t",
        currency="EUR",
        energy_rate=Decimal("0.333"),
        time_rate=Decimal("1.2"),
        session_fee=Decimal("0.5"),
        idle_rate=Decimal(6),
        idle_fee_enabled=True,
        idle_grace_period_minutes=10,
        idle_fee_maximum=Decimal(2),
        tax_rate=Decimal("11.5"),
        peak_hours_start="09:00",
        peak_hours_end="12:00",
        peak_multiplier=Decimal("1.5"),
    )
    cost = pricing.price(
        tariff, energy_wh=7_777, started_at=T0, ended_at=T0 + timedelta(minutes=45), idle_seconds=15 * 60
    )
    assert cost.energy_cost == Decimal("7.777") * Decimal("0.333") * Decimal("1.5")
    assert cost.time_cost == Decimal("0.75") * Decimal("1.2") * Decimal("1.5")
    assert cost.idle_fee == Decimal("0.5")  # 5 billable minutes at 6/h
    assert cost.subtotal == cost.energy_cost + cost.time_cost + Decimal("0.5") + Decimal("0.5")
    assert (
        cost.tax_amount == cost.subtotal * Decimal("0.115") and cost.total == cost.subtotal + cost.tax_amount
    )
    off_peak = pricing.price(
        tariff, energy_wh=1000, started_at=T0.replace(hour=20), ended_at=T0.replace(hour=20)
    )
    assert off_peak.energy_cost == Decimal("0.333")
    tariff.minimum_session_fee = Decimal(5)
    assert pricing.price(tariff, energy_wh=0, started_at=T0, ended_at=T0).subtotal == Decimal(5)
    assert pricing.price(None, energy_wh=5000, started_at=T0, ended_at=T0).is_free


async def test_start_activates_the_pending_remote_start(world: World) -> None:
    db, a = world.services.db, world.a
    assert a.charger.id is not None and a.network.id is not None
    async with db.unit_of_work() as s:
        by_tag = ChargingSession(
            network_id=a.network.id,
            charger_id=a.charger.id,
            connector_number=1,
            id_tag="OPERATOR-1",
            status="PENDING",
            correlation_id=uuid4(),
        )
        by_id = ChargingSession(
            network_id=a.network.id,
            charger_id=a.charger.id,
            connector_number=1,
            id_tag="OPERATOR-2",
            status="PENDING",
            correlation_id=uuid4(),
            remote_start_id=4242,
        )
        s.add_all([by_tag, by_id])
    # 1.6: by charger + tag (the charger picked connector 2); an operator tag is accepted for our start
    got = await transactions.transaction_started(
        db, a.charger.id, connector_number=2, id_tag="OPERATOR-1", started_at=T0, meter_start_wh=0
    )
    assert got.session_uuid == by_tag.uuid and got.token.status == "Accepted"
    row = await _session(world, got.transaction_id)
    assert row.status == "ACTIVE" and row.connector_number == 2 and row.connector_id == a.connectors[1].id
    # 2.0.1: by remoteStartId
    got = await transactions.transaction_started(
        db,
        a.charger.id,
        connector_number=1,
        id_tag="OPERATOR-2",
        started_at=T0,
        transaction_id="r-1",
        remote_start_id=4242,
    )
    assert got.session_uuid == by_id.uuid
    assert await _count(world, ChargingSession) == 2
