"""What the platform does with the charger's verdict, through REST and GraphQL, with a scripted
``ChargerCommands`` in place of real chargers (``tests/fake_commands.py``): remote starts, reservations
and charging limits. The same flows over real websockets are in test_remote_charging, test_reservations
and test_smart_charging; these pin the rules themselves for every verdict, without sockets."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import httpx
from sqlmodel import col, select

from domain.commands import (
    CancelReservation,
    ClearChargingProfile,
    RemoteStart,
    ReserveNow,
    SetChargingProfile,
    Verdict,
)
from domain.models import ChargingLimit, ChargingSession, Reservation
from tests import fake_commands
from tests.fake_commands import FakeCommands, rejected
from tests.spec import assert_error
from tests.test_reservations import PATH as RESERVATIONS
from tests.test_reservations import driver_headers
from tests.test_smart_charging import cpms_path, effective
from tests.world import World, gql

commands = fake_commands.commands
services = fake_commands.services


async def _sessions(world: World) -> list[ChargingSession]:
    async with world.services.db.session() as s:
        return list((await s.exec(select(ChargingSession).order_by(col(ChargingSession.id)))).all())


async def _reservation(world: World, reservation_id: str) -> Reservation:
    async with world.services.db.session() as s:
        return (await s.exec(select(Reservation).where(Reservation.uuid == UUID(reservation_id)))).one()


async def _limits(world: World) -> list[tuple[str, Decimal, bool]]:
    async with world.services.db.session() as s:
        rows = (await s.exec(select(ChargingLimit).order_by(col(ChargingLimit.id)))).all()
    return [(r.status, r.limit_value, r.cleared_at is None) for r in rows]


async def test_an_accepted_remote_start_is_pending_and_holds_the_connector(
    client: httpx.AsyncClient, world: World, commands: FakeCommands
) -> None:
    a = world.a
    commands.connect(a.charger.uid)
    url = f"/cpms/v1/chargers/{a.charger.uuid}/remote-start"
    r = await client.post(url, json={"connectorNumber": 2}, headers=a.cpms())
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["accepted"] is True and data["connectorNumber"] == 2
    [(uid, sent)] = commands.sent
    assert uid == a.charger.uid and isinstance(sent, RemoteStart)
    [session] = await _sessions(world)
    # Until the charger starts the transaction the session waits, correlated by its remote start id.
    assert session.status == "PENDING" and session.ended_at is None
    assert (sent.connector_number, sent.id_tag) == (2, data["idTag"])
    assert sent.remote_start_id == session.remote_start_id == session.id
    # The connector is taken: a second start is refused before anything is sent.
    again = await client.post(url, json={"connectorNumber": 2}, headers=a.cpms())
    assert again.status_code == 409
    assert_error(again.json(), "connector_busy")
    assert len(commands.of(RemoteStart)) == 1 and len(await _sessions(world)) == 1


async def test_a_refused_remote_start_faults_the_session_with_the_chargers_reason(
    client: httpx.AsyncClient, world: World, commands: FakeCommands
) -> None:
    a = world.a
    commands.connect(a.charger.uid, "2.0.1")
    commands.answer(RemoteStart, rejected("Rejected", "Connector is faulted"))
    body = await gql(
        client,
        "mutation($c: UUID!) { remoteStart(chargerId: $c, connectorNumber: 1) { "
        "result { accepted retryable } session { status } } }",
        {"c": str(a.charger.uuid)},
        a.cpms(),
    )
    assert body["data"]["remoteStart"] == {
        "result": {"accepted": False, "retryable": False},
        "session": {"status": "FAULTED"},
    }
    [session] = await _sessions(world)
    assert session.stop_reason == "Connector is faulted" and session.ended_at is not None
    # A faulted start does not hold the connector: the next start is sent.
    commands.answer(RemoteStart, Verdict(True, None, status="Accepted"))
    r = await client.post(f"/cpms/v1/chargers/{a.charger.uuid}/remote-start", headers=a.cpms())
    assert r.json()["data"]["accepted"] is True
    assert len(commands.of(RemoteStart)) == 2


async def test_a_reservation_the_charger_refuses_is_rejected_and_holds_nothing(
    client: httpx.AsyncClient, world: World, commands: FakeCommands
) -> None:
    headers = await driver_headers(client, world)
    commands.connect(world.a.charger.uid)
    commands.answer(ReserveNow, rejected("Occupied"))
    body = {"chargerId": str(world.a.charger.uuid), "connectorNumber": 2}
    r = await client.post(RESERVATIONS, json=body, headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["status"] == "Rejected" and data["statusReason"] == "The charger answered Occupied."
    [reserve] = commands.of(ReserveNow)
    stored = await _reservation(world, data["id"])
    assert reserve.reservation_id == stored.ocpp_reservation_id and reserve.connector_number == 2
    assert reserve.id_tag == world.a.token_uid and reserve.expires_at == stored.expires_at
    # Nothing to cancel at the charger: a conflict, and no CancelReservation is sent.
    gone = await client.delete(f"{RESERVATIONS}/{data['id']}", headers=headers)
    assert gone.status_code == 409
    assert commands.of(CancelReservation) == []
    # The connector is free: the next try reaches the charger, which accepts it this time.
    commands.answer(ReserveNow, Verdict(True, None, status="Accepted"))
    again = await client.post(RESERVATIONS, json=body, headers=headers)
    assert again.json()["data"]["status"] == "Accepted"


async def test_a_cancel_the_charger_does_not_confirm_still_releases_the_hold(
    client: httpx.AsyncClient, world: World, commands: FakeCommands
) -> None:
    headers = await driver_headers(client, world)
    commands.connect(world.a.charger.uid)
    commands.answer(CancelReservation, rejected())
    body = {"chargerId": str(world.a.charger.uuid), "connectorNumber": 1}
    made = (await client.post(RESERVATIONS, json=body, headers=headers)).json()["data"]
    assert made["status"] == "Accepted"
    r = await client.delete(f"{RESERVATIONS}/{made['id']}", headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["status"] == "Cancelled" and data["cancelledAt"]
    assert "did not confirm" in data["statusReason"] and "no longer honoured" in data["statusReason"]
    [cancel] = commands.of(CancelReservation)
    assert cancel.reservation_id == (await _reservation(world, made["id"])).ocpp_reservation_id
    # The connector can be reserved again at once.
    again = await client.post(RESERVATIONS, json=body, headers=headers)
    assert again.json()["data"]["status"] == "Accepted"


async def test_a_refused_limit_is_kept_as_rejected_and_the_previous_cap_stays(
    client: httpx.AsyncClient, world: World, commands: FakeCommands
) -> None:
    a = world.a
    commands.connect(a.charger.uid)
    assert (await client.put(cpms_path(world), json={"limit": 32}, headers=a.cpms())).status_code == 200
    commands.answer(SetChargingProfile, rejected())
    r = await client.put(cpms_path(world), json={"limit": 20}, headers=a.cpms())
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["accepted"] is False and data["retryable"] is False and data["reason"]
    assert (await effective(client, world, a.cpms()))["limit"] == "32"
    assert await _limits(world) == [("Accepted", Decimal(32), True), ("Rejected", Decimal(20), False)]
    sent = [(c.connector_number, c.profile.limit) for c in commands.of(SetChargingProfile)]
    assert sent == [(1, Decimal(32)), (1, Decimal(20))]
    # A clear the charger refuses leaves the cap live too.
    commands.answer(ClearChargingProfile, rejected())
    cleared = await client.delete(cpms_path(world), headers=a.cpms())
    assert cleared.json()["data"]["accepted"] is False
    assert (await effective(client, world, a.cpms()))["limit"] == "32"
