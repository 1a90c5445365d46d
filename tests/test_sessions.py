"""Session lists and detail (cpms and emsp, REST and GraphQL), tenancy, drivers, and the remote-start
timeout job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import update
from sqlmodel import col, select

from chargegraph.workers import jobs
from domain.models import ChargingSession, User
from domain.services import sessions as session_service
from domain.services import transactions
from domain.services.charging_tokens import issue_token
from domain.types import utcnow
from tests.spec import assert_error, assert_shape
from tests.test_driver_auth import login
from tests.world import World, gql

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


async def _charge(
    world: World, *, tag: str | None, start: datetime, connector: int = 1, end: bool = True
) -> str:
    a = world.a
    assert a.charger.id is not None
    db = world.services.db
    started = await transactions.transaction_started(
        db, a.charger.id, connector_number=connector, id_tag=tag, started_at=start, meter_start_wh=0
    )
    if end:
        await transactions.transaction_ended(
            db,
            a.charger.id,
            transaction_id=started.transaction_id,
            ended_at=start + timedelta(hours=1),
            meter_stop_wh=10_000,
        )
    return str(started.session_uuid)


async def test_cpms_list_filters_and_detail(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    done = await _charge(world, tag=a.token_uid, start=T0)
    live = await _charge(world, tag=None, start=T0 + timedelta(days=1), connector=2, end=False)
    r = await client.get("/cpms/v1/sessions", headers=a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", "/cpms/v1/sessions", r.json())
    body = r.json()
    assert [s["id"] for s in body["data"]] == [live, done]  # newest first
    assert body["pagination"] == {"page": 1, "pageSize": 50, "total": 2, "totalPages": 1}
    first = body["data"][1]
    # 10 kWh x 0.35 + 1 h x 2 + 1
    assert first == {
        "id": done,
        "status": "COMPLETED",
        "chargerId": a.charger.id,
        "energyKwh": 10.0,
        "total": 6.5,
        "currency": "USD",
        "startedAt": "2026-03-04T10:00:00Z",
        "endedAt": "2026-03-04T11:00:00Z",
    }
    r = await client.get("/cpms/v1/sessions?status=active&pageSize=1", headers=a.cpms())
    assert [s["id"] for s in r.json()["data"]] == [live]
    r = await client.get(
        "/cpms/v1/sessions",
        params={"from": "2026-03-04T09:00:00Z", "to": "2026-03-04T10:00:00Z"},
        headers=a.cpms(),
    )
    assert [s["id"] for s in r.json()["data"]] == [done]
    r = await client.get(f"/cpms/v1/sessions?chargerId={world.b.charger.uuid}", headers=a.cpms())
    assert r.json()["data"] == []
    r = await client.get("/cpms/v1/sessions?status=nope", headers=a.cpms())
    assert r.status_code == 400
    r = await client.get(f"/cpms/v1/sessions/{done}", headers=a.cpms())
    assert_shape("GET", "/cpms/v1/sessions/{id}", r.json())
    assert r.json()["data"]["networkId"] == a.network.id and r.json()["data"]["currentPowerKw"] is None
    # another network's key: the list is empty and the detail a 404
    assert (await client.get("/cpms/v1/sessions", headers=world.b.cpms())).json()["data"] == []
    r = await client.get(f"/cpms/v1/sessions/{done}", headers=world.b.cpms())
    assert r.status_code == 404
    assert_error(r.json(), "not_found")


async def test_emsp_sessions_for_keys_and_drivers(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    mine = await _charge(world, tag=a.token_uid, start=T0)
    async with world.services.db.unit_of_work() as s:
        other = User(network_id=a.network.id, email="someone@example.com")
        s.add(other)
        await s.flush()
        token = await issue_token(s, a.network, other, uid="SOMEONE1")
    theirs = await _charge(world, tag=token.uid, start=T0 + timedelta(hours=2))
    r = await client.get("/emsp/v1/charging/sessions", headers=a.emsp())
    assert_shape("GET", "/emsp/v1/charging/sessions", r.json())
    assert {s["id"] for s in r.json()["data"]} == {mine, theirs}
    assert r.json()["pagination"]["totalCount"] == 2
    item = next(s for s in r.json()["data"] if s["id"] == mine)
    assert item["chargerId"] == str(a.charger.uuid) and item["locationName"] == a.location.name
    assert item["durationSeconds"] == 3600 and item["energyDeliveredKwh"] == 10.0
    r = await client.get(f"/emsp/v1/charging/sessions?locationId={a.location.uuid}", headers=a.emsp())
    assert len(r.json()["data"]) == 2
    tokens = await login(client, world)
    driver = {**a.emsp(), "Authorization": f"Bearer {tokens['accessToken']}"}
    r = await client.get("/emsp/v1/charging/sessions", headers=driver)
    assert [s["id"] for s in r.json()["data"]] == [mine]
    r = await client.get(f"/emsp/v1/charging/sessions/{mine}", headers=driver)
    assert_shape("GET", "/emsp/v1/charging/sessions/{id}", r.json())
    detail = r.json()["data"]
    assert detail["costs"] == {
        "subtotal": 6.5,
        "taxes": 0.0,
        "sessionFees": 1.0,
        "idleFees": 0.0,
        "timeFees": 2.0,
        "total": 6.5,
        "currency": "USD",
    }
    assert detail["endMeterValue"] == 10.0 and detail["idTag"] == a.token_uid
    # another driver's session: not found, and cannot be stopped
    assert (await client.get(f"/emsp/v1/charging/sessions/{theirs}", headers=driver)).status_code == 404
    r = await client.post("/emsp/v1/charging/stop", json={"sessionId": theirs}, headers=driver)
    assert r.status_code == 404
    # another network's key
    assert (await client.get(f"/emsp/v1/charging/sessions/{mine}", headers=world.b.emsp())).status_code == 404
    # a completed session cannot be stopped
    r = await client.post("/emsp/v1/charging/stop", json={"sessionId": mine}, headers=driver)
    assert r.status_code == 409


async def test_graphql_sessions_query(client: httpx.AsyncClient, world: World) -> None:
    a = world.a
    done = await _charge(world, tag=a.token_uid, start=T0)
    body = await gql(
        client,
        """{ sessions(status: "COMPLETED", from: "2026-03-04T00:00:00Z") {
              items { id status energyKwh durationSeconds cost { total energyCost currency } charger { id }
                      connector { connectorNumber } locationName }
              pageInfo { total } } }""",
        headers=a.cpms(),
    )
    assert "errors" not in body, body
    page = body["data"]["sessions"]
    assert page["pageInfo"]["total"] == 1
    item = page["items"][0]
    assert item["id"] == done and item["cost"] == {"total": "6.50", "energyCost": "3.50", "currency": "USD"}
    assert item["energyKwh"] == "10" and item["durationSeconds"] == 3600
    assert item["charger"]["id"] == str(a.charger.uuid) and item["connector"]["connectorNumber"] == 1
    other = await gql(client, "query($id: UUID!) { session(id: $id) { id } }", {"id": done}, world.b.cpms())
    assert other["data"] is None and other["errors"]


async def test_remote_start_timeout_job_faults_stale_pending(world: World) -> None:
    a = world.a
    assert a.charger.id is not None and a.network.id is not None
    db = world.services.db
    async with db.unit_of_work() as s:
        old = ChargingSession(
            network_id=a.network.id, charger_id=a.charger.id, status="PENDING", correlation_id=UUID(int=1)
        )
        fresh = ChargingSession(
            network_id=a.network.id, charger_id=a.charger.id, status="PENDING", correlation_id=UUID(int=2)
        )
        s.add_all([old, fresh])
    async with db.unit_of_work() as s:
        await s.exec(
            update(ChargingSession)
            .where(col(ChargingSession.id) == old.id)
            .values(created_at=utcnow() - timedelta(minutes=10))
        )
    job = next(j for j in jobs() if j.name == "sessions.fail_stale_pending")
    assert await job.run(world.services) == 1
    assert await session_service.fail_stale_pending(db, utcnow(), 120) == 0  # claimed once only
    async with db.session() as s:
        rows = {r.id: r for r in (await s.exec(select(ChargingSession))).all()}
    assert rows[old.id].status == "FAULTED" and rows[old.id].stop_reason == "RemoteStartTimeout"
    assert rows[fresh.id].status == "PENDING"
    # a charger starting later than that records its own ACTIVE session
    late = await transactions.transaction_started(
        db, a.charger.id, connector_number=1, id_tag=None, started_at=utcnow(), remote_start_id=old.id
    )
    assert late.session_uuid != rows[old.id].uuid
