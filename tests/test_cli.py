"""The ``chargegraph`` command line: migrate (twice), keys create, seed without --demo."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import AliasChoices
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from chargegraph.cli import main
from chargegraph.migrate import alembic_config
from chargegraph.settings import Settings
from domain.db import Database
from domain.models import Location, Network
from domain.scopes import PUBLISHABLE_EMSP_DEFAULT
from domain.services import api_keys
from tests.conftest import BACKENDS
from tests.fresh import REPO, chargegraph, fresh_database, serving

README = REPO / "README.md"


@dataclass(frozen=True)
class Migrated:
    url: str
    cwd: Path
    states: list[tuple[set[str], str | None]]


def _state(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names())
    return tables, MigrationContext.configure(connection).get_current_revision()


@pytest.fixture(scope="module", params=BACKENDS)
async def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Migrated]:
    """A fresh empty database of each kind, after ``chargegraph migrate`` twice (state after each run)."""
    cwd = tmp_path_factory.mktemp("cli")
    async with fresh_database(request.param, cwd) as url:
        db = Database.from_url(url)
        try:
            states = []
            for _ in range(2):
                run = await chargegraph(url, "migrate", cwd=cwd)
                assert run.code == 0, run.stderr
                assert run.stdout.strip() == "database is at the latest migration"
                async with db.engine.connect() as connection:
                    states.append(await connection.run_sync(_state))
        finally:
            await db.dispose()
        yield Migrated(url, cwd, states)


def test_migrate_twice_is_a_no_op(migrated: Migrated) -> None:
    first, second = migrated.states
    assert first == second
    tables, revision = first
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert set(SQLModel.metadata.tables) <= tables


async def test_keys_create_prints_a_key_that_authenticates(migrated: Migrated) -> None:
    url, cwd = migrated.url, migrated.cwd
    db = Database.from_url(url)
    try:
        async with db.unit_of_work() as s:
            network = Network(name="Harbour Charging", slug="harbour")
            s.add(network)
            await s.flush()
            assert network.id is not None
            location = Location(network_id=network.id, name="Pier 1")
            s.add(location)
    finally:
        await db.dispose()

    created = (
        await chargegraph(url, "keys", "create", "--name", "ci", "--network", "harbour", cwd=cwd)
    ).json()
    assert set(created) == {"id", "key", "scopes"}
    assert created["scopes"] == ["cpms:*"]
    assert created["key"].startswith("pk_cpms_live_")

    publishable = (
        await chargegraph(
            url,
            "keys",
            "create",
            "--name",
            "web",
            "--family",
            "emsp",
            "--visibility",
            "Publishable",
            "--network",
            str(network.uuid),
            "--rate-limit",
            "100",
            cwd=cwd,
        )
    ).json()
    assert publishable["scopes"] == sorted(PUBLISHABLE_EMSP_DEFAULT)

    async with serving(url) as (client, services):
        r = await client.get("/cpms/v1/locations", headers={"X-API-Key": created["key"]})
        assert r.status_code == 200, r.text
        assert [row["id"] for row in r.json()["data"]] == [str(location.uuid)]
        r = await client.get("/cpms/v1/locations", headers={"X-API-Key": created["key"] + "x"})
        assert r.status_code == 401
        async with services.db.unit_of_work() as s:
            principal = await api_keys.authenticate(s, publishable["key"], family="emsp", client_ip=None)
        assert principal.key_visibility == "Publishable"
        assert principal.network_ids == frozenset({network.id})
        assert not principal.has_scope("emsp:users:read")


async def test_seed_without_demo_seeds_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'untouched.db'}"
    run = await chargegraph(url, "seed", cwd=tmp_path)
    assert run.code == 2
    assert "pass --demo" in run.stderr
    assert not (tmp_path / "untouched.db").exists()


def test_readme_documents_every_setting() -> None:
    readme = README.read_text()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), name
        for choice in alias.choices:
            assert f"`{choice}`" in readme, f"README does not document {choice}"


@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["seed"], ["keys", "create"], ["openapi"]])
def test_readme_documents_every_command_and_flag(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    flags = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out)) - {"--help"}
    readme = README.read_text()
    assert f"chargegraph {' '.join(command)}" in readme
    assert {flag for flag in flags if flag not in readme} == set()
