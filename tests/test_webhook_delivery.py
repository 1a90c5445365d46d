"""Webhook delivery: each event reaches the subscriptions that want it once, signed; failures are
retried with doubling gaps until the attempts run out; a subscription failing too often is disabled
and resumes when re-enabled; claims are fenced; and killed or concurrent worker processes never send
an attempt twice nor a delivery twice."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from chargegraph.settings import Settings
from chargegraph.webhook_sender import USER_AGENT, WebhookSender, lease_seconds
from chargegraph.workers import Workers, jobs
from domain import events, webhook_signature
from domain.config import WebhookConfig
from domain.container import Services
from domain.db import Database
from domain.models import Webhook, WebhookDelivery
from domain.services import webhook_outbox as outbox
from domain.services import webhooks
from domain.types import utcnow
from tests import webhook_receiver
from tests.live import free_port
from tests.ocpp_wire import eventually
from tests.webhook_receiver import Receiver, Reply
from tests.world import Net, World

receiver = webhook_receiver.receiver

SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2.0
"""The HTTP timeout in these tests; a killed worker's claim lease is three times that."""


@pytest.fixture
def settings(smtp: tuple[int, Any]) -> Settings:
    return Settings(
        CHARGEGRAPH_SECRET_KEY=SECRET_KEY,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp[0],
        DATABASE_URL="sqlite+aiosqlite:///unused.db",
        CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE=True,
        CHARGEGRAPH_WEBHOOK_TIMEOUT_SECONDS=TIMEOUT,
        CHARGEGRAPH_WEBHOOK_BACKOFF_BASE_SECONDS=0.3,
        CHARGEGRAPH_WEBHOOK_POLL_SECONDS=0.05,
    )


async def subscribe(
    services: Services, net: Net, url: str, patterns: list[str], *, max_attempts: int = 5
) -> tuple[Webhook, str]:
    """A subscription made by the domain service, with its secret as shown at create."""
    async with services.db.unit_of_work() as s:
        created = await webhooks.create(
            s,
            network_id=net.network.id or 0,
            family="cpms",
            url=url,
            patterns=patterns,
            description=None,
            server_key=services.auth.secret_key,
            created_by_api_key_id=None,
        )
        created.webhook.max_attempts = max_attempts
        s.add(created.webhook)
    return created.webhook, created.secret


async def emit(services: Services, net: Net, event_type: str = "connector.status_changed") -> events.Event:
    data = {
        "chargerId": str(net.charger.uuid),
        "stationId": net.charger.uid,
        "connectorId": 1,
        "status": "Charging",
        "previousStatus": "Preparing",
        "errorCode": "NoError",
    }
    async with services.db.unit_of_work() as s:
        return await events.record(
            s, event_type, network_id=net.network.id or 0, charger_id=net.charger.id, data=data
        )


async def deliveries(db: Database, webhook: Webhook | None = None) -> list[WebhookDelivery]:
    async with db.session() as s:
        stmt = select(WebhookDelivery).order_by(col(WebhookDelivery.id))
        if webhook is not None:
            stmt = stmt.where(WebhookDelivery.webhook_id == webhook.id)
        return list((await s.exec(stmt)).all())


async def load(db: Database, webhook: Webhook) -> Webhook:
    async with db.session() as s:
        row = await s.get(Webhook, webhook.id)
        assert row is not None
        return row


def deliver_job() -> list[Any]:
    return [job for job in jobs() if job.name == "webhooks.deliver"]


# --- signatures ----------------------------------------------------------------------------------


def test_signature_verifies_only_the_signed_body_with_the_secret_in_time() -> None:
    body = b'{"id":"1","event":"webhook.test"}'
    header = webhook_signature.sign("whsec_abc", 1_700_000_000, body)
    t, v1 = header.split(",")
    assert t == "t=1700000000" and v1.startswith("v1=") and len(v1) == 3 + 64
    assert webhook_signature.verify("whsec_abc", header, body, now=1_700_000_100)
    assert not webhook_signature.verify("whsec_other", header, body, now=1_700_000_100)
    assert not webhook_signature.verify("whsec_abc", header, body + b" ", now=1_700_000_100)
    assert not webhook_signature.verify("whsec_abc", header, body, now=1_700_000_301)  # stale
    assert webhook_signature.verify("whsec_abc", header, body, now=1_700_000_301, tolerance_seconds=600)
    for broken in ("", "v1=00", "t=abc,v1=00", "t=1700000000", f"t=1700000001,{v1}"):
        assert not webhook_signature.verify("whsec_abc", broken, body, now=1_700_000_000)


def test_backoff_doubles_up_to_the_cap() -> None:
    config = WebhookConfig(backoff_base_seconds=30, backoff_max_seconds=100)
    assert [outbox.backoff_seconds(config, n) for n in range(1, 6)] == [30, 60, 100, 100, 100]


# --- delivery ------------------------------------------------------------------------------------


async def test_event_is_delivered_once_signed_to_the_subscriptions_that_want_it(
    client: httpx.AsyncClient, world: World, services: Services, receiver: Receiver
) -> None:
    r = await client.post(
        "/cpms/v1/webhooks",
        json={"url": receiver.url("a"), "events": "connector.*"},
        headers=world.a.cpms(),
    )
    assert r.status_code == 201, r.text
    secret = r.json()["data"]["hmac_secret"]
    other_type, _ = await subscribe(services, world.a, receiver.url("a-sessions"), ["session.*"])
    other_network, _ = await subscribe(services, world.b, receiver.url("b"), ["*"])

    async with Workers(services, deliver_job()):
        event = await emit(services, world.a)
        (got,) = await receiver.wait_for(1, "a")
        await asyncio.sleep(0.5)  # several more passes: nothing more is sent
    assert receiver.received == [got]

    (delivery,) = await deliveries(services.db)
    assert delivery.status == "Delivered" and delivery.attempts == 1
    assert delivery.http_status == 200 and delivery.response_body == "thanks"
    assert delivery.delivered_at is not None and delivery.completed_at == delivery.delivered_at
    assert delivery.duration_ms is not None and delivery.duration_ms >= 0
    assert (delivery.claimed_at, delivery.claimed_by, delivery.next_attempt_at) == (None, None, None)
    assert await deliveries(services.db, other_type) == []
    assert await deliveries(services.db, other_network) == []

    headers = got.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert headers["x-chargegraph-event"] == "connector.status_changed"
    assert headers["x-chargegraph-event-id"] == str(event.id)
    assert headers["x-chargegraph-delivery"] == str(delivery.uuid)
    assert headers["x-chargegraph-attempt"] == "1"
    assert got.json() == event.public()
    assert got.json()["data"]["status"] == "Charging" and got.json()["networkId"] == world.a.network.id

    signature = headers["x-chargegraph-signature"]
    assert abs(int(signature.split(",")[0].removeprefix("t=")) - time.time()) < 30
    assert webhook_signature.verify(secret, signature, got.body)
    assert not webhook_signature.verify("whsec_" + "0" * 32, signature, got.body)
    assert not webhook_signature.verify(secret, signature, got.body.replace(b"Charging", b"Finishing"))

    webhook = (await client.get("/cpms/v1/webhooks", headers=world.a.cpms())).json()["data"][0]
    assert webhook["consecutive_failures"] == 0 and webhook["is_active"] is True


async def test_failing_receiver_is_retried_with_doubling_gaps_until_failed(
    world: World, services: Services, receiver: Receiver
) -> None:
    """With the production defaults (30 s base): the clock is given, the sends are real."""
    receiver.script("down", then=Reply(500, "boom"))
    webhook, _ = await subscribe(services, world.a, receiver.url("down"), ["*"], max_attempts=5)
    await emit(services, world.a)
    config = WebhookConfig(allow_private=True, timeout_seconds=TIMEOUT)
    assert (config.backoff_base_seconds, config.backoff_max_seconds) == (30.0, 3600.0)
    db = services.db
    now = utcnow()
    gaps: list[float] = []
    async with WebhookSender(replace(services, webhooks=config), "w1") as sender:
        for attempt in range(1, 6):
            (claim,) = await outbox.claim_due(db, "w1", now, 10, 60)
            assert claim.attempt == attempt and claim.max_attempts == 5
            assert await outbox.claim_due(db, "w2", now, 10, 60) == []  # held by w1
            outcome = await sender.attempt(claim)
            assert (outcome.http_status, outcome.error) == (500, "HTTP 500")
            status = await outbox.record_result(
                db, claim.delivery_id, "w1", claim.claimed_at, outcome, config=config, now=now
            )
            (row,) = await deliveries(db)
            assert row.attempts == attempt and row.last_attempt_at == now
            if attempt < 5:
                assert status == "Pending" and row.next_attempt_at is not None
                gaps.append((row.next_attempt_at - now).total_seconds())
                early = row.next_attempt_at - timedelta(milliseconds=1)
                assert await outbox.claim_due(db, "w1", early, 10, 60) == []  # not due yet
                now = row.next_attempt_at
    assert gaps == [30, 60, 120, 240]
    assert status == "Failed"
    assert (row.status, row.http_status, row.last_error, row.response_body) == (
        "Failed",
        500,
        "HTTP 500",
        "boom",
    )
    assert row.completed_at == now and row.next_attempt_at is None and row.delivered_at is None
    assert await outbox.claim_due(db, "w1", now + timedelta(days=1), 10, 60) == []
    assert [r.attempt for r in receiver.on("down")] == [1, 2, 3, 4, 5]
    assert {r.delivery for r in receiver.on("down")} == {str(row.uuid)}
    stored = await load(db, webhook)
    assert stored.consecutive_failures == 5 and stored.last_failure_at == now
    assert stored.is_active is True and stored.last_success_at is None


async def test_worker_retries_with_growing_gaps_and_a_success_resets_the_failure_count(
    world: World, services: Services, receiver: Receiver
) -> None:
    """The real job on the real clock (0.3 s base): three 500s, then the receiver recovers."""
    receiver.script("flaky", Reply(500), Reply(502), Reply(503), then=Reply(204, ""))
    webhook, _ = await subscribe(services, world.a, receiver.url("flaky"), ["connector.*"], max_attempts=5)
    async with Workers(services, deliver_job()):
        await emit(services, world.a)
        got = await receiver.wait_for(4, "flaky")

        async def delivered() -> bool:
            return [d.status for d in await deliveries(services.db)] == ["Delivered"]

        await eventually(delivered)
    assert [r.attempt for r in got] == [1, 2, 3, 4]
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    # Never sooner than the backoff (the exact schedule is checked above, on a given clock).
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6 and gaps[2] >= 1.2, gaps
    assert gaps[2] > gaps[0], gaps
    (row,) = await deliveries(services.db)
    assert (row.attempts, row.http_status, row.last_error) == (4, 204, None)
    stored = await load(services.db, webhook)
    assert stored.consecutive_failures == 0
    assert stored.last_failure_at is not None and stored.last_success_at is not None
    assert stored.last_success_at > stored.last_failure_at and stored.is_active is True


async def test_consecutive_failures_disable_the_webhook_until_it_is_re_enabled(
    client: httpx.AsyncClient, world: World, services: Services, receiver: Receiver
) -> None:
    receiver.script("down", Reply(500), Reply(500), Reply(500), then=Reply(200))
    webhook, _ = await subscribe(services, world.a, receiver.url("down"), ["*"], max_attempts=2)
    config = WebhookConfig(allow_private=True, timeout_seconds=TIMEOUT, disable_after=3)
    db = services.db
    now = utcnow()

    async def attempt_due(sender: WebhookSender) -> list[str | None]:
        results = []
        for claim in await outbox.claim_due(db, "w1", now, 10, 60):
            outcome = await sender.attempt(claim)
            results.append(
                await outbox.record_result(
                    db, claim.delivery_id, "w1", claim.claimed_at, outcome, config=config, now=now
                )
            )
        return results

    async with WebhookSender(replace(services, webhooks=config), "w1") as sender:
        await emit(services, world.a)
        now = utcnow()
        assert await attempt_due(sender) == ["Pending"]
        now += timedelta(minutes=1)
        assert await attempt_due(sender) == ["Failed"]  # two attempts: the first delivery gives up
        await emit(services, world.a, "alert.raised")
        now += timedelta(minutes=1)
        assert await attempt_due(sender) == ["Pending"]  # third consecutive failure
        stored = await load(db, webhook)
        assert stored.is_active is False and stored.consecutive_failures == 3
        assert stored.disabled_at == now
        assert stored.disabled_reason == "Too many consecutive delivery failures"

        now += timedelta(hours=1)
        assert await attempt_due(sender) == []  # disabled: the due delivery waits
        await emit(services, world.a)  # and nothing new is enqueued for it
        assert len(await deliveries(db)) == 2
        listed = (await client.get("/cpms/v1/webhooks", headers=world.a.cpms())).json()["data"][0]
        assert listed["is_active"] is False and listed["disabled_reason"] == stored.disabled_reason

        r = await client.patch(
            f"/cpms/v1/webhooks/{webhook.uuid}", json={"isActive": True}, headers=world.a.cpms()
        )
        assert r.status_code == 200, r.text
        now = utcnow() + timedelta(hours=1)
        assert await attempt_due(sender) == ["Delivered"]  # the waiting delivery resumes
    first, second = await deliveries(db)
    assert (first.status, first.attempts) == ("Failed", 2)
    assert (second.status, second.attempts, second.event_type) == ("Delivered", 2, "alert.raised")
    stored = await load(db, webhook)
    assert stored.is_active is True and stored.consecutive_failures == 0 and stored.disabled_at is None
    assert [r.attempt for r in receiver.on("down")] == [1, 2, 1, 2]


async def test_timeouts_refused_connections_redirects_and_refused_destinations_are_failed_attempts(
    world: World, services: Services, receiver: Receiver
) -> None:
    receiver.script("slow", then=Reply(200, delay=1.5))
    receiver.script("moved", then=Reply(302, headers={"Location": receiver.url("elsewhere")}))
    closed = f"http://127.0.0.1:{free_port()}/hook"
    for path in (receiver.url("slow"), receiver.url("moved"), closed):
        await subscribe(services, world.a, path, ["*"])
    await emit(services, world.a)
    config = WebhookConfig(allow_private=True, timeout_seconds=0.5)
    claims = await outbox.claim_due(services.db, "w1", utcnow(), 10, 60)
    async with WebhookSender(replace(services, webhooks=config), "w1") as sender:
        outcomes = {claim.url: await sender.attempt(claim) for claim in claims}
        for claim in claims:
            await outbox.record_result(
                services.db, claim.delivery_id, "w1", claim.claimed_at, outcomes[claim.url], config=config
            )
    slow, moved, refused = (outcomes[receiver.url("slow")], outcomes[receiver.url("moved")], outcomes[closed])
    assert (slow.http_status, slow.error) == (None, "Timed out after 0.5s")
    assert slow.duration_ms is not None and 400 <= slow.duration_ms < 2000
    assert (moved.http_status, moved.error) == (302, "HTTP 302")
    assert refused.http_status is None and refused.error is not None
    assert refused.error.startswith("Request failed")
    assert receiver.on("elsewhere") == []  # redirects are not followed
    rows = await deliveries(services.db)
    assert all(r.status == "Pending" and r.next_attempt_at is not None for r in rows)
    assert sorted(r.last_error or "" for r in rows) == sorted(o.error or "" for o in outcomes.values())

    # Private destinations are refused (before anything is sent) unless explicitly allowed.
    before = len(receiver.received)
    strict = WebhookConfig(allow_private=False, timeout_seconds=0.5)
    async with WebhookSender(replace(services, webhooks=strict), "w1") as sender:
        outcome = await sender.attempt(next(c for c in claims if c.url == receiver.url("moved")))
    assert outcome.http_status is None and outcome.error is not None
    assert outcome.error.startswith("Destination refused: url:")
    assert len(receiver.received) == before


async def test_a_claim_is_fenced_and_an_abandoned_last_attempt_ends_failed(
    world: World, services: Services, receiver: Receiver
) -> None:
    db = services.db
    config = services.webhooks
    webhook, _ = await subscribe(services, world.a, receiver.url("a"), ["*"], max_attempts=2)
    await emit(services, world.a)
    t0 = utcnow()
    (first,) = await outbox.claim_due(db, "w1", t0, 10, lease_seconds=5)
    assert await outbox.claim_due(db, "w2", t0 + timedelta(seconds=4), 10, lease_seconds=5) == []
    (second,) = await outbox.claim_due(db, "w2", t0 + timedelta(seconds=6), 10, lease_seconds=5)
    assert (first.delivery_id, first.attempt, second.attempt) == (second.delivery_id, 1, 2)

    # w1 wakes up late: its claim is gone, its result is not recorded.
    late = outbox.Outcome(http_status=200, duration_ms=5)
    assert (
        await outbox.record_result(db, first.delivery_id, "w1", first.claimed_at, late, config=config) is None
    )
    (row,) = await deliveries(db)
    assert (row.status, row.claimed_by, row.attempts, row.http_status) == ("Pending", "w2", 2, None)

    # w2 dies too; its attempt was the last one, so once its lease runs out the delivery is Failed.
    assert await outbox.claim_due(db, "w3", t0 + timedelta(seconds=20), 10, lease_seconds=5) == []
    (row,) = await deliveries(db)
    assert (row.status, row.attempts, row.claimed_by) == ("Failed", 2, None)
    assert row.last_error == outbox.ABANDONED_ERROR and row.completed_at is not None
    assert (await load(db, webhook)).consecutive_failures == 0
    assert receiver.received == []


# --- worker processes ----------------------------------------------------------------------------

WORKER = """
import asyncio
from chargegraph.services import build_services
from chargegraph.settings import Settings
from chargegraph.webhook_sender import serve
services = build_services(Settings())
print("ready", flush=True)
asyncio.run(serve(services))
"""


@pytest.fixture
async def processes() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Worker processes started by a test; any still running at the end are killed."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for proc in started:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def start_worker(
    db: Database, started: list[asyncio.subprocess.Process], timeout: float = TIMEOUT
) -> asyncio.subprocess.Process:
    """``serve`` in a process of its own on the test database (worker id ``host:pid``)."""
    env = {
        **os.environ,
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "CHARGEGRAPH_SECRET_KEY": SECRET_KEY,
        "CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE": "true",
        "CHARGEGRAPH_WEBHOOK_TIMEOUT_SECONDS": str(timeout),
        "CHARGEGRAPH_WEBHOOK_BACKOFF_BASE_SECONDS": "0.3",
        "CHARGEGRAPH_WEBHOOK_POLL_SECONDS": "0.05",
        "BROADCAST_URL": "memory://",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    started.append(proc)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.strip() == b"ready", line
    return proc


async def wait_delivered(db: Database, count: int, timeout: float = 30) -> list[WebhookDelivery]:
    """All ``count`` deliveries Delivered (else fail showing where each one stands)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await deliveries(db)
        if len(rows) == count and all(r.status == "Delivered" for r in rows):
            return rows
        if time.monotonic() > deadline:
            states = Counter((r.status, r.attempts, r.claimed_by, r.last_error) for r in rows)
            raise AssertionError(f"{len(rows)} deliveries, not all Delivered: {states}")
        await asyncio.sleep(0.05)


async def test_a_worker_killed_mid_delivery_never_sends_an_attempt_twice(
    world: World,
    services: Services,
    receiver: Receiver,
    processes: list[asyncio.subprocess.Process],
) -> None:
    receiver.script("crash", Reply(hold=True), then=Reply(200))
    await subscribe(services, world.a, receiver.url("crash"), ["*"])
    await emit(services, world.a)

    first = await start_worker(services.db, processes)
    (held,) = await receiver.wait_for(1, "crash", timeout=30)
    first.kill()  # SIGKILL while the receiver holds attempt 1 open
    await first.wait()
    (row,) = await deliveries(services.db)
    assert (row.status, row.attempts) == ("Pending", 1)
    assert row.claimed_by is not None and row.claimed_by.endswith(f":{first.pid}")

    await start_worker(services.db, processes)
    (row,) = await wait_delivered(services.db, 1)
    await asyncio.sleep(0.5)
    got = receiver.on("crash")
    assert [(r.delivery, r.attempt) for r in got] == [(str(row.uuid), 1), (str(row.uuid), 2)]
    assert got[1].at - held.at >= lease_seconds(TIMEOUT) - 0.5  # only once the lease ran out
    assert got[0].body == got[1].body
    assert (row.attempts, row.http_status, row.claimed_by) == (2, 200, None)


async def test_two_worker_processes_deliver_each_event_exactly_once(
    world: World,
    services: Services,
    receiver: Receiver,
    processes: list[asyncio.subprocess.Process],
) -> None:
    receiver.script("busy", then=Reply(200, delay=0.05))
    await subscribe(services, world.a, receiver.url("busy"), ["*"])
    # A generous timeout: under load a slow answer must not turn into a (legitimate) second attempt.
    await asyncio.gather(*(start_worker(services.db, processes, timeout=10) for _ in range(2)))
    count = 60
    recorded: list[events.Event] = []
    async with services.db.unit_of_work() as s:
        for n in range(count):
            recorded.append(
                await events.record(
                    s, "alert.raised", network_id=world.a.network.id or 0, data={"alertId": str(n)}
                )
            )
    rows = await wait_delivered(services.db, count)
    await asyncio.sleep(0.5)
    got = receiver.on("busy")
    assert sorted(r.delivery for r in got) == sorted(str(r.uuid) for r in rows)
    assert {r.attempt for r in got} == {1} and {r.attempts for r in rows} == {1}
    assert sorted(r.json()["id"] for r in got) == sorted(str(e.id) for e in recorded)
