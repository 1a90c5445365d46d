"""Alembic environment: runs on a connection handed in by chargegraph (``chargegraph migrate``), or on
``sqlalchemy.url`` (else the ``DATABASE_URL`` environment variable) when ``alembic`` is run by hand.

Like every migration it may import only ``domain`` (the layer table in the README), not the
composition root's settings."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table)
from domain.db import DEFAULT_URL, for_writes, make_engine
from migrations.render import render_item

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with for_writes(engine).begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def main() -> None:
    connection: Any = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL") or DEFAULT_URL
    asyncio.run(_run_async(url))


main()
