"""Webhook subscriptions over /cpms/v1/webhooks, /emsp/v1/webhooks and GraphQL: the secret shown once
and sealed at rest, the destination guard, event validation, tenancy, test events, deliveries,
retries and the event catalogue.

DNS is the one external edge: ``webhook_destinations.resolve`` is replaced by a fixed table, so that
example host names resolve to public or private addresses deterministically."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import func, select

from chargegraph.app import create_app
from chargegraph.settings import Settings
from domain import secret_box
from domain.container import Services
from domain.errors import ValidationFailed
from domain.events import CATALOGUE
from domain.models import EventLogEntry, Webhook, WebhookDelivery
from domain.services import api_keys, webhook_destinations
from domain.services.webhook_destinations import check_destination, is_public
from domain.types import utcnow
from tests.spec import assert_error, assert_shape, documented
from tests.world import Net, World, gql

FAMILIES = ["cpms", "emsp"]
PUBLIC_URL = "https://hooks.example.com/chargegraph"
SECRET = re.compile(r"^whsec_[0-9a-f]{32}$")

FAKE_DNS: dict[str, list[str]] = {
    "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "other.example.com": ["151.101.1.69"],
    "internal.example.com": ["10.0.0.5"],
    "mixed.example.com": ["93.184.216.34", "127.0.0.1"],
    "mapped.example.com": ["::ffff:192.168.1.10"],
    "metadata.example.com": ["169.254.169.254"],
    "cgnat.example.com": ["100.64.0.1"],
    "localhost": ["127.0.0.1", "::1"],
}


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in FAKE_DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return FAKE_DNS[host]

    monkeypatch.setattr(webhook_destinations, "resolve", resolve)
    return FAKE_DNS


def base(family: str) -> str:
    return f"/{family}/v1/webhooks"


def key(net: Net, family: str) -> dict[str, str]:
    return net.cpms() if family == "cpms" else net.emsp()


def assert_family_shape(family: str, method: str, path: str, body: dict[str, Any]) -> None:
    """cpms bodies carry the usual envelope; the emsp webhook reference documents ``data`` (and
    ``pagination``) alone, and that is what is served."""
    full = f"/{family}/v1/webhooks{path}"
    if family == "cpms":
        assert_shape(method, full, body)
        return
    example = documented(method, full)["exampleResponse"]
    assert set(body) == set(example), body
    want, got = example["data"], body["data"]
    if isinstance(want, list):
        want, got = (want[0] if want else None), (got[0] if got else None)
    if isinstance(want, dict) and got is not None:
        assert set(got) == set(want), f"missing {set(want) - set(got)}, extra {set(got) - set(want)}"
    if "pagination" in example:
        assert set(body["pagination"]) == set(example["pagination"])


async def create(client: httpx.AsyncClient, net: Net, family: str = "cpms", **body: Any) -> dict[str, Any]:
    payload = {"url": PUBLIC_URL, "events": "session.started,session.completed", **body}
    r = await client.post(base(family), json=payload, headers=key(net, family))
    assert r.status_code == 201, r.text
    assert_family_shape(family, "POST", "", r.json())
    data: dict[str, Any] = r.json()["data"]
    return data


async def webhook_row(world: World, webhook_id: str) -> Webhook:
    async with world.services.db.session() as s:
        return (await s.exec(select(Webhook).where(Webhook.uuid == UUID(webhook_id)))).one()


async def count(world: World, model: Any) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())


async def add_deliveries(world: World, webhook: Webhook, statuses: list[str]) -> list[WebhookDelivery]:
    """Delivery rows as the outbox writes them, one second apart (oldest first)."""
    assert webhook.id is not None
    start = utcnow() - timedelta(minutes=10)
    rows = []
    async with world.services.db.unit_of_work() as s:
        for n, status in enumerate(statuses):
            at = start + timedelta(seconds=n)
            done = status != "Pending"
            row = WebhookDelivery(
                webhook_id=webhook.id,
                network_id=webhook.network_id,
                event_id=UUID(int=n + 1),
                event_type="session.completed",
                payload={
                    "id": str(UUID(int=n + 1)),
                    "event": "session.completed",
                    "data": {"n": n, "€": "é"},
                },
                status=status,
                attempts=1 if status != "Failed" else 5,
                max_attempts=5,
                next_attempt_at=at + timedelta(minutes=30),
                http_status=200 if status == "Delivered" else 500,
                response_body="OK" if status == "Delivered" else "boom",
                duration_ms=40 + n,
                completed_at=at + timedelta(seconds=2) if done else None,
                claimed_at=at if status == "Failed" else None,
                claimed_by="host:1" if status == "Failed" else None,
                created_at=at,
            )
            s.add(row)
            rows.append(row)
    return rows


@pytest.fixture
async def private_client(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app with ``CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE`` on (local receivers)."""
    allowing = dataclasses.replace(
        services, webhooks=dataclasses.replace(services.webhooks, allow_private=True)
    )
    app = create_app(settings, services=allowing, migrate=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


# --- the REST paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
async def test_create_shows_the_secret_once_and_seals_it(
    client: httpx.AsyncClient, world: World, family: str
) -> None:
    created = await create(client, world.a, family, description="Billing pipeline")
    assert SECRET.match(created["hmac_secret"]), created
    assert created["url"] == PUBLIC_URL
    assert created["events"] == "session.started,session.completed"
    assert created["description"] == "Billing pipeline" and created["is_active"] is True
    assert created["created_at"].endswith("Z")

    r = await client.get(base(family), headers=key(world.a, family))
    assert r.status_code == 200
    assert_family_shape(family, "GET", "", r.json())
    (listed,) = r.json()["data"]
    assert listed["id"] == created["id"] and listed["consecutive_failures"] == 0
    assert listed["disabled_at"] is None and listed["disabled_reason"] is None
    assert created["hmac_secret"] not in r.text and "hmac_secret" not in listed

    row = await webhook_row(world, created["id"])
    assert row.family == family and row.network_id == world.a.network.id
    assert row.events == ["session.started", "session.completed"]
    assert created["hmac_secret"] not in row.secret_encrypted
    assert row.secret_last4 == created["hmac_secret"][-4:]
    assert secret_box.unseal(world.services.auth.secret_key, row.secret_encrypted) == created["hmac_secret"]

    # Each family sees its own subscriptions only.
    other = "emsp" if family == "cpms" else "cpms"
    r = await client.get(base(other), headers=key(world.a, other))
    assert r.json()["data"] == []


@pytest.mark.parametrize("family", FAMILIES)
async def test_update_disable_reenable_and_delete(
    client: httpx.AsyncClient, world: World, family: str
) -> None:
    created = await create(client, world.a, family)
    url = f"{base(family)}/{created['id']}"
    headers = key(world.a, family)

    r = await client.patch(
        url,
        json={
            "url": "https://other.example.com/in",
            "events": ["session.*", "alert.raised"],
            "description": "x",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert_family_shape(family, "PATCH", "/{webhookId}", r.json())
    data = r.json()["data"]
    assert data["url"] == "https://other.example.com/in" and data["events"] == "session.*,alert.raised"
    assert data["description"] == "x" and data["updated_at"].endswith("Z")

    # The comma-separated form is taken on PATCH too; '*' swallows the rest.
    r = await client.patch(url, json={"events": "*,session.started"}, headers=headers)
    assert r.status_code == 200 and r.json()["data"]["events"] == "*"

    # Auto-disabled by the delivery worker: re-enabling clears the marks and the failure count.
    async with world.services.db.unit_of_work() as s:
        row = (await s.exec(select(Webhook).where(Webhook.uuid == UUID(created["id"])))).one()
        row.is_active = False
        row.consecutive_failures = 15
        row.disabled_at = utcnow()
        row.disabled_reason = "Too many consecutive delivery failures"
        s.add(row)
    (listed,) = (await client.get(base(family), headers=headers)).json()["data"]
    assert listed["is_active"] is False and listed["consecutive_failures"] == 15
    assert listed["disabled_reason"] == "Too many consecutive delivery failures"
    assert listed["disabled_at"].endswith("Z")
    r = await client.patch(url, json={"isActive": True}, headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["is_active"] is True and data["consecutive_failures"] == 0
    assert data["disabled_at"] is None and data["disabled_reason"] is None

    r = await client.patch(url, json={"isActive": False}, headers=headers)
    data = r.json()["data"]
    assert data["is_active"] is False and data["disabled_reason"] == "Disabled by the operator"
    assert data["disabled_at"] is not None
    r = await client.patch(url, json={"isActive": None}, headers=headers)
    assert r.status_code == 422

    # Delete takes the delivery history with it.
    row = await webhook_row(world, created["id"])
    await add_deliveries(world, row, ["Delivered", "Failed"])
    r = await client.delete(url, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"id": created["id"], "deleted": True}
    assert await count(world, Webhook) == 0 and await count(world, WebhookDelivery) == 0
    assert (await client.get(base(family), headers=headers)).json()["data"] == []
    r = await client.delete(url, headers=headers)
    assert r.status_code == 404
    assert_error(r.json(), "not_found")


BAD_URLS = [
    "http://hooks.example.com/x",  # plain HTTP
    "https://127.0.0.1/x",
    "https://10.0.0.5/x",
    "https://localhost/x",
    "https://internal.example.com/x",
    "https://mixed.example.com/x",  # one private answer is enough to refuse
    "https://mapped.example.com/x",  # IPv4-mapped IPv6 of a private address
    "https://[::ffff:127.0.0.1]/x",
    "https://[::1]:8443/x",
    "https://metadata.example.com/latest/meta-data",
    "https://169.254.169.254/latest/meta-data",
    "https://cgnat.example.com/x",
    "https://224.0.0.1/x",
    "https://0.0.0.0/x",
    "https://nowhere.example.com/x",  # does not resolve
    "ftp://hooks.example.com/x",
    "https:///x",
    "not a url",
    "",
    "https://hooks.example.com:99999/x",
]


@pytest.mark.parametrize("family", FAMILIES)
async def test_bad_destinations_write_nothing(client: httpx.AsyncClient, world: World, family: str) -> None:
    headers = key(world.a, family)
    for url in BAD_URLS:
        r = await client.post(base(family), json={"url": url, "events": "*"}, headers=headers)
        assert r.status_code == 422, (url, r.text)
        assert_error(r.json(), "invalid_url")
    r = await client.post(base(family), json={"events": "*"}, headers=headers)
    assert r.status_code == 422
    assert_error(r.json(), "invalid_url")
    assert await count(world, Webhook) == 0

    created = await create(client, world.a, family)
    for bad in ("https://10.0.0.5/x", "http://hooks.example.com/x", None):
        r = await client.patch(f"{base(family)}/{created['id']}", json={"url": bad}, headers=headers)
        assert r.status_code == 422, (bad, r.text)
        assert_error(r.json(), "invalid_url")
    assert (await webhook_row(world, created["id"])).url == PUBLIC_URL


async def test_private_destinations_when_allowed(private_client: httpx.AsyncClient, world: World) -> None:
    for url in ("http://127.0.0.1:9/hook", "https://internal.example.com/x", "http://localhost:8080/x"):
        r = await private_client.post(base("cpms"), json={"url": url, "events": "*"}, headers=world.a.cpms())
        assert r.status_code == 201, (url, r.text)
    for url in ("https://nowhere.example.com/x", "ftp://127.0.0.1/x"):
        r = await private_client.post(base("cpms"), json={"url": url, "events": "*"}, headers=world.a.cpms())
        assert r.status_code == 422, url
    assert await count(world, Webhook) == 3


@pytest.mark.parametrize("family", FAMILIES)
async def test_bad_events_write_nothing(client: httpx.AsyncClient, world: World, family: str) -> None:
    headers = key(world.a, family)
    for events in (
        "session.exploded",
        "",
        " , ",
        "session.*,nope",
        "bogus.*",
        [],
        ["*", "charger.nope"],
        None,
    ):
        r = await client.post(base(family), json={"url": PUBLIC_URL, "events": events}, headers=headers)
        assert r.status_code == 422, (events, r.text)
        assert_error(r.json(), "invalid_events")
    assert await count(world, Webhook) == 0

    # Arrays on POST, families and exact types are taken.
    created = await create(client, world.a, family, events=["charger.*", "webhook.test"])
    assert created["events"] == "charger.*,webhook.test"
    r = await client.patch(f"{base(family)}/{created['id']}", json={"events": ["nope"]}, headers=headers)
    assert r.status_code == 422
    assert_error(r.json(), "invalid_events")
    assert (await webhook_row(world, created["id"])).events == ["charger.*", "webhook.test"]


@pytest.mark.parametrize("family", FAMILIES)
async def test_other_networks_webhooks_are_not_found(
    client: httpx.AsyncClient, world: World, family: str
) -> None:
    created = await create(client, world.a, family)
    row = await webhook_row(world, created["id"])
    (delivery,) = await add_deliveries(world, row, ["Failed"])
    hook = f"{base(family)}/{created['id']}"
    theirs = key(world.b, family)
    calls = [
        ("PATCH", hook, {"description": "mine now"}),
        ("DELETE", hook, None),
        ("POST", f"{hook}/test", None),
        ("GET", f"{hook}/deliveries", None),
        ("POST", f"{hook}/deliveries/{delivery.uuid}/retry", None),
    ]
    if family == "emsp":
        calls.append(("GET", f"{hook}/deliveries/{delivery.uuid}", None))
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=theirs)
        assert r.status_code == 404, (method, path, r.text)
        assert_error(r.json(), "not_found")
    assert (await client.get(base(family), headers=theirs)).json()["data"] == []

    # The same network through the other family's path: not found either.
    other = "emsp" if family == "cpms" else "cpms"
    r = await client.delete(f"{base(other)}/{created['id']}", headers=key(world.a, other))
    assert r.status_code == 404

    # A delivery of another subscription named under this one is not found.
    second = await create(client, world.a, family)
    r = await client.post(
        f"{base(family)}/{second['id']}/deliveries/{delivery.uuid}/retry", headers=key(world.a, family)
    )
    assert r.status_code == 404
    after = await webhook_row(world, created["id"])
    assert after.description is None and await count(world, WebhookDelivery) == 1
    async with world.services.db.session() as s:
        assert (await s.get(WebhookDelivery, delivery.id)) is not None
        assert (await s.exec(select(WebhookDelivery.status))).one() == "Failed"


@pytest.mark.parametrize("family", FAMILIES)
async def test_test_event_enqueues_one_delivery_for_that_webhook(
    client: httpx.AsyncClient, world: World, family: str
) -> None:
    target = await create(client, world.a, family, events="*")
    await create(client, world.a, family, events="*")  # same network, also wants everything
    await create(client, world.b, family, events="*")
    r = await client.post(f"{base(family)}/{target['id']}/test", headers=key(world.a, family))
    assert r.status_code == 200, r.text
    assert_family_shape(family, "POST", "/{webhookId}/test", r.json())
    assert r.json()["data"] == {"webhook_id": target["id"], "test_enqueued": True}

    async with world.services.db.session() as s:
        (delivery,) = (await s.exec(select(WebhookDelivery))).all()
        (logged,) = (await s.exec(select(EventLogEntry))).all()
    row = await webhook_row(world, target["id"])
    assert delivery.webhook_id == row.id and delivery.status == "Pending"
    assert delivery.event_type == "webhook.test" and delivery.next_attempt_at is not None
    assert delivery.payload["event"] == "webhook.test"
    assert delivery.payload["networkId"] == world.a.network.id
    assert delivery.payload["data"]["webhookId"] == target["id"]
    assert logged.event_type == "webhook.test" and logged.event_id == delivery.event_id

    # A disabled subscription is refused, and nothing is queued.
    r = await client.patch(
        f"{base(family)}/{target['id']}", json={"isActive": False}, headers=key(world.a, family)
    )
    assert r.status_code == 200
    r = await client.post(f"{base(family)}/{target['id']}/test", headers=key(world.a, family))
    assert r.status_code == 409
    assert_error(r.json(), "webhook_disabled")
    assert await count(world, WebhookDelivery) == 1


async def test_cpms_deliveries_page_newest_first(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world.a)
    rows = await add_deliveries(
        world, await webhook_row(world, created["id"]), ["Delivered"] * 4 + ["Pending"]
    )
    path = f"/cpms/v1/webhooks/{created['id']}/deliveries"
    r = await client.get(path, params={"page": 1, "pageSize": 2}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/cpms/v1/webhooks/{webhookId}/deliveries", body)
    assert body["pagination"] == {"page": 1, "pageSize": 2, "total": 5, "totalPages": 3}
    newest, second = body["data"]
    assert newest["id"] == str(rows[4].uuid) and second["id"] == str(rows[3].uuid)
    assert newest["status"] == "Pending" and newest["success"] is False
    assert newest["next_retry_at"] is not None and newest["completed_at"] is None
    assert second["status"] == "Delivered" and second["success"] is True and second["next_retry_at"] is None
    assert second["http_status"] == 200 and second["duration_ms"] == 43 and second["max_attempts"] == 5
    assert second["completed_at"].endswith("Z")

    r = await client.get(path, params={"page": 3, "pageSize": 2}, headers=world.a.cpms())
    assert [d["id"] for d in r.json()["data"]] == [str(rows[0].uuid)]
    r = await client.get(path, params={"pageSize": 101}, headers=world.a.cpms())
    assert r.status_code == 400


async def test_emsp_deliveries_page_and_detail(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world.a, "emsp")
    rows = await add_deliveries(
        world, await webhook_row(world, created["id"]), ["Delivered", "Failed", "Pending"]
    )
    path = f"/emsp/v1/webhooks/{created['id']}/deliveries"
    r = await client.get(path, params={"pageSize": 2}, headers=world.a.emsp())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_family_shape("emsp", "GET", "/{webhookId}/deliveries", body)
    assert body["pagination"] == {"page": 1, "page_size": 2, "total_count": 3, "total_pages": 2}
    assert [d["id"] for d in body["data"]] == [str(rows[2].uuid), str(rows[1].uuid)]

    r = await client.get(f"{path}/{rows[0].uuid}", headers=world.a.emsp())
    assert r.status_code == 200, r.text
    assert_family_shape("emsp", "GET", "/{webhookId}/deliveries/{deliveryId}", r.json())
    detail = r.json()["data"]
    assert isinstance(detail["payload"], str)
    assert json.loads(detail["payload"]) == rows[0].payload
    assert detail["payload"] == json.dumps(rows[0].payload, separators=(",", ":"))
    assert detail["response_body"] == "OK" and detail["success"] is True and detail["next_retry_at"] is None

    r = await client.get(f"{path}/{UUID(int=99)}", headers=world.a.emsp())
    assert r.status_code == 404
    r = await client.get(f"{path}/not-a-uuid", headers=world.a.emsp())
    assert r.status_code == 400


@pytest.mark.parametrize("family", FAMILIES)
async def test_retry_requeues_a_failed_delivery(client: httpx.AsyncClient, world: World, family: str) -> None:
    created = await create(client, world.a, family)
    (failed,) = await add_deliveries(world, await webhook_row(world, created["id"]), ["Failed"])
    before = utcnow()
    retry = f"{base(family)}/{created['id']}/deliveries/{failed.uuid}/retry"
    r = await client.post(retry, headers=key(world.a, family))
    assert r.status_code == 202, r.text
    assert_family_shape(family, "POST", "/{webhookId}/deliveries/{deliveryId}/retry", r.json())
    assert r.json()["data"] == {"delivery_id": str(failed.uuid), "retry_enqueued": True}
    async with world.services.db.session() as s:
        row = await s.get(WebhookDelivery, failed.id)
    assert row is not None and row.status == "Pending"
    assert (
        row.next_attempt_at is not None and before - timedelta(seconds=1) <= row.next_attempt_at <= utcnow()
    )
    assert row.claimed_at is None and row.claimed_by is None and row.completed_at is None
    assert row.attempts == 5 and row.max_attempts == 6  # room for exactly one more attempt

    # Nothing would send it while the subscription is disabled: refused.
    await client.patch(
        f"{base(family)}/{created['id']}", json={"isActive": False}, headers=key(world.a, family)
    )
    r = await client.post(retry, headers=key(world.a, family))
    assert r.status_code == 409
    assert_error(r.json(), "webhook_disabled")


@pytest.mark.parametrize("family", FAMILIES)
async def test_event_types_are_the_catalogue(client: httpx.AsyncClient, world: World, family: str) -> None:
    r = await client.get(f"{base(family)}/event-types", headers=key(world.a, family))
    assert r.status_code == 200, r.text
    assert_family_shape(family, "GET", "/event-types", r.json())
    assert r.json()["data"] == list(CATALOGUE)


async def test_scopes_and_key_families(client: httpx.AsyncClient, world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        reader = await api_keys.mint(
            s,
            api_keys.NewKey(
                name="ro", family="cpms", scopes=["cpms:webhooks:read"], network_ids=[world.a.network.id or 0]
            ),
            5000,
        )
    headers = {"X-API-Key": reader.secret}
    assert (await client.get(base("cpms"), headers=headers)).status_code == 200
    assert (await client.get(f"{base('cpms')}/event-types", headers=headers)).status_code == 200
    r = await client.post(base("cpms"), json={"url": PUBLIC_URL, "events": "*"}, headers=headers)
    assert r.status_code == 403
    assert_error(r.json(), "insufficient_scope")
    r = await client.get(base("emsp"), headers=headers)
    assert r.status_code == 401  # a cpms key on an emsp path
    assert (await client.get(base("cpms"))).status_code == 401
    assert await count(world, Webhook) == 0


async def test_create_needs_a_network_when_the_key_reaches_several(
    client: httpx.AsyncClient, world: World
) -> None:
    assert world.a.network.id is not None and world.b.network.id is not None
    async with world.services.db.unit_of_work() as s:
        both = await api_keys.mint(
            s,
            api_keys.NewKey(
                name="both", family="cpms", scopes=[], network_ids=[world.a.network.id, world.b.network.id]
            ),
            5000,
        )
    headers = {"X-API-Key": both.secret}
    r = await client.post(base("cpms"), json={"url": PUBLIC_URL, "events": "*"}, headers=headers)
    assert r.status_code == 400
    assert_error(r.json(), "network_required")
    r = await client.post(
        base("cpms"),
        json={"url": PUBLIC_URL, "events": "*", "networkUuid": str(world.b.network.uuid)},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert (await webhook_row(world, r.json()["data"]["id"])).network_id == world.b.network.id


# --- GraphQL ---------------------------------------------------------------------------------------

WEBHOOK_FIELDS = "id family url events description isActive consecutiveFailures disabledAt disabledReason"


async def test_graphql_webhook_lifecycle(client: httpx.AsyncClient, world: World) -> None:
    headers = world.a.cpms()
    body = await gql(
        client,
        f"""mutation($input: WebhookCreateInput!) {{ createWebhook(input: $input) {{
              secret webhook {{ {WEBHOOK_FIELDS} secretLast4 }} }} }}""",
        {"input": {"url": PUBLIC_URL, "events": ["session.*"], "description": "gql"}},
        headers,
    )
    assert "errors" not in body, body
    created = body["data"]["createWebhook"]
    hook = created["webhook"]
    assert SECRET.match(created["secret"]) and hook["secretLast4"] == created["secret"][-4:]
    assert hook["family"] == "cpms" and hook["events"] == ["session.*"] and hook["isActive"] is True

    listed = await gql(client, f"{{ webhooks {{ {WEBHOOK_FIELDS} }} }}", headers=headers)
    assert [w["id"] for w in listed["data"]["webhooks"]] == [hook["id"]]
    assert created["secret"] not in json.dumps(listed)

    body = await gql(
        client,
        """mutation($id: UUID!) { updateWebhook(id: $id, input: {isActive: false, description: null}) {
             isActive disabledReason description } }""",
        {"id": hook["id"]},
        headers,
    )
    assert body["data"]["updateWebhook"] == {
        "isActive": False,
        "disabledReason": "Disabled by the operator",
        "description": None,
    }
    body = await gql(
        client,
        "mutation($id: UUID!) { testWebhook(id: $id) { webhookId } }",
        {"id": hook["id"]},
        headers,
    )
    assert body["errors"][0]["extensions"]["code"] == "webhook_disabled"
    body = await gql(
        client,
        """mutation($id: UUID!) { updateWebhook(id: $id, input: {isActive: true}) { isActive } }""",
        {"id": hook["id"]},
        headers,
    )
    assert body["data"]["updateWebhook"]["isActive"] is True

    body = await gql(
        client,
        """mutation($id: UUID!) { testWebhook(id: $id) {
             webhookId testEnqueued delivery { id eventType status success payload nextRetryAt } } }""",
        {"id": hook["id"]},
        headers,
    )
    test = body["data"]["testWebhook"]
    assert test["webhookId"] == hook["id"] and test["testEnqueued"] is True
    delivery = test["delivery"]
    assert delivery["eventType"] == "webhook.test" and delivery["status"] == "Pending"
    assert json.loads(delivery["payload"])["data"]["webhookId"] == hook["id"]
    assert delivery["nextRetryAt"] is not None

    async with world.services.db.unit_of_work() as s:
        row = (await s.exec(select(WebhookDelivery))).one()
        row.status, row.attempts, row.completed_at = "Failed", 5, utcnow()
        s.add(row)
    page = await gql(
        client,
        """query($id: UUID!) { webhookDeliveries(webhookId: $id, pageSize: 10) {
             items { id status success } pageInfo { total page pageSize totalPages } } }""",
        {"id": hook["id"]},
        headers,
    )
    conn = page["data"]["webhookDeliveries"]
    assert conn["items"] == [{"id": delivery["id"], "status": "Failed", "success": False}]
    assert conn["pageInfo"] == {"total": 1, "page": 1, "pageSize": 10, "totalPages": 1}
    one = await gql(
        client,
        "query($w: UUID!, $id: UUID!) { webhookDelivery(webhookId: $w, id: $id) { id attempts } }",
        {"w": hook["id"], "id": delivery["id"]},
        headers,
    )
    assert one["data"]["webhookDelivery"] == {"id": delivery["id"], "attempts": 5}

    body = await gql(
        client,
        """mutation($w: UUID!, $id: UUID!) { retryWebhookDelivery(webhookId: $w, id: $id) {
             status maxAttempts completedAt } }""",
        {"w": hook["id"], "id": delivery["id"]},
        headers,
    )
    assert body["data"]["retryWebhookDelivery"] == {
        "status": "Pending",
        "maxAttempts": 6,
        "completedAt": None,
    }

    types = await gql(client, "{ webhookEventTypes { type description } }", headers=headers)
    assert {t["type"]: t["description"] for t in types["data"]["webhookEventTypes"]} == CATALOGUE

    body = await gql(
        client, "mutation($id: UUID!) { deleteWebhook(id: $id) { id deleted } }", {"id": hook["id"]}, headers
    )
    assert body["data"]["deleteWebhook"] == {"id": hook["id"], "deleted": True}
    assert await count(world, Webhook) == 0 and await count(world, WebhookDelivery) == 0


async def test_graphql_errors_write_nothing(client: httpx.AsyncClient, world: World) -> None:
    mutation = """mutation($input: WebhookCreateInput!, $family: String! = "cpms") {
        createWebhook(input: $input, family: $family) { secret } }"""
    cases = [
        ({"url": PUBLIC_URL, "events": ["nope"]}, "cpms", world.a.cpms(), "invalid_events"),
        ({"url": "https://10.0.0.5/x", "events": ["*"]}, "cpms", world.a.cpms(), "invalid_url"),
        ({"url": PUBLIC_URL, "events": ["*"]}, "emsp", world.a.cpms(), "insufficient_scope"),
        ({"url": PUBLIC_URL, "events": ["*"]}, "xmpp", world.a.cpms(), "invalid_family"),
    ]
    for variables, family, headers, code in cases:
        body = await gql(client, mutation, {"input": variables, "family": family}, headers)
        assert body["errors"][0]["extensions"]["code"] == code, (variables, family, body)
    body = await gql(client, "{ webhooks { id } }")
    assert body["errors"][0]["extensions"]["code"] == "unauthorized"
    assert await count(world, Webhook) == 0

    # The emsp family through GraphQL, with an emsp key; another network's is not found.
    body = await gql(
        client,
        """mutation($url: String!) { createWebhook(family: "emsp", input: {url: $url, events: ["*"]}) {
             webhook { id family } } }""",
        {"url": PUBLIC_URL},
        world.a.emsp(),
    )
    hook = body["data"]["createWebhook"]["webhook"]
    assert hook["family"] == "emsp"
    body = await gql(
        client,
        'mutation($id: UUID!) { deleteWebhook(id: $id, family: "emsp") { deleted } }',
        {"id": hook["id"]},
        world.b.emsp(),
    )
    assert body["errors"][0]["extensions"]["code"] == "not_found"
    assert await count(world, Webhook) == 1


# --- the destination guard and the secret box, directly ---------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:c0a8:0101::1", False),  # 6to4 of 192.168.1.1
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    import ipaddress

    assert is_public(ipaddress.ip_address(address)) is public


async def test_the_system_resolver_is_used_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real resolver: localhost comes from the hosts file, .invalid never resolves
    with pytest.raises(ValidationFailed) as refused:
        await check_destination("https://localhost/x", allow_private=False)
    assert refused.value.error == "invalid_url"
    await check_destination("http://localhost:8080/x", allow_private=True)
    with pytest.raises(ValidationFailed):
        await check_destination("https://no-such-host.invalid/x", allow_private=True)


def test_secret_box_round_trip() -> None:
    sealed = secret_box.seal("server-key", "whsec_0123")
    assert "whsec" not in sealed and sealed != secret_box.seal("server-key", "whsec_0123")
    assert secret_box.unseal("server-key", sealed) == "whsec_0123"
    with pytest.raises(secret_box.UnsealError):
        secret_box.unseal("another-key", sealed)
    with pytest.raises(secret_box.UnsealError):
        secret_box.unseal("server-key", sealed[:-4] + "AAAA")
