"""``chargegraph seed --demo --json``: two demo networks, idempotent, with keys and a driver that work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import col, select

from chargegraph.seed import DEMO_DRIVER_PASSWORD
from domain.db import Database
from domain.models import (
    Charger,
    ChargerModel,
    ChargingToken,
    Connector,
    FirmwareImage,
    Location,
    Network,
    Tariff,
    TariffAssignment,
    TeamMembership,
)
from domain.services import api_keys, driver_auth
from tests.conftest import BACKENDS
from tests.fresh import chargegraph, fresh_database, row_counts, serving

NAMES = ["Isla Verde Charging", "Bay Area Volts"]


@dataclass(frozen=True)
class Seeded:
    url: str
    first: dict[str, Any]
    second: dict[str, Any]
    counts_first: dict[str, int]
    counts_second: dict[str, int]


@pytest.fixture(scope="module", params=BACKENDS)
async def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Seeded]:
    """A fresh database seeded twice through the command line, with the row counts after each run."""
    tmp = tmp_path_factory.mktemp(f"seed-{request.param}")
    async with fresh_database(request.param, tmp) as url:
        db = Database.from_url(url)
        try:
            first = (await chargegraph(url, "seed", "--demo", "--json", cwd=tmp)).json()
            counts_first = await row_counts(db)
            second = (await chargegraph(url, "seed", "--demo", "--json", cwd=tmp)).json()
            counts_second = await row_counts(db)
        finally:
            await db.dispose()
        yield Seeded(url, first, second, counts_first, counts_second)


def _network(run: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in run["networks"] if n["name"] == name)


def test_output_names_two_networks(seeded: Seeded) -> None:
    for run in (seeded.first, seeded.second):
        assert set(run) == {"networks"}
        assert [n["name"] for n in run["networks"]] == NAMES
        for network in run["networks"]:
            assert set(network) == {"name", "uuid", "cpmsKey", "emspKey", "driver", "chargers"}
            UUID(network["uuid"])
            assert network["cpmsKey"].startswith("pk_cpms_live_")
            assert network["emspKey"].startswith("pk_emsp_live_")
            assert network["driver"]["password"] == DEMO_DRIVER_PASSWORD
            assert set(network["driver"]) == {"email", "password", "tokenUid"}
            assert 4 <= len(network["chargers"]) <= 6
            for charger in network["chargers"]:
                assert set(charger) == {"uid", "uuid", "ocppVersion", "password", "connectors"}
                assert charger["connectors"] == [1, 2]
                assert charger["ocppVersion"] in ("1.6", "2.0.1")


def test_second_run_adds_only_api_keys(seeded: Seeded) -> None:
    changed = {
        table: (seeded.counts_first[table], seeded.counts_second[table])
        for table in seeded.counts_first
        if seeded.counts_first[table] != seeded.counts_second[table]
    }
    assert changed == {
        "api_key": (seeded.counts_first["api_key"], seeded.counts_first["api_key"] + 4),
        "api_key_network": (
            seeded.counts_first["api_key_network"],
            seeded.counts_first["api_key_network"] + 4,
        ),
    }
    assert seeded.counts_first["network"] == 2
    for name in NAMES:
        first, second = _network(seeded.first, name), _network(seeded.second, name)
        assert first["uuid"] == second["uuid"]
        assert first["chargers"] == second["chargers"]
        assert first["driver"] == second["driver"]
        assert {first["cpmsKey"], first["emspKey"]}.isdisjoint({second["cpmsKey"], second["emspKey"]})


async def test_demo_data_is_complete(seeded: Seeded) -> None:
    db = Database.from_url(seeded.url)
    try:
        async with db.session() as s:
            for name in NAMES:
                network = (await s.exec(select(Network).where(Network.name == name))).one()
                locations = (await s.exec(select(Location).where(Location.network_id == network.id))).all()
                assert len(locations) == 2
                for location in locations:
                    assert location.is_published and location.deleted_at is None
                    assert location.latitude is not None and location.longitude is not None
                    assert location.amenities and location.opening_hours
                chargers = (await s.exec(select(Charger).where(Charger.network_id == network.id))).all()
                assert {c.location_id for c in chargers} == {loc.id for loc in locations}
                connectors = (
                    await s.exec(
                        select(Connector).where(col(Connector.charger_id).in_([c.id for c in chargers]))
                    )
                ).all()
                assert len(connectors) == 2 * len(chargers)
                assert {c.power_type for c in connectors} == {"AC_3_PHASE", "DC"}
                tariffs = (await s.exec(select(Tariff).where(Tariff.network_id == network.id))).all()
                assert len(tariffs) == 2
                assignments = (
                    await s.exec(select(TariffAssignment).where(TariffAssignment.network_id == network.id))
                ).all()
                assert [a.level for a in assignments] == ["Network"]
                roles = (
                    await s.exec(select(TeamMembership.role).where(TeamMembership.network_id == network.id))
                ).all()
                assert len(roles) >= 2
            model_ids = {c.charger_model_id for c in (await s.exec(select(Charger))).all()}
            for model in (await s.exec(select(ChargerModel))).all():
                assert model.id in model_ids
                images = (
                    await s.exec(select(FirmwareImage).where(FirmwareImage.charger_model_id == model.id))
                ).all()
                assert len(images) >= 2 and sum(i.is_latest for i in images) == 1
    finally:
        await db.dispose()


async def test_keys_from_both_runs_authenticate(seeded: Seeded) -> None:
    async with serving(seeded.url) as (client, services):
        for name in NAMES:
            async with services.db.session() as s:
                network = (await s.exec(select(Network).where(Network.name == name))).one()
                rows = await s.exec(select(Location.uuid).where(Location.network_id == network.id))
                location_ids = {str(u) for u in rows.all()}
            for run in (seeded.first, seeded.second):
                key = _network(run, name)
                r = await client.get("/cpms/v1/locations", headers={"X-API-Key": key["cpmsKey"]})
                assert r.status_code == 200, r.text
                assert {row["id"] for row in r.json()["data"]} == location_ids
                async with services.db.unit_of_work() as s:
                    principal = await api_keys.authenticate(s, key["emspKey"], family="emsp", client_ip=None)
                assert principal.network_ids == frozenset({network.id})
                assert principal.key_visibility == "Private"
                assert principal.has_scope("emsp:charging:control")
                r = await client.get("/cpms/v1/locations", headers={"X-API-Key": key["emspKey"]})
                assert r.status_code == 401


async def test_driver_signs_in_with_the_demo_password(seeded: Seeded) -> None:
    async with serving(seeded.url) as (_client, services):
        for network_out in seeded.second["networks"]:
            driver = network_out["driver"]
            async with services.db.unit_of_work() as s:
                network = (
                    await s.exec(select(Network).where(Network.uuid == UUID(network_out["uuid"])))
                ).one()
                assert network.id is not None
                session = await driver_auth.login(
                    s, services.auth, frozenset({network.id}), driver["email"], driver["password"]
                )
                token = (
                    await s.exec(select(ChargingToken).where(ChargingToken.uid == driver["tokenUid"]))
                ).one()
            assert session.token_uid == driver["tokenUid"]
            assert token.valid and token.token_type == "RFID" and token.network_id == network.id
            assert token.user_id == session.user.id
