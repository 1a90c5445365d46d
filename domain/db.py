"""The database: an async engine, sessions and units of work, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import events
from domain.ports import EventPublisher

log = logging.getLogger("chargegraph.db")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
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
        # SQLite has one writer: two write transactions that both read first cannot both upgrade to a
        # write lock, and SQLite fails one at once ("database is locked") whatever the busy timeout.
        # Writes from this process therefore take turns; reads still run beside them (WAL).
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._writing: ContextVar[bool] = ContextVar(f"writing_{id(self)}", default=False)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read session; nothing it does is committed (closing ends its transaction)."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A write transaction: committed when the block ends normally, rolled back on any error.

        Events recorded in it (``domain.events.record``) are published once it has committed (and
        the SQLite write turn is released), never for a rolled-back change."""
        published: list[events.Event] = []
        if self._write_turn is None or self._writing.get():
            async with self._transaction(published) as session:
                yield session
        else:
            async with self._write_turn:
                token = self._writing.set(True)
                try:
                    async with self._transaction(published) as session:
                        yield session
                finally:
                    self._writing.reset(token)
        await self._publish(published)

    @asynccontextmanager
    async def _transaction(self, published: list[events.Event]) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
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
