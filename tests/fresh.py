"""Fresh, EMPTY databases (no tables), the ``chargegraph`` command run on them, and an app serving them.

The shared ``db`` fixture hands out databases that already hold every table (``create_all``); the tests
of migrations, of the seed and of the command line need databases that only those have touched.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table)
from chargegraph.app import create_app
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.container import Services
from domain.db import Database
from tests.conftest import _drop_postgres, _make_postgres

SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
REPO = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new empty database's URL: a SQLite file in ``tmp_path``, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    db, name = await _make_postgres()
    url = db.engine.url.render_as_string(hide_password=False)
    await db.dispose()
    try:
        yield url
    finally:
        await _drop_postgres(name)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


async def chargegraph(url: str, *args: str, cwd: Path) -> Run:
    """``python -m chargegraph.cli ARGS`` in a child process with ``DATABASE_URL=url``."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CHARGEGRAPH_SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(REPO),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chargegraph.cli",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


@asynccontextmanager
async def serving(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """The app on the database at ``url`` (no migration run), with a client talking to it in-process."""
    settings = Settings(CHARGEGRAPH_SECRET_KEY=SECRET_KEY, DATABASE_URL=url)
    services = build_services(settings)
    app = create_app(settings, services=services, migrate=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, services
    finally:
        await services.db.dispose()


async def row_counts(db: Database) -> dict[str, int]:
    """The number of rows of every table of the models."""
    counts = {}
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = int(
                (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            )
    return counts
