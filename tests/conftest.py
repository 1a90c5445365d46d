"""Fixtures: every database test runs on SQLite and on PostgreSQL through the one ``db`` fixture."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table)
from chargegraph.app import create_app
from chargegraph.bus import EventBus
from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.container import Services
from domain.db import Database, for_writes
from ocpp_server.registry import ConnectionRegistry
from tests.live import LiveServer, Uvicorn, free_port
from tests.mail import Inbox, start_smtp
from tests.world import World, build_world

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
]
"""The database backends, as fixture params: the PostgreSQL one carries the ``postgres`` marker, so
``pytest -m "not postgres and not redis"`` runs without any service."""
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
"""For a test that builds the app (and so gets a ``db``) but never reads or writes the database (the
OpenAPI document, the headers of a request refused before any lookup): it runs once, not once per
backend. A test that touches the database in any way runs on both."""
BUS_URLS = {
    "memory": "memory://",
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "postgres": os.environ.get("TEST_POSTGRES_BUS_URL", "postgres://postgres@127.0.0.1:5432/test"),
}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _make_postgres() -> tuple[Database, str]:
    name = f"cg_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = Database.from_url(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return Database.from_url(f"{base}/{name}"), name


async def _drop_postgres(name: str) -> None:
    admin = Database.from_url(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


class Backends:
    """One database per backend for the whole run, emptied between tests."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.dbs: dict[str, Database] = {}
        self.pg_name: str | None = None

    async def get(self, backend: str) -> Database:
        if backend not in self.dbs:
            if backend == "sqlite":
                db = Database.from_url(f"sqlite+aiosqlite:///{self.tmp / 'test.db'}")
            else:
                db, self.pg_name = await _make_postgres()
            async with for_writes(db.engine).begin() as conn:
                await conn.run_sync(SQLModel.metadata.create_all)
            self.dbs[backend] = db
        return self.dbs[backend]

    async def close(self) -> None:
        for db in self.dbs.values():
            await db.dispose()
        if self.pg_name:
            await _drop_postgres(self.pg_name)


async def empty(db: Database) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            await conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        return
    # A unit of work (BEGIN IMMEDIATE, this process's write turn): a write still finishing from the
    # previous test's server, in this process or another (a disconnect being recorded, the message log
    # flushing), is waited for instead of racing the deletes.
    async with db.unit_of_work() as session:
        for table in tables:
            await session.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(scope="session")
async def backends(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backends]:
    holder = Backends(tmp_path_factory.mktemp("db"))
    yield holder
    await holder.close()


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, backends: Backends) -> Database:
    database = await backends.get(request.param)
    await empty(database)
    return database


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[int, Inbox]]:
    controller, inbox = start_smtp()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def inbox(smtp: tuple[int, Inbox]) -> Inbox:
    smtp[1].messages.clear()
    return smtp[1]


@pytest.fixture
def settings(smtp: tuple[int, Inbox], tmp_path: Path) -> Settings:
    return Settings(
        CHARGEGRAPH_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp[0],
        DATABASE_URL="sqlite+aiosqlite:///unused.db",
    )


@pytest.fixture
def services(settings: Settings, db: Database) -> Services:
    return build_services(settings, db)


@pytest.fixture
def app(settings: Settings, services: Services) -> Any:
    return create_app(settings, services=services, migrate=False)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def port() -> int:
    """The port the live server will listen on, known before the services are built."""
    return free_port()


@pytest.fixture
async def server(app: Any, port: int) -> AsyncIterator[LiveServer]:
    """The test app served for real by uvicorn on ``port`` (HTTP, GraphQL websockets, OCPP)."""
    runner = Uvicorn(app, port)
    live = await runner.start()
    yield live
    await runner.stop()
    # What the lifespan does on shutdown (the test server runs without one): close charger sockets
    # and write the queued message log while the test's database still exists.
    registry = app.state.services.commands
    if isinstance(registry, ConnectionRegistry):
        await registry.close()


BUS_MARKS = {"redis": [pytest.mark.redis], "postgres": [pytest.mark.postgres]}


@pytest.fixture(params=[pytest.param(name, marks=BUS_MARKS.get(name, []), id=name) for name in BUS_URLS])
def bus_url(request: pytest.FixtureRequest) -> str:
    """The event bus a live test runs on: memory, Redis and PostgreSQL (request it to run on all)."""
    return BUS_URLS[str(request.param)]


@pytest.fixture
def bus_prefix() -> str:
    """Channel names unique to one test, so tests sharing the Redis or PostgreSQL bus never meet."""
    return f"cgtest_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def bus_server(app: Any, port: int) -> AsyncIterator[LiveServer]:
    """Like ``server``, with what the lifespan starts around it: the event bus connected and
    command routing between instances listening. Tests that request ``bus_url`` get its bus."""
    services: Services = app.state.services
    registry = services.commands
    async with contextlib.AsyncExitStack() as stack:
        bus = services.bus
        if isinstance(bus, EventBus):
            await stack.enter_async_context(bus)
        if isinstance(registry, ConnectionRegistry):
            await stack.enter_async_context(registry.routing())
        runner = Uvicorn(app, port)
        live = await runner.start()
        try:
            yield live
        finally:
            await runner.stop()
            if isinstance(registry, ConnectionRegistry):
                await registry.close()


@pytest.fixture
async def world(services: Services) -> World:
    """Two networks, each with a location, a charger with two connectors, a tariff, a team member,
    a driver with a charging token, and a cpms and an emsp key."""
    return await build_world(services)
