"""Charging limits are bounded by what the connector can physically take (issue 9 item 4).

Beyond the connector's rated maximum (``max_amperage`` for A, ``max_electric_power_w`` for W; the
charger's ``max_power_kw`` when the connector has no power rating), or beyond the physical ceiling
when nothing is rated, a limit answers 422 with the documented error body: nothing is written and
nothing reaches the charger. Through REST (cpms and emsp) and GraphQL.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from domain.models import Charger, ChargingLimit, Connector
from tests.live import LiveServer
from tests.spec import assert_error
from tests.test_reservations import VERSIONS, charger
from tests.world import World, gql

CPMS = "/cpms/v1/smart-charging/{chargerUuid}/limit"
EMSP = "/emsp/v1/smart-charging/{chargerId}/limit"
SET = """mutation($c: UUID!, $l: Decimal!, $u: String!) { setChargingLimit(chargerId: $c, limit: $l, unit: $u)
  { limit unit result { accepted } } }"""


def cpms_path(world: World) -> str:
    return CPMS.replace("{chargerUuid}", str(world.a.charger.uuid))


def emsp_path(world: World) -> str:
    return EMSP.replace("{chargerId}", str(world.a.charger.uuid))


async def limit_rows(world: World) -> list[ChargingLimit]:
    async with world.services.db.session() as s:
        return list((await s.exec(select(ChargingLimit))).all())


async def refused(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> None:
    r = await client.put(path, json=body, headers=headers)
    assert r.status_code == 422, (body, r.status_code, r.text)
    assert_error(r.json(), "validation_error")


async def unrate(world: World, *, charger_kw: float | None = None) -> None:
    """Remove the ratings of world a's connectors (and set the charger's own maximum)."""
    async with world.services.db.unit_of_work() as s:
        for row in (await s.exec(select(Connector).where(Connector.charger_id == world.a.charger.id))).all():
            row.max_amperage, row.max_electric_power_w = None, None
            s.add(row)
        found = await s.get(Charger, world.a.charger.id)
        assert found is not None
        found.max_power_kw = charger_kw
        s.add(found)


@pytest.mark.parametrize("version", VERSIONS)
async def test_limits_beyond_the_connector_rating_are_refused_and_never_sent(
    server: LiveServer, client: httpx.AsyncClient, world: World, version: str
) -> None:
    # world a's connectors are rated 32 A and 22,000 W.
    async with charger(server, world, version) as cp:
        bad: list[dict[str, Any]] = [
            {"limit": 1e20},
            {"limit": 1e12},
            {"limit": 33},
            {"limit": 32.1},
            {"limit": 22001, "unit": "W"},
            {"limit": 1e20, "unit": "W"},
            {"limit": 0.01},
            {"limit": "1e999999"},
        ]
        for limit in bad:
            await refused(client, cpms_path(world), limit, world.a.cpms())
            await refused(client, emsp_path(world), limit, world.a.emsp())
        body = await gql(client, SET, {"c": str(world.a.charger.uuid), "l": "1e20", "u": "A"}, world.a.cpms())
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "validation_error", body
        assert body["errors"][0]["extensions"]["status"] == 422, body
        assert await limit_rows(world) == []
        assert [action for action, _ in cp.received if action == "SetChargingProfile"] == []

        # The rated maximum itself is accepted and sent.
        r = await client.put(cpms_path(world), json={"limit": 32}, headers=world.a.cpms())
        assert r.status_code == 200, r.text
        assert r.json()["data"]["accepted"] is True
        await cp.wait_for("SetChargingProfile")
        body = await gql(client, SET, {"c": str(world.a.charger.uuid), "l": "32", "u": "A"}, world.a.cpms())
        assert body["data"]["setChargingLimit"]["result"]["accepted"] is True, body


async def test_watt_limits_use_the_connector_rating(client: httpx.AsyncClient, world: World) -> None:
    # No charger connected: an in-range limit is recorded as not accepted (retryable), a wrong one 422.
    await refused(client, cpms_path(world), {"limit": 22000.5, "unit": "W"}, world.a.cpms())
    assert await limit_rows(world) == []
    r = await client.put(cpms_path(world), json={"limit": 22000, "unit": "W"}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert r.json()["data"]["retryable"] is True


async def test_unrated_connectors_are_bounded_by_the_charger_then_the_physical_ceiling(
    client: httpx.AsyncClient, world: World
) -> None:
    await unrate(world, charger_kw=22)
    await refused(client, cpms_path(world), {"limit": 22001, "unit": "W"}, world.a.cpms())
    await refused(client, cpms_path(world), {"limit": 1001}, world.a.cpms())
    assert await limit_rows(world) == []
    r = await client.put(cpms_path(world), json={"limit": 22000, "unit": "W"}, headers=world.a.cpms())
    assert r.status_code == 200, r.text

    await unrate(world, charger_kw=None)
    for body in ({"limit": 1_000_001, "unit": "W"}, {"limit": 1e12, "unit": "W"}):
        await refused(client, cpms_path(world), body, world.a.cpms())
    r = await client.put(cpms_path(world), json={"limit": 1_000_000, "unit": "W"}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    r = await client.put(
        cpms_path(world), json={"limit": 1000, "unit": "A", "connectorNumber": 2}, headers=world.a.cpms()
    )
    assert r.status_code == 200, r.text
    await refused(client, cpms_path(world), {"limit": 1000.1, "connectorNumber": 2}, world.a.cpms())
