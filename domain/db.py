"""The database: an async engine, sessions and units of work, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import events
from domain.ports import EventPublisher

log = logging.getLogger("chargegraph.db")

DEFAULT_URL = "sqlite+aiosqlite:///./chargegraph.db"
"""The database when ``DATABASE_URL`` is not set: a SQLite file in the working directory."""

IMMEDIATE = "chargegraph_sqlite_immediate"
"""Execution option: on SQLite, a transaction begun on this connection takes the write lock at BEGIN."""

WRITE_OPTIONS = {IMMEDIATE: True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling (a BEGIN only before INSERT/UPDATE/DELETE) is switched off:
    # ``_sqlite_begin`` begins every transaction instead (see SQLAlchemy's "Transactions with SQLite").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A write transaction begins ``IMMEDIATE``; a read transaction stays deferred.

    In WAL mode a deferred transaction that has read and then writes cannot wait for another
    process's writer: SQLite fails it at once ("database is locked") whatever the busy timeout (and
    the driver's own handling, which ran the reads outside the transaction, let it write over a value
    another process had changed since). ``BEGIN IMMEDIATE`` takes the write lock first, so a writer
    waits its turn (up to the busy timeout) across processes; reads still run beside it."""
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def for_writes(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (the same pool) for a write outside a unit of work, e.g. migrations: on SQLite its
    transactions begin ``IMMEDIATE``; any other database gets ``engine`` itself."""
    return engine.execution_options(**WRITE_OPTIONS) if engine.dialect.name == "sqlite" else engine


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class Database:
    def __init__(self, engine: AsyncEngine, publisher: EventPublisher | None = None) -> None:
        self.engine = engine
        self.publisher = publisher
        """Where the events recorded in a unit of work go once it commits (the event bus)."""
        self.sessions = async_sessionmaker(
            engine, class_=AsyncSession, expire_on_commit=False, autoflush=False
        )
        self.write_sessions = async_sessionmaker(
            engine,
            class_=AsyncSession,
            expire_on_commit=False,
            autoflush=False,
            execution_options=WRITE_OPTIONS if engine.dialect.name == "sqlite" else None,
        )
        """Sessions of units of work: on SQLite each of their transactions begins ``IMMEDIATE``."""
        # SQLite has one writer. Across processes, units of work begin IMMEDIATE (``write_sessions``)
        # and wait for each other through SQLite's busy timeout; inside this process they also take
        # turns on an asyncio lock, so waiting writers queue here instead of each holding a driver
        # thread in the busy wait. Reads still run beside them (WAL).
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._turn_holder: asyncio.Task[Any] | None = None
        """The task holding the write turn. A task, not a context variable: a task started inside a
        unit of work inherits its context, and must still wait for the turn like everyone else."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session; nothing it does is committed (closing ends its transaction). On SQLite its
        transaction is deferred: it reads one snapshot and runs beside a writer (WAL)."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends normally, rolled back on any error.

        Events recorded in it (``domain.events.record``) are published once it has committed (and
        the SQLite write turn is released), never for a rolled-back change.

        On SQLite it begins ``IMMEDIATE``: it holds the database's one write lock from its first
        statement, waiting (busy timeout) for a writer in another process. Do not open one inside
        another: the inner one is a second connection and would wait for the outer one's lock."""
        published: list[events.Event] = []
        me = asyncio.current_task()
        if self._write_turn is None or (me is not None and self._turn_holder is me):
            async with self._transaction(published) as session:
                yield session
        else:
            async with self._write_turn:
                self._turn_holder = me
                try:
                    async with self._transaction(published) as session:
                        yield session
                finally:
                    self._turn_holder = None
        await self._publish(published)

    @asynccontextmanager
    async def _transaction(self, published: list[events.Event]) -> AsyncIterator[AsyncSession]:
        async with self.write_sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                events.discard(session)
                await session.rollback()
                raise
            published.extend(events.committed(session))

    async def _publish(self, committed: list[events.Event]) -> None:
        if self.publisher is None:
            return
        for done in committed:
            try:
                await self.publisher.publish(done)
            except Exception:  # the change is committed: the log and the outbox still hold the event
                log.exception("could not publish %s %s", done.type, done.id)

    async def dispose(self) -> None:
        await self.engine.dispose()
