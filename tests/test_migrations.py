"""The Alembic migrations build exactly the schema of the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table)
from chargegraph.migrate import alembic_config, upgrade
from domain.db import Database
from migrations.render import render_item
from tests.conftest import BACKENDS
from tests.fresh import fresh_database


@pytest.fixture(scope="module", params=BACKENDS)
async def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """A fresh, empty database of each kind, upgraded to the head migration (one per module)."""
    async with fresh_database(request.param, tmp_path_factory.mktemp("migrations")) as url:
        db = Database.from_url(url)
        try:
            await upgrade(db)
            yield db
        finally:
            await db.dispose()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_item": render_item, "target_metadata": None}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def _state(connection: Connection) -> tuple[list[str], str | None]:
    tables = sorted(inspect(connection).get_table_names())
    return tables, MigrationContext.configure(connection).get_current_revision()


def _downgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def _snapshot(db: Database) -> tuple[list[str], str | None]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_state)


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads


async def test_migrated_schema_equals_the_models(migrated: Database) -> None:
    async with migrated.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


def _partial_indexes(connection: Connection) -> dict[tuple[str, str], str]:
    """(table, index) -> WHERE clause of every partial index found in the database."""
    option = f"{connection.dialect.name}_where"
    found = {}
    for table in SQLModel.metadata.tables:
        for index in inspect(connection).get_indexes(table):
            where = index.get("dialect_options", {}).get(option)
            if where is not None:
                found[(table, index["name"] or "")] = _clause(where)
    return found


def _clause(where: Any) -> str:
    return str(where).replace("(", "").replace(")", "").strip().lower()


async def test_partial_unique_indexes_survive(migrated: Database) -> None:
    dialect = "postgresql" if migrated.dialect == "postgresql" else "sqlite"
    wanted = {
        (table.name, str(index.name)): _clause(index.dialect_options[dialect]["where"])
        for table in SQLModel.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options[dialect]["where"] is not None
    }
    assert ("charger", "uq_charger_live_uid") in wanted
    async with migrated.engine.connect() as connection:
        assert await connection.run_sync(_partial_indexes) == wanted


async def test_upgrade_again_is_a_no_op(migrated: Database) -> None:
    first = await _snapshot(migrated)
    await upgrade(migrated)
    assert await _snapshot(migrated) == first
    tables, revision = first
    assert set(SQLModel.metadata.tables) <= set(tables)
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_downgrade_to_base_drops_every_table_and_upgrade_restores_them(migrated: Database) -> None:
    before = await _snapshot(migrated)
    async with migrated.engine.begin() as connection:
        await connection.run_sync(_downgrade)
    tables, revision = await _snapshot(migrated)
    assert revision is None
    assert not set(SQLModel.metadata.tables) & set(tables)
    await upgrade(migrated)
    assert await _snapshot(migrated) == before
