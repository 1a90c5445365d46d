"""Reservations end to end: REST and GraphQL → ReserveNow / CancelReservation over real websockets
(OCPP 1.6 and 2.0.1), the charger's verdict, expiry, and only the bound token starting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import select

from domain.models import Network, Reservation, User
from domain.services import reservations
from domain.services.charging_tokens import issue_token
from domain.types import utcnow
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.world import CHARGER_PASSWORD, DRIVER_PASSWORD, World, gql

VERSIONS = ["1.6", "2.0.1"]
PATH = "/emsp/v1/reservations"


async def driver_headers(client: httpx.AsyncClient, world: World, net: str = "a") -> dict[str, str]:
    side = getattr(world, net)
    r = await client.post(
        "/emsp/v1/auth/driver/login",
        json={"email": side.driver.email, "password": DRIVER_PASSWORD},
        headers=side.emsp(),
    )
    assert r.status_code == 200, r.text
    return {**side.emsp(), "Authorization": f"Bearer {r.json()['data']['accessToken']}"}


async def until(check: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def charger(server: LiveServer, world: World, version: str) -> AsyncIterator[SimulatedCharger]:
    uid = world.a.charger.uid
    async with SimulatedCharger(
        server.ocpp_url(), uid, version=version, password=CHARGER_PASSWORD, connectors=2
    ) as cp:
        await until(lambda: world.services.commands.ocpp_version(uid) is not None)
        yield cp


def reserve_now_fields(version: str, payload: dict[str, Any]) -> tuple[int, str, int | None]:
    """(reservation id, id tag, connector/evse) of a ReserveNow as the charger got it."""
    if version == "1.6":
        return payload["reservationId"], payload["idTag"], payload["connectorId"]
    return payload["id"], payload["idToken"]["idToken"], payload.get("evseId")


async def row(world: World, reservation_id: str) -> Reservation:
    async with world.services.db.session() as s:
        return (await s.exec(select(Reservation).where(Reservation.uuid == UUID(reservation_id)))).one()


@pytest.mark.parametrize("version", VERSIONS)
async def test_reserve_accepted_listed_and_cancelled(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world, version) as cp:
        r = await client.post(
            PATH,
            json={"chargerId": str(world.a.charger.uuid), "connectorNumber": 2, "expiryMinutes": 30},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert_shape("POST", PATH, body)
        data = body["data"]
        assert data["status"] == "Accepted" and data["statusReason"] is None
        assert data["idTag"] == world.a.token_uid  # the driver's first active token by default
        assert data["connectorNumber"] == 2 and data["chargerId"] == str(world.a.charger.uuid)
        assert data["chargerName"] == cp.serial  # the serial number the charger booted with
        assert data["cancelledAt"] is None and data["expiryDate"].endswith("Z")

        sent = await cp.wait_for("ReserveNow")
        stored = await row(world, data["id"])
        ocpp_id, tag, connector = reserve_now_fields(version, sent)
        assert ocpp_id == stored.ocpp_reservation_id and tag == world.a.token_uid and connector == 2
        assert stored.expires_at - stored.created_at == timedelta(minutes=30)

        listed = await client.get(PATH, headers=headers)
        assert_shape("GET", PATH, listed.json())
        assert [x["id"] for x in listed.json()["data"]] == [data["id"]]
        one = await client.get(f"{PATH}/{data['id']}", headers=headers)
        assert_shape("GET", f"{PATH}/{{id}}", one.json())
        assert one.json()["data"] == data

        # The connector is held: a second reservation of it is a conflict.
        again = await client.post(
            PATH, json={"chargerId": str(world.a.charger.uuid), "connectorNumber": 2}, headers=headers
        )
        assert again.status_code == 409
        assert_error(again.json(), "connector_reserved")

        cancelled = await client.delete(f"{PATH}/{data['id']}", headers=headers)
        assert cancelled.status_code == 200, cancelled.text
        assert_shape("DELETE", f"{PATH}/{{id}}", cancelled.json())
        out = cancelled.json()["data"]
        assert out["status"] == "Cancelled" and out["cancelledAt"].endswith("Z")
        assert (await cp.wait_for("CancelReservation"))["reservationId"] == ocpp_id
        # Cancelling twice changes nothing and sends nothing more.
        twice = await client.delete(f"{PATH}/{data['id']}", headers=headers)
        assert twice.json()["data"] == out
        assert [a for a, _ in cp.received].count("CancelReservation") == 1
        filtered = await client.get(PATH, params={"status": "Accepted"}, headers=headers)
        assert filtered.json()["data"] == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_rejected_by_the_charger(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world, version) as cp:
        cp.responses["ReserveNow"] = "Occupied"
        r = await client.post(PATH, json={"chargerId": str(world.a.charger.uuid)}, headers=headers)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["status"] == "Rejected" and data["statusReason"]
        assert "Retryable" not in data["statusReason"]
        # A rejected reservation does not hold the connector; cancelling it is a conflict.
        gone = await client.delete(f"{PATH}/{data['id']}", headers=headers)
        assert gone.status_code == 409
        assert "CancelReservation" not in [a for a, _ in cp.received]


async def test_offline_charger_is_rejected_and_retryable(client: httpx.AsyncClient, world: World) -> None:
    headers = await driver_headers(client, world)
    r = await client.post(PATH, json={"chargerId": str(world.a.charger.uuid)}, headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["status"] == "Rejected"
    assert "not connected" in data["statusReason"] and "Retryable" in data["statusReason"]
    # Nothing holds the connector, so another try is allowed.
    again = await client.post(PATH, json={"chargerId": str(world.a.charger.uuid)}, headers=headers)
    assert again.status_code == 200


async def test_validation_and_tokens(client: httpx.AsyncClient, world: World) -> None:
    headers = await driver_headers(client, world)
    charger_id = str(world.a.charger.uuid)
    for minutes in (0, 1441):
        r = await client.post(PATH, json={"chargerId": charger_id, "expiryMinutes": minutes}, headers=headers)
        assert r.status_code == 422, r.text
        assert_error(r.json())
    # Someone else's token (network B's driver) cannot be used.
    r = await client.post(PATH, json={"chargerId": charger_id, "idTag": world.b.token_uid}, headers=headers)
    assert r.status_code == 422
    # An emsp key must name the token; it must be an active token of the charger's network.
    r = await client.post(PATH, json={"chargerId": charger_id}, headers=world.a.emsp())
    assert r.status_code == 422
    r = await client.post(PATH, json={"chargerId": charger_id, "idTag": "NOPE"}, headers=world.a.emsp())
    assert r.status_code == 422
    # A connector the charger does not have; another network's charger.
    r = await client.post(PATH, json={"chargerId": charger_id, "connectorNumber": 9}, headers=headers)
    assert r.status_code == 404
    r = await client.post(PATH, json={"chargerId": str(world.b.charger.uuid)}, headers=headers)
    assert r.status_code == 404
    async with world.services.db.session() as s:
        assert (await s.exec(select(Reservation))).all() == []


async def test_tenancy_and_drivers_see_only_their_own(client: httpx.AsyncClient, world: World) -> None:
    # A second driver of network A.
    async with world.services.db.unit_of_work() as s:
        network = await s.get(Network, world.a.network.id)
        assert network is not None
        other = User(network_id=network.id, email="other@isla-verde.example.com")
        s.add(other)
        await s.flush()
        token = await issue_token(s, network, other, uid="OTHER1")
    r = await client.post(
        PATH, json={"chargerId": str(world.a.charger.uuid), "idTag": token.uid}, headers=world.a.emsp()
    )
    assert r.status_code == 200, r.text
    reservation_id = r.json()["data"]["id"]
    assert r.json()["data"]["idTag"] == "OTHER1"

    mine = await driver_headers(client, world)
    assert (await client.get(PATH, headers=mine)).json()["data"] == []
    assert (await client.get(f"{PATH}/{reservation_id}", headers=mine)).status_code == 404
    assert (await client.delete(f"{PATH}/{reservation_id}", headers=mine)).status_code == 404
    # The key of network A sees it; network B's key and driver do not.
    assert len((await client.get(PATH, headers=world.a.emsp())).json()["data"]) == 1
    assert (await client.get(f"{PATH}/{reservation_id}", headers=world.b.emsp())).status_code == 404
    theirs = await driver_headers(client, world, "b")
    assert (await client.get(f"{PATH}/{reservation_id}", headers=theirs)).status_code == 404
    assert (await client.get(PATH, headers=world.b.emsp())).json()["data"] == []
    # cpms keys have no emsp scopes.
    assert (await client.get(PATH, headers=world.a.cpms())).status_code in (401, 403)


async def test_expiry_job(client: httpx.AsyncClient, world: World) -> None:
    headers = await driver_headers(client, world)
    now = utcnow()
    assert world.a.network.id is not None and world.a.charger.id is not None
    async with world.services.db.unit_of_work() as s:
        for number, status, minutes in ((1, "Accepted", 5), (2, "Pending", -1), (1, "Rejected", -5)):
            s.add(
                Reservation(
                    network_id=world.a.network.id,
                    charger_id=world.a.charger.id,
                    connector_number=number,
                    user_id=world.a.driver.id,
                    id_tag=world.a.token_uid,
                    status=status,
                    expires_at=now + timedelta(minutes=minutes),
                )
            )
    assert await reservations.expire_due(world.services.db, now) == 1  # only the overdue Pending one
    later = now + timedelta(minutes=6)
    results = await asyncio.gather(*(reservations.expire_due(world.services.db, later) for _ in range(3)))
    assert sum(results) == 1  # concurrent runs never expire a row twice
    listed = (await client.get(PATH, headers=headers)).json()["data"]
    assert sorted(x["status"] for x in listed) == ["Expired", "Expired", "Rejected"]
    async with world.services.db.session() as s:
        expired = (await s.exec(select(Reservation).where(Reservation.status == "Expired"))).all()
        assert all(r.expired_at is not None for r in expired)
        assert await reservations.live_on_connector(s, world.a.charger.id or 0, 1) is None


@pytest.mark.parametrize("version", VERSIONS)
async def test_graphql_reserve_and_cancel(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    headers = await driver_headers(client, world)
    async with charger(server, world, version) as cp:
        body = await gql(
            client,
            """mutation($c: UUID!) { reserveConnector(chargerId: $c, connectorNumber: 1, expiryMinutes: 20) {
                 reservation { id status idTag connectorNumber chargerName expiryDate charger { id } }
                 result { accepted reason retryable status } } }""",
            {"c": str(world.a.charger.uuid)},
            headers,
        )
        assert "errors" not in body, body
        payload = body["data"]["reserveConnector"]
        assert payload["result"]["accepted"] is True
        assert payload["reservation"]["status"] == "Accepted"
        assert payload["reservation"]["charger"]["id"] == str(world.a.charger.uuid)
        await cp.wait_for("ReserveNow")
        rid = payload["reservation"]["id"]

        listed = await gql(
            client,
            "{ reservations { items { id status } pageInfo { total } } }",
            headers=headers,
        )
        assert listed["data"]["reservations"]["items"] == [{"id": rid, "status": "Accepted"}]
        one = await gql(client, "query($id: UUID!) { reservation(id: $id) { id } }", {"id": rid}, headers)
        assert one["data"]["reservation"]["id"] == rid

        cancelled = await gql(
            client,
            "mutation($id: UUID!) { cancelReservation(id: $id) { reservation { status cancelledAt } "
            "result { accepted } } }",
            {"id": rid},
            headers,
        )
        out = cancelled["data"]["cancelReservation"]
        assert out["reservation"]["status"] == "Cancelled" and out["result"]["accepted"] is True
        await cp.wait_for("CancelReservation")

        hidden = await gql(
            client, "query($id: UUID!) { reservation(id: $id) { id } }", {"id": rid}, world.b.emsp()
        )
        assert hidden["data"] is None and hidden["errors"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_only_the_bound_token_starts_on_a_reserved_connector(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    async with world.services.db.unit_of_work() as s:
        network = await s.get(Network, world.a.network.id)
        driver = await s.get(User, world.a.driver.id)
        assert network is not None and driver is not None
        await issue_token(s, network, driver, uid="SPARE1")
    headers = await driver_headers(client, world)
    async with charger(server, world, version) as cp:
        r = await client.post(
            PATH,
            json={"chargerId": str(world.a.charger.uuid), "connectorNumber": 1, "idTag": world.a.token_uid},
            headers=headers,
        )
        assert r.json()["data"]["status"] == "Accepted", r.text
        await cp.wait_for("ReserveNow")

        await cp.start_transaction(1, "SPARE1", meter_start_wh=0)
        refused = await cp.wait_sent("StartTransaction" if version == "1.6" else "TransactionEvent")
        info = refused.get("idTagInfo") or refused.get("idTokenInfo") or {}
        assert info.get("status") != "Accepted", refused

        await cp.start_transaction(1, world.a.token_uid, meter_start_wh=0)
        accepted = await cp.wait_sent("StartTransaction" if version == "1.6" else "TransactionEvent")
        info = accepted.get("idTagInfo") or accepted.get("idTokenInfo") or {}
        assert info.get("status") == "Accepted", accepted
