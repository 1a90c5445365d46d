"""The SSE streams ``GET /cpms/v1/events/stream`` and ``GET /emsp/v1/events/stream`` over real uvicorn
and every bus (memory, Redis, PostgreSQL) by database: the block format, tenancy, filters, resume with
``Last-Event-ID`` (no gap, no duplicate), keep-alives, auth, the slow-client policy and retention."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select, update

from chargegraph.workers import jobs
from domain import events
from domain.db import Database
from domain.events import Event
from domain.models import Charger, EventLogEntry, User
from domain.services import api_keys, event_log
from domain.types import utcnow
from ocpp_server.simulator import SimulatedCharger
from rest_compat.routes.events_stream import block
from tests.live import LiveServer
from tests.live_events import settings  # noqa: F401  (the bus under test, 1 s keep-alive)
from tests.ocpp_wire import eventually
from tests.spec import assert_error
from tests.sse_client import Comment, Message, sse
from tests.world import CHARGER_PASSWORD, DRIVER_PASSWORD, Net, World

CPMS = "/cpms/v1/events/stream"
EMSP = "/emsp/v1/events/stream"
QUIET = 0.5
ONLY_MEMORY_BUS = pytest.mark.parametrize("bus_url", ["memory://"])


@pytest.fixture
async def http(bus_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bus_server.http_url, timeout=10) as client:
        yield client


def status_data(
    net: Net, status: str = "Charging", connector: int = 1, charger: Charger | None = None
) -> dict[str, Any]:
    target = charger or net.charger
    return {
        "chargerId": str(target.uuid),
        "stationId": target.uid,
        "connectorId": connector,
        "status": status,
        "previousStatus": "Available",
        "errorCode": "NoError",
    }


async def record(
    world: World,
    net: Net,
    event_type: str = "connector.status_changed",
    data: dict[str, Any] | None = None,
    *,
    charger: Charger | None = None,
    user_id: int | None = None,
    db: Database | None = None,
) -> None:
    """Record one event the way the domain services do (committed, then published on the bus)."""
    assert net.network.id is not None
    target = charger or net.charger
    async with (db or world.services.db).unit_of_work() as s:
        await events.record(
            s,
            event_type,
            network_id=net.network.id,
            charger_id=target.id,
            data=data if data is not None else status_data(net, charger=target),
            user_id=user_id,
        )


async def log_rows(world: World) -> list[EventLogEntry]:
    async with world.services.db.session() as s:
        return list((await s.exec(select(EventLogEntry).order_by(col(EventLogEntry.id)))).all())


async def no_subscribers(world: World) -> None:
    async def gone() -> bool:
        return world.services.events.subscriber_count == 0

    await eventually(gone)


async def second_charger(world: World) -> Charger:
    async with world.services.db.unit_of_work() as s:
        assert world.a.network.id is not None
        charger = Charger(
            network_id=world.a.network.id,
            location_id=world.a.location.id,
            uid="CP-A-02",
            evse_id="US*CGA*E0002",
            lookup_code="LKA002",
        )
        s.add(charger)
    return charger


def test_block_is_id_event_data_and_a_blank_line() -> None:
    event = Event(type="webhook.test", network_id=7, data={"message": "hi"}, seq=42)
    text = block(event)
    assert text.startswith("id: 42\nevent: webhook.test\ndata: {")
    assert text.endswith("}\n\n") and text.count("\n") == 4


async def test_an_event_reaches_the_stream_in_the_documented_format(
    http: httpx.AsyncClient, world: World
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms()) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-cache"
        assert stream.headers["x-accel-buffering"] == "no"
        assert await stream.item() == Message(None, None, "", retry=3000)

        await record(world, world.a)
        message = await stream.message()
        row = (await log_rows(world))[-1]
        assert message.id == str(row.id)
        assert message.event == "connector.status_changed"
        body = message.json()
        assert body == {
            "id": str(row.event_id),
            "event": "connector.status_changed",
            "occurredAt": body["occurredAt"],
            "networkId": world.a.network.id,
            "stationId": "CP-A-01",
            "locationId": str(world.a.location.uuid),
            "data": status_data(world.a),
        }
        assert body["occurredAt"].endswith("Z")
        assert world.services.events.subscriber_count == 1
    await no_subscribers(world)


async def test_each_network_sees_only_its_own_events(http: httpx.AsyncClient, world: World) -> None:
    async with (
        sse(http, CPMS, headers=world.a.cpms()) as a,
        sse(http, EMSP, headers=world.b.emsp()) as b,
    ):
        await record(world, world.a)
        assert (await a.message()).json()["networkId"] == world.a.network.id
        assert await b.quiet(QUIET) == []

        await record(world, world.b, data=status_data(world.b, "Faulted"))
        own = await b.message()
        assert own.json()["networkId"] == world.b.network.id
        assert own.json()["data"]["status"] == "Faulted"
        assert await a.quiet(QUIET) == []


async def test_event_types_and_station_ids_filter_the_stream(http: httpx.AsyncClient, world: World) -> None:
    other = await second_charger(world)
    session = {"sessionId": "s-1", "chargerId": str(world.a.charger.uuid), "status": "Active"}
    async with (
        sse(http, CPMS, headers=world.a.cpms(), params={"eventTypes": "session.*"}) as by_type,
        sse(http, CPMS, headers=world.a.cpms(), params={"stationIds": "CP-A-02"}) as by_station,
        sse(http, CPMS, headers=world.a.cpms(), params={"stationIds": str(other.uuid)}) as by_uuid,
        sse(http, CPMS, headers=world.a.cpms(), params={"stationIds": str(world.a.location.uuid)}) as by_site,
    ):
        await record(world, world.a)
        await record(world, world.a, "session.started", session)
        await record(world, world.a, charger=other)

        assert [m.event for m in [await by_type.message()]] == ["session.started"]
        for stream in (by_station, by_uuid):
            got = await stream.message()
            assert (got.event, got.json()["stationId"]) == ("connector.status_changed", "CP-A-02")
        site = await by_site.messages(3)
        assert [m.event for m in site] == [
            "connector.status_changed",
            "session.started",
            "connector.status_changed",
        ]
        for stream in (by_type, by_station, by_uuid, by_site):
            assert await stream.quiet(QUIET / 2) == []


@ONLY_MEMORY_BUS
@pytest.mark.parametrize("types", ["bogus.event", "session.started,nope.*", "sessions.*"])
async def test_an_unknown_event_type_is_400_and_subscribes_nothing(
    http: httpx.AsyncClient, world: World, types: str
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms(), params={"eventTypes": types}) as stream:
        assert stream.status_code == 400
        assert_error(stream.body, "invalid_parameter")
        assert "eventTypes" in stream.body["message"]
        assert world.services.events.subscriber_count == 0


@ONLY_MEMORY_BUS
@pytest.mark.parametrize("last", ["abc", "-1", "1.5", "9" * 30])
async def test_a_last_event_id_that_is_no_id_of_ours_is_400(
    http: httpx.AsyncClient, world: World, last: str
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=last) as stream:
        assert stream.status_code == 400
        assert_error(stream.body, "invalid_parameter")
    assert world.services.events.subscriber_count == 0


async def test_resume_sends_exactly_the_missed_events_then_live_ones(
    http: httpx.AsyncClient, world: World
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms()) as first:
        await record(world, world.a, data=status_data(world.a, "Preparing"))
        await record(world, world.a, data=status_data(world.a, "Charging"))
        seen = await first.messages(2)
        last = first.last_event_id
    assert last == seen[-1].id
    await no_subscribers(world)

    missed = ["SuspendedEV", "Finishing", "Available"]
    for status in missed:
        await record(world, world.a, data=status_data(world.a, status))
    await record(world, world.b)  # another network's event in between: not theirs to replay
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=last) as again:
        replayed = await again.messages(3)
        assert [m.json()["data"]["status"] for m in replayed] == missed
        ids = [int(m.id or 0) for m in replayed]
        assert ids == sorted(ids) and ids[0] > int(last or 0)
        await record(world, world.a, data=status_data(world.a, "Reserved"))
        live = await again.message()
        assert live.json()["data"]["status"] == "Reserved" and int(live.id or 0) > ids[-1]
        assert await again.quiet(QUIET) == []
    await no_subscribers(world)


async def test_resume_while_events_keep_coming_has_no_gap_and_no_duplicate(
    http: httpx.AsyncClient, world: World
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms()) as first:
        await record(world, world.a)
        last = (await first.message()).id
    for _ in range(15):
        await record(world, world.a)

    async def keep_recording() -> None:
        for _ in range(25):
            await record(world, world.a)
            await asyncio.sleep(0.005)

    writer = asyncio.create_task(keep_recording())
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=last) as again:
        got = await again.messages(40, timeout=10)
        await writer
        assert await again.quiet(QUIET) == []
    expected = [str(r.id) for r in await log_rows(world) if r.id is not None and r.id > int(last or 0)]
    assert [m.id for m in got] == expected
    assert len(set(expected)) == 40


async def test_an_event_both_replayed_and_delivered_live_is_sent_once(
    http: httpx.AsyncClient, world: World
) -> None:
    """An event committed before the client resubscribed but carried by the bus after it: the replay
    sends it from the log, and its live copy is skipped."""
    async with sse(http, CPMS, headers=world.a.cpms()) as first:
        await record(world, world.a)
        last = (await first.message()).id
    late = Database(world.services.db.engine)  # commits without publishing: the bus is "slow"
    await record(world, world.a, data=status_data(world.a, "Finishing"), db=late)
    delayed = Event.from_log((await log_rows(world))[-1])
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=last) as again:
        replayed = await again.message()
        assert (replayed.id, replayed.json()["data"]["status"]) == (str(delayed.seq), "Finishing")
        world.services.events.dispatch(delayed)  # the bus delivers it now
        await record(world, world.a, data=status_data(world.a, "Available"))
        following = await again.message()
        assert following.json()["data"]["status"] == "Available"
        assert await again.quiet(QUIET) == []


async def test_keep_alive_comments_arrive_while_nothing_happens(
    http: httpx.AsyncClient, world: World
) -> None:
    async with sse(http, CPMS, headers=world.a.cpms()) as stream:
        await stream.item()  # retry
        started = asyncio.get_running_loop().time()
        assert await stream.item(timeout=3) == Comment("keep-alive")
        assert await stream.item(timeout=3) == Comment("keep-alive")
        assert asyncio.get_running_loop().time() - started >= 1.5  # every 1 s (the test setting)


@ONLY_MEMORY_BUS
async def test_credentials_and_scopes(http: httpx.AsyncClient, world: World) -> None:
    assert world.a.network.id is not None
    for path in (CPMS, EMSP):
        async with sse(http, path) as stream:
            assert stream.status_code == 401
            assert_error(stream.body, "missing_api_key")
        async with sse(http, path, headers={"X-API-Key": "pr_live_not-a-key"}) as stream:
            assert stream.status_code == 401
    async with world.services.db.unit_of_work() as s:
        narrow_cpms = await api_keys.mint(
            s,
            api_keys.NewKey("narrow", "cpms", ["cpms:chargers:read"], [world.a.network.id]),
            5000,
        )
        narrow_emsp = await api_keys.mint(
            s, api_keys.NewKey("app", "emsp", [], [world.a.network.id], visibility="Publishable"), 5000
        )
        events_only = await api_keys.mint(
            s, api_keys.NewKey("feed", "cpms", ["cpms:events:read"], [world.a.network.id]), 5000
        )
    for path, secret in ((CPMS, narrow_cpms.secret), (EMSP, narrow_emsp.secret)):
        async with sse(http, path, headers={"X-API-Key": secret}) as stream:
            assert stream.status_code == 403
            assert_error(stream.body, "insufficient_scope")
    async with sse(http, CPMS, headers=world.a.emsp()) as stream:  # an emsp key on the cpms family
        assert stream.status_code in (401, 403)
    async with sse(http, CPMS, headers={"X-API-Key": events_only.secret}) as stream:
        assert stream.status_code == 200
    assert world.services.events.subscriber_count <= 1
    await no_subscribers(world)


async def test_a_driver_streams_their_own_view_of_their_network(
    http: httpx.AsyncClient, world: World
) -> None:
    assert world.a.network.id is not None
    async with world.services.db.unit_of_work() as s:
        publishable = await api_keys.mint(
            s, api_keys.NewKey("app", "emsp", [], [world.a.network.id], visibility="Publishable"), 5000
        )
        someone = User(network_id=world.a.network.id, email="someone@isla-verde.example.com")
        s.add(someone)
    key = {"X-API-Key": publishable.secret}
    r = await http.post(
        "/emsp/v1/auth/driver/login",
        json={"email": world.a.driver.email, "password": DRIVER_PASSWORD},
        headers=key,
    )
    assert r.status_code == 200, r.text
    driver = {**key, "Authorization": f"Bearer {r.json()['data']['accessToken']}"}

    async with sse(http, EMSP, headers=driver) as stream:
        assert stream.status_code == 200
        mine = {"sessionId": "mine", "status": "Active"}
        theirs = {"sessionId": "theirs", "status": "Active"}
        alert = {"alertId": "x", "category": "Security", "severity": "High", "title": "t", "message": "m"}
        await record(world, world.a, "session.started", theirs, user_id=someone.id)
        await record(world, world.a, "alert.raised", alert)
        await record(world, world.b)
        await record(world, world.a, "session.started", mine, user_id=world.a.driver.id)
        await record(world, world.a)
        got = await stream.messages(2)
        assert [(m.event, m.json()["data"].get("sessionId")) for m in got] == [
            ("session.started", "mine"),
            ("connector.status_changed", None),
        ]
        assert await stream.quiet(QUIET) == []


async def test_a_client_too_slow_is_ended_and_loses_nothing_on_resume(
    http: httpx.AsyncClient, world: World
) -> None:
    hub = world.services.events
    hub.queue_size = 3
    async with sse(http, CPMS, headers=world.a.cpms()) as stream:
        await record(world, world.a)
        last = (await stream.message()).id
        # Ten events committed, then arriving all at once faster than this client takes them.
        quiet_db = Database(world.services.db.engine)  # commits without publishing
        for _ in range(10):
            await record(world, world.a, db=quiet_db)
        burst = [Event.from_log(r) for r in await log_rows(world) if r.id and r.id > int(last or 0)]
        assert len(burst) == 10
        for event in burst:
            hub.dispatch(event)
        rest = await stream.until_end()
        assert [type(i) for i in rest] == [Comment]
        assert isinstance(rest[0], Comment) and rest[0].text.startswith("too slow")
        assert hub.subscriber_count == 0
    hub.queue_size = 100
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=last) as again:
        assert [m.id for m in await again.messages(10)] == [str(e.seq) for e in burst]
        assert await again.quiet(QUIET) == []


@ONLY_MEMORY_BUS
async def test_prune_keeps_ocpp_rows_and_recent_events(http: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await record(world, world.a)
    assert world.a.network.id is not None
    async with world.services.db.unit_of_work() as s:
        s.add(
            EventLogEntry(
                event_id=uuid.uuid4(),
                network_id=world.a.network.id,
                event_type="ocpp.data_transfer",
                charger_id=world.a.charger.id,
                payload={"chargerId": "CP-A-01", "vendorId": "acme"},
            )
        )
    old = [r.id for r in await log_rows(world)]
    await record(world, world.a, data=status_data(world.a, "Finishing"))
    await record(world, world.b, data=status_data(world.b, "Available"))
    retention = world.services.events_config.retention_hours
    async with world.services.db.unit_of_work() as s:
        stale = utcnow() - timedelta(hours=retention + 1)
        await s.exec(update(EventLogEntry).where(col(EventLogEntry.id).in_(old)).values(created_at=stale))

    prune = next(job for job in jobs() if job.name == "events.prune")
    assert prune.interval_seconds == 300
    assert await prune.run(world.services) == 3
    left = await log_rows(world)
    assert [r.event_type for r in left] == [
        "ocpp.data_transfer",
        "connector.status_changed",
        "connector.status_changed",
    ]
    assert await prune.run(world.services) == 0

    # A client whose last id was pruned is told so, then gets what is retained (never ocpp.* rows).
    async with sse(http, CPMS, headers=world.a.cpms(), last_event_id=old[0]) as stream:
        await stream.item()  # retry
        note = await stream.item()
        assert isinstance(note, Comment) and f"events before id {left[1].id} were not kept" in note.text
        resumed = await stream.message()
        assert (resumed.id, resumed.json()["data"]["status"]) == (str(left[1].id), "Finishing")
        assert await stream.quiet(QUIET) == []

    # The newest row survives any age: SQLite would otherwise hand its id out again.
    assert await event_log.prune(world.services.db, utcnow() + timedelta(days=1)) == 1
    assert [r.id for r in await log_rows(world)] == [left[0].id, left[2].id]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_chargers_status_notification_reaches_the_stream(
    http: httpx.AsyncClient, world: World, bus_server: LiveServer, version: str
) -> None:
    params = {"eventTypes": "connector.status_changed", "stationIds": "CP-A-01"}
    async with sse(http, CPMS, headers=world.a.cpms(), params=params) as stream:
        cp = SimulatedCharger(
            bus_server.ocpp_url(),
            world.a.charger.uid,
            version=version,
            password=CHARGER_PASSWORD,
            connectors=2,
            serial=world.a.charger.serial_number,
        )
        async with cp:
            await cp.status(2, "Charging")
            word = "Charging" if version == "1.6" else "Occupied"  # as each version spells it
            got = [await stream.message()]
            while got[-1].json()["data"]["status"] != word:  # boot may report Available first
                got.append(await stream.message())
        assert {(m.event, m.json()["stationId"]) for m in got} == {("connector.status_changed", "CP-A-01")}
        data = got[-1].json()["data"]
        assert (data["connectorId"], data["chargerId"]) == (2, str(world.a.charger.uuid))


@ONLY_MEMORY_BUS
async def test_openapi_lists_both_streams_as_event_streams(http: httpx.AsyncClient, world: World) -> None:
    document = (await http.get("/openapi.json")).json()
    for path in (CPMS, EMSP):
        operation = document["paths"][path]["get"]
        assert "text/event-stream" in operation["responses"]["200"]["content"]
        params = {(p["name"], p["in"]) for p in operation["parameters"]}
        assert {("eventTypes", "query"), ("stationIds", "query"), ("Last-Event-ID", "header")} <= params
