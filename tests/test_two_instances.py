"""Two real ``chargegraph serve`` processes on one PostgreSQL database and one Redis bus, as deployed:
a charger connected to A is started and stopped from B; a live subscriber on B sees what A's charger
reports; a webhook created on A gets every event, from either instance, delivered exactly once while
both instances' delivery workers share the outbox."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from chargegraph.migrate import upgrade
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.db import Database
from domain.models import ChargingSession, WebhookDelivery
from tests import instances, webhook_receiver
from tests.conftest import BUS_URLS
from tests.device_control import charger
from tests.fresh import SECRET_KEY, fresh_database
from tests.ocpp_wire import eventually
from tests.sse_client import sse
from tests.webhook_receiver import Receiver, Reply
from tests.world import Net, build_world

receiver = webhook_receiver.receiver
pytestmark = [pytest.mark.postgres, pytest.mark.redis]

STATUS_REPORTS = 24
"""Enough status changes for more deliveries than one worker claims in a pass (20)."""


def _env(url: str, workdir: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "BROADCAST_URL": BUS_URLS["redis"],
        "BROADCAST_CHANNEL_PREFIX": f"cgtest_{uuid.uuid4().hex[:12]}",
        "CHARGEGRAPH_SECRET_KEY": SECRET_KEY,
        "CHARGEGRAPH_SECRET_KEY_FILE": str(workdir / "secret"),
        "CHARGEGRAPH_UPLOAD_DIR": str(workdir / "uploads"),
        "CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE": "true",
        "CHARGEGRAPH_WEBHOOK_POLL_SECONDS": "0.2",
        "CHARGEGRAPH_WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "CHARGEGRAPH_OCPP_COMMAND_TIMEOUT_SECONDS": "5",
        "CHARGEGRAPH_LOG_LEVEL": "warning",
    }


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def _session(db: Database, session_id: str) -> ChargingSession:
    async with db.session() as s:
        stmt = select(ChargingSession).where(ChargingSession.uuid == uuid.UUID(session_id))
        return (await s.exec(stmt)).one()


async def _deliveries(db: Database) -> list[WebhookDelivery]:
    async with db.session() as s:
        return list((await s.exec(select(WebhookDelivery))).all())


async def _claimants(db: Database) -> list[str]:
    async with db.session() as s:
        claimed = col(WebhookDelivery.claimed_by)
        stmt = select(WebhookDelivery.claimed_by).where(claimed.is_not(None)).distinct()
        return [str(worker) for worker in (await s.exec(stmt)).all()]


async def test_two_serve_processes_share_chargers_events_and_work(tmp_path: Path, receiver: Receiver) -> None:
    async with fresh_database("postgres", tmp_path) as url:
        db = Database.from_url(url)
        try:
            await upgrade(db)
            world = await build_world(build_services(Settings(CHARGEGRAPH_SECRET_KEY=SECRET_KEY), db))
            async with instances.running(["A", "B"], _env(url, tmp_path), tmp_path) as (a, b):
                try:
                    await _scenario(db, world.a, a, b, receiver)
                except BaseException:
                    print(f"--- A's log ---\n{a.log()}\n--- B's log ---\n{b.log()}")
                    raise
        finally:
            await db.dispose()


async def _scenario(
    db: Database, net: Net, a: instances.Instance, b: instances.Instance, receiver: Receiver
) -> None:
    receiver.script("hook", then=Reply(hold=True))  # deliveries wait until released
    on_a = httpx.AsyncClient(base_url=a.server.http_url, headers=net.cpms(), timeout=15)
    on_b = httpx.AsyncClient(base_url=b.server.http_url, headers=net.cpms(), timeout=15)
    async with on_a, on_b:
        hook = await _ok(
            await on_a.post("/cpms/v1/webhooks", json={"url": receiver.url("hook"), "events": "*"})
        )
        params = {"eventTypes": "connector.status_changed"}
        async with (
            sse(on_b, "/cpms/v1/events/stream", params=params) as stream,
            charger(a.server, net, "1.6") as cp,
        ):
            assert stream.status_code == 200

            # A live subscriber on B sees what the charger on A reports.
            await cp.status(1, "Preparing")
            seen = (await stream.message(timeout=10)).json()
            assert seen["event"] == "connector.status_changed" and seen["stationId"] == net.charger.uid
            assert (seen["data"]["connectorId"], seen["data"]["status"]) == (1, "Preparing")

            # Started from B: the command travels to A, the charger starts, the session is ACTIVE.
            path = f"/cpms/v1/chargers/{net.charger.uuid}/remote-start"
            started = await _ok(await on_b.post(path, json={"connectorNumber": 2, "idTag": net.token_uid}))
            assert started["accepted"] is True, started
            found = re.search(r"/cpms/v1/sessions/([0-9a-f-]{36})", started["message"])
            assert found is not None
            session_id = found.group(1)
            await cp.wait_for("RemoteStartTransaction")

            async def active() -> bool:
                return (await _session(db, session_id)).status == "ACTIVE"

            await eventually(active, timeout=10)
            stopped = await _ok(await on_b.post(f"/cpms/v1/chargers/{net.charger.uuid}/remote-stop"))
            assert stopped["accepted"] is True and stopped["sessionId"] == session_id
            await cp.wait_for("RemoteStopTransaction")

            async def completed() -> bool:
                return (await _session(db, session_id)).status == "COMPLETED"

            await eventually(completed, timeout=10)

            # Events recorded by both instances: B's test pings, A's charger reports.
            for _ in range(3):
                await _ok(await on_b.post(f"/cpms/v1/webhooks/{hook['id']}/test"))
            for n in range(STATUS_REPORTS):
                await cp.status(1, "Available" if n % 2 == 0 else "Preparing")

            # Both instances' workers hold claims at once (the receiver keeps every request open)...
            async def both_claim() -> list[str]:
                claimants = await _claimants(db)
                return claimants if len(claimants) == 2 else []

            workers = await eventually(both_claim, timeout=15)
            assert all(worker.endswith((f":{a.process.pid}", f":{b.process.pid}")) for worker in workers)
            receiver.release()

            # ...and every delivery is sent once: one request each, first attempt, then Delivered.
            async def all_delivered() -> list[WebhookDelivery]:
                rows = await _deliveries(db)
                return rows if rows and all(r.status == "Delivered" for r in rows) else []

            await eventually(all_delivered, timeout=20)
            await asyncio.sleep(1)  # nothing more arrives
            rows = await all_delivered()
            got = receiver.on("hook")
        assert Counter(r.delivery for r in got) == Counter({str(row.uuid): 1 for row in rows})
        assert {r.attempt for r in got} == {1}
        types = Counter(r.json()["event"] for r in got)
        assert types["webhook.test"] == 3
        assert types["connector.status_changed"] >= STATUS_REPORTS
        assert types["charger.connected"] == 1
        assert len(got) > 20
