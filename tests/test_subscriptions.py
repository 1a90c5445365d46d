"""GraphQL subscriptions over both websocket protocols: pushed from the bus as chargers report, scoped to
the caller's networks (a driver: their own sessions), filtered, authenticated, and ended with an error
when the subscriber falls too far behind."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from domain.container import Services
from domain.event_hub import EventFilter, EventHub, SubscriberTooSlow
from domain.events import Event
from domain.models import ChargingSession, Connector, User
from domain.services import api_keys
from domain.services.driver_auth import sign_in
from tests.device_control import charger
from tests.graphql_ws import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, OperationError, Rejected, connect
from tests.live import LiveServer
from tests.live_events import settings  # noqa: F401  (the bus under test, per test channels)
from tests.ocpp_wire import eventually
from tests.world import World

CONNECTORS = """subscription($charger: ID, $stations: [String!]) {
  connectorStatus(chargerId: $charger, stationIds: $stations) {
    eventId chargerId stationId connectorId status previousStatus errorCode occurredAt
  }
}"""
CHARGERS = """subscription {
  chargerStatus { eventId type chargerId stationId status previousStatus online occurredAt }
}"""
SESSION = """subscription($id: ID!) {
  sessionUpdates(sessionId: $id) {
    eventId type sessionId status energyKwh powerKw soc cost currency stopReason occurredAt
  }
}"""
EVENTS = """subscription($types: [String!], $stations: [String!]) {
  events(eventTypes: $types, stationIds: $stations) {
    id seq type occurredAt networkId stationId locationId data
  }
}"""
CONNECTOR_QUERY = "query($id: UUID!) { charger(id: $id) { connectors { connectorNumber status } } }"

memory_bus = pytest.mark.parametrize("bus_url", ["memory://"], ids=["memory"])
"""For tests about scoping, filters and auth, which do not depend on the bus: memory only."""


async def _access_token(world: World, user: User) -> str:
    """A signed-in driver's access token (a real sign-in: its refresh family is live)."""
    async with world.services.db.unit_of_work() as s:
        return (await sign_in(s, world.services.auth, user)).access_token


def graphql_url(server: LiveServer) -> str:
    return f"{server.ws_url}/graphql"


def key(secret: str) -> dict[str, str]:
    return {"apiKey": secret}


async def subscribed(services: Services, count: int) -> None:
    """Wait until the hub holds ``count`` subscriptions (a websocket subscribe is not acknowledged)."""

    async def reached() -> bool:
        return services.events.subscriber_count == count

    await eventually(reached)


async def mint(world: World, *, networks: list[int], scopes: list[str] | None = None) -> str:
    async with world.services.db.unit_of_work() as s:
        minted = await api_keys.mint(
            s, api_keys.NewKey(name="live", family="cpms", scopes=scopes or [], network_ids=networks), 5000
        )
    return minted.secret


def event(world: World, n: int) -> Event:
    a = world.a
    return Event(
        type="connector.status_changed",
        network_id=a.network.id or 0,
        data={
            "chargerId": str(a.charger.uuid),
            "stationId": a.charger.uid,
            "connectorId": 1,
            "status": f"S{n}",
        },
        charger_id=a.charger.id,
        station_id=a.charger.uid,
        charger_uuid=str(a.charger.uuid),
    )


# -- delivery -----------------------------------------------------------------------------------------


async def test_status_notification_reaches_both_protocols(bus_server: LiveServer, world: World) -> None:
    a = world.a
    url = graphql_url(bus_server)
    async with (
        connect(url, TRANSPORT_WS, params=key(a.cpms_key)) as modern,
        connect(url, LEGACY_WS, headers=a.cpms()) as legacy,
    ):
        ops = [await modern.subscribe(CONNECTORS), await legacy.subscribe(CONNECTORS)]
        await subscribed(world.services, 2)
        async with charger(bus_server, a, "1.6") as cp:
            await cp.status(1, "Charging")
            received = [(await op.next())["data"]["connectorStatus"] for op in ops]
    assert received[0] == received[1]
    status = received[0]
    assert status["chargerId"] == str(a.charger.uuid) and status["stationId"] == a.charger.uid
    assert (status["connectorId"], status["status"], status["previousStatus"]) == (1, "Charging", "Available")
    assert status["errorCode"] is None and status["occurredAt"].endswith("Z")  # NoError: none
    await subscribed(world.services, 0)  # both connections closed: both subscriptions left the hub


async def test_another_network_sees_nothing(bus_server: LiveServer, world: World) -> None:
    a, b = world.a, world.b
    async with connect(graphql_url(bus_server), TRANSPORT_WS, params=key(b.cpms_key)) as client:
        op = await client.subscribe(CONNECTORS)
        await subscribed(world.services, 1)
        async with charger(bus_server, a, "1.6") as cp_a, charger(bus_server, b, "1.6") as cp_b:
            await cp_a.status(1, "Charging")
            assert await op.within(0.5) == []
            await cp_b.status(2, "Faulted", "GroundFailure")
            status = (await op.next())["data"]["connectorStatus"]
    assert (status["stationId"], status["connectorId"], status["status"]) == (b.charger.uid, 2, "Faulted")
    assert status["errorCode"] == "GroundFailure"


@memory_bus
async def test_charger_status_online_and_offline(bus_server: LiveServer, world: World) -> None:
    a = world.a
    async with connect(graphql_url(bus_server), LEGACY_WS, params={"X-API-Key": a.cpms_key}) as client:
        op = await client.subscribe(CHARGERS)
        await subscribed(world.services, 1)
        cp = charger(bus_server, a, "1.6")
        await cp.connect()
        connected = (await op.next())["data"]["chargerStatus"]
        await cp.status(0, "Unavailable")
        reported = (await op.next())["data"]["chargerStatus"]
        await cp.close()
        gone = (await op.next())["data"]["chargerStatus"]
    assert (connected["type"], connected["online"], connected["status"]) == ("charger.connected", True, None)
    assert connected["chargerId"] == str(a.charger.uuid) and connected["stationId"] == a.charger.uid
    assert (reported["type"], reported["status"], reported["online"]) == (
        "charger.status_changed",
        "Unavailable",
        None,
    )
    assert (gone["type"], gone["online"]) == ("charger.disconnected", False)


@memory_bus
async def test_general_feed_carries_the_documented_event(bus_server: LiveServer, world: World) -> None:
    a = world.a
    async with connect(graphql_url(bus_server), TRANSPORT_WS, params=key(a.emsp_key)) as client:
        op = await client.subscribe(EVENTS, {"types": ["connector.*"]})
        await subscribed(world.services, 1)
        async with charger(bus_server, a, "2.0.1") as cp:
            await cp.status(2, "Occupied")
            feed = (await op.next())["data"]["events"]
    assert feed["type"] == "connector.status_changed" and isinstance(feed["seq"], int) and feed["seq"] > 0
    assert (feed["networkId"], feed["stationId"], feed["locationId"]) == (
        a.network.id,
        a.charger.uid,
        str(a.location.uuid),
    )
    assert feed["data"]["connectorId"] == 2 and feed["data"]["chargerId"] == str(a.charger.uuid)
    assert feed["data"]["previousStatus"] == "Available" and feed["occurredAt"].endswith("Z")


# -- filters ------------------------------------------------------------------------------------------


@memory_bus
async def test_event_type_and_station_filters(bus_server: LiveServer, world: World) -> None:
    a, b = world.a, world.b
    both = await mint(world, networks=[a.network.id or 0, b.network.id or 0])
    async with connect(graphql_url(bus_server), TRANSPORT_WS, params=key(both)) as client:
        charger_events = await client.subscribe(EVENTS, {"types": ["charger.status_changed"]})
        at_b = await client.subscribe(CONNECTORS, {"stations": [b.charger.uid]})
        at_b_location = await client.subscribe(EVENTS, {"stations": [str(b.location.uuid)]})
        of_charger_a = await client.subscribe(CONNECTORS, {"charger": str(a.charger.uuid)})
        await subscribed(world.services, 4)
        async with charger(bus_server, a, "1.6") as cp_a, charger(bus_server, b, "1.6") as cp_b:
            # Connected events of both chargers, then (in this order) a connector of A, a connector of B
            # and A itself: each subscriber's first event shows what its filter let through.
            await cp_a.status(1, "Preparing")
            await cp_b.status(1, "Preparing")
            await cp_a.status(0, "Unavailable")
            first = {
                "charger_events": (await charger_events.next())["data"]["events"],
                "at_b": (await at_b.next())["data"]["connectorStatus"],
                "at_b_location": (await at_b_location.next())["data"]["events"],
                "of_charger_a": (await of_charger_a.next())["data"]["connectorStatus"],
            }
    assert (first["charger_events"]["type"], first["charger_events"]["stationId"]) == (
        "charger.status_changed",
        a.charger.uid,
    )
    assert first["at_b"]["stationId"] == b.charger.uid
    assert (first["at_b_location"]["type"], first["at_b_location"]["stationId"]) == (
        "charger.connected",
        b.charger.uid,
    )
    assert first["of_charger_a"]["chargerId"] == str(a.charger.uuid)


@memory_bus
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_unknown_event_type_is_refused(bus_server: LiveServer, world: World, protocol: str) -> None:
    async with connect(graphql_url(bus_server), protocol, params=key(world.a.cpms_key)) as client:
        op = await client.subscribe(EVENTS, {"types": ["connector.status_changed", "charger.exploded"]})
        with pytest.raises(OperationError) as refused:
            await op.next()
        assert world.services.events.subscriber_count == 0
    error = refused.value.errors[0]
    assert "charger.exploded" in error["message"]
    assert error["extensions"]["code"] == "invalid_event_types" and error["extensions"]["status"] == 422


@memory_bus
async def test_charger_of_another_network_is_not_found(bus_server: LiveServer, world: World) -> None:
    async with connect(graphql_url(bus_server), TRANSPORT_WS, params=key(world.b.cpms_key)) as client:
        op = await client.subscribe(CONNECTORS, {"charger": str(world.a.charger.uuid)})
        with pytest.raises(OperationError) as refused:
            await op.next()
    assert refused.value.errors[0]["extensions"]["code"] == "not_found"
    assert world.services.events.subscriber_count == 0


# -- authentication ------------------------------------------------------------------------------------


@memory_bus
@pytest.mark.parametrize(
    ("params", "headers", "code"),
    [
        (None, None, "unauthorized"),
        ({"apiKey": "cg_live_not-a-key"}, None, None),
        (None, {"X-API-Key": "cg_live_not-a-key"}, None),
        ({"token": "not-a-jwt"}, None, "invalid_token"),
    ],
    ids=["anonymous", "bad-key-param", "bad-key-header", "bad-token"],
)
async def test_refused_without_a_valid_credential(
    bus_server: LiveServer,
    world: World,
    params: dict[str, str] | None,
    headers: dict[str, str] | None,
    code: str | None,
) -> None:
    url = graphql_url(bus_server)
    with pytest.raises(Rejected) as modern:
        async with connect(url, TRANSPORT_WS, params=params, headers=headers):
            pass
    assert modern.value.code == 4403
    with pytest.raises(Rejected) as legacy:
        async with connect(url, LEGACY_WS, params=params, headers=headers):
            pass
    assert legacy.value.payload["status"] == 401
    if code is not None:
        assert legacy.value.payload["code"] == code
    assert legacy.value.code is not None  # and the socket was closed


@memory_bus
async def test_scope_and_credential_kinds(bus_server: LiveServer, world: World) -> None:
    a = world.a
    url = graphql_url(bus_server)
    narrow = await mint(world, networks=[a.network.id or 0], scopes=["cpms:chargers:read"])
    async with connect(url, TRANSPORT_WS, params=key(narrow)) as client:
        with pytest.raises(OperationError) as refused:
            await (await client.subscribe(CONNECTORS)).next()
    assert refused.value.errors[0]["extensions"]["code"] == "insufficient_scope"
    token = await _access_token(world, a.driver)
    async with (
        connect(url, TRANSPORT_WS, params={"token": token}) as by_param,
        connect(url, LEGACY_WS, headers={"Authorization": f"Bearer {token}"}) as by_header,
        connect(url, TRANSPORT_WS, params={"Authorization": f"Bearer {token}", **key(a.emsp_key)}) as both,
    ):
        ops = [await c.subscribe(CONNECTORS) for c in (by_param, by_header, both)]
        await subscribed(world.services, 3)
        async with charger(bus_server, a, "1.6") as cp:
            await cp.status(2, "Reserved")
            statuses = [(await op.next())["data"]["connectorStatus"]["status"] for op in ops]
    assert statuses == ["Reserved"] * 3


@memory_bus
async def test_queries_over_the_socket_run_as_the_connection(bus_server: LiveServer, world: World) -> None:
    a, b = world.a, world.b
    url = graphql_url(bus_server)
    variables = {"id": str(a.charger.uuid)}
    async with connect(url, TRANSPORT_WS, params=key(a.cpms_key)) as client:
        before = await client.execute(CONNECTOR_QUERY, variables)
        async with world.services.db.unit_of_work() as s:
            row = (
                await s.exec(
                    select(Connector).where(
                        Connector.charger_id == a.charger.id, Connector.connector_number == 1
                    )
                )
            ).one()
            row.status = "CHARGING"
            s.add(row)
        after = await client.execute(CONNECTOR_QUERY, variables)  # the same connection, fresh data
    assert before["data"]["charger"]["connectors"][0] == {"connectorNumber": 1, "status": "Available"}
    assert after["data"]["charger"]["connectors"][0] == {"connectorNumber": 1, "status": "Charging"}
    async with connect(url, LEGACY_WS, params=key(b.cpms_key)) as other:
        hidden = await other.execute(CONNECTOR_QUERY, variables)
    assert hidden["data"] is None and hidden["errors"][0]["extensions"]["code"] == "not_found"


# -- sessions --------------------------------------------------------------------------------------------


async def _session_uuid(world: World, transaction_id: str) -> str:
    async with world.services.db.session() as s:
        row = (
            await s.exec(select(ChargingSession).where(ChargingSession.ocpp_transaction_id == transaction_id))
        ).one()
    return str(row.uuid)


@memory_bus
async def test_driver_follows_only_their_own_session(bus_server: LiveServer, world: World) -> None:
    a = world.a
    url = graphql_url(bus_server)
    async with world.services.db.unit_of_work() as s:
        other = User(network_id=a.network.id, email="someone-else@example.com", first_name="Ana")
        s.add(other)
    async with charger(bus_server, a, "1.6") as cp:
        txid = await cp.start_transaction(1, a.token_uid, meter_start_wh=0)
        session_id = await _session_uuid(world, txid)
        async with connect(url, TRANSPORT_WS, params={"token": await _access_token(world, other)}) as c:
            with pytest.raises(OperationError) as refused:
                await (await c.subscribe(SESSION, {"id": session_id})).next()
        assert refused.value.errors[0]["extensions"]["code"] == "not_found"
        async with connect(url, LEGACY_WS, params={"token": await _access_token(world, a.driver)}) as c:
            op = await c.subscribe(SESSION, {"id": session_id})
            await subscribed(world.services, 1)
            await cp.meter_values(1, energy_wh=1500, power_w=7200, soc=40)
            updated = (await op.next())["data"]["sessionUpdates"]
            await cp.stop_transaction(txid, meter_stop_wh=3000)
            completed = (await op.next())["data"]["sessionUpdates"]
    assert (updated["type"], updated["sessionId"], updated["status"]) == (
        "session.updated",
        session_id,
        "Active",
    )
    assert (updated["energyKwh"], updated["powerKw"], updated["soc"]) == ("1.5", "7.2", "40")
    assert (completed["type"], completed["status"], completed["energyKwh"]) == (
        "session.completed",
        "Completed",
        "3",
    )
    assert completed["currency"] == "USD" and completed["cost"] is not None and completed["stopReason"]


# -- overflow --------------------------------------------------------------------------------------------


async def test_hub_ends_a_subscriber_that_never_reads() -> None:
    hub = EventHub(queue_size=20_000)
    slow = hub.subscribe(EventFilter(), maxsize=3)
    fast = hub.subscribe(EventFilter())
    sample = Event(type="connector.status_changed", network_id=1, data={})
    for _ in range(10_000):
        hub.dispatch(sample)
        assert slow.queue.qsize() <= 3  # bounded however far behind it is
    assert hub.subscriber_count == 1 and slow.closed and not fast.closed
    drained = [await slow.get() for _ in range(slow.queue.qsize() - 1)]  # what fit, then the end
    assert drained == [sample] * 2
    with pytest.raises(SubscriberTooSlow):
        await slow.get()
    fast.close()
    assert hub.subscriber_count == 0


@memory_bus
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscription_reports_overflow(bus_server: LiveServer, world: World, protocol: str) -> None:
    world.services.events.queue_size = 3
    async with connect(graphql_url(bus_server), protocol, params=key(world.a.cpms_key)) as client:
        op = await client.subscribe(CONNECTORS)
        await subscribed(world.services, 1)
        for n in range(10):  # a burst, dispatched before the subscriber can read any of it
            world.services.events.dispatch(event(world, n))
        payloads: list[dict[str, Any]] = [p async for p in op]  # ends with the error, then complete
    assert len(payloads) <= 4
    assert all(p["data"]["connectorStatus"]["status"].startswith("S") for p in payloads[:-1])
    error = payloads[-1]["errors"][0]
    assert error["message"] == "Subscriber too slow: events overflowed the queue of 3; subscribe again"
    assert error["extensions"]["code"] == "subscriber_too_slow"
    assert world.services.events.subscriber_count == 0


@memory_bus
async def test_stopping_a_subscription_unsubscribes(bus_server: LiveServer, world: World) -> None:
    async with connect(graphql_url(bus_server), TRANSPORT_WS, params=key(world.a.cpms_key)) as client:
        kept = await client.subscribe(CONNECTORS)
        async with await client.subscribe(EVENTS):
            await subscribed(world.services, 2)
        await subscribed(world.services, 1)
        world.services.events.dispatch(event(world, 1))
        assert (await kept.next())["data"]["connectorStatus"]["status"] == "S1"
    await subscribed(world.services, 0)
