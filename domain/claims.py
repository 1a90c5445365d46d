"""Claims: background work that every instance runs, done by one of them at a time.

On PostgreSQL a claim is a transaction-scoped advisory lock (``pg_try_advisory_xact_lock``) on a
stable 64-bit hash of the work's name: the instance that gets it does the work, the others skip
this round, and the lock goes with the transaction (also when the instance dies). On SQLite there is
one process writing to one file, so every claim succeeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.db import Database


def lock_key(name: str) -> int:
    """The advisory lock number of ``name``: the same in every process and release (signed 64-bit)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8, person=b"cg-claim").digest()
    return int.from_bytes(digest, "big", signed=True)


async def claim(session: AsyncSession, name: str) -> bool:
    """Claim ``name`` for the rest of ``session``'s transaction; False when another holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    result = await session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    return bool(result.scalar_one())


@asynccontextmanager
async def claimed(db: Database, name: str) -> AsyncIterator[bool]:
    """Hold the claim on ``name`` for the block (on a connection of its own, so the work inside runs
    its own units of work): yields whether this instance got it."""
    if db.dialect != "postgresql":
        yield True
        return
    async with db.session() as session:  # closing the session ends its transaction: the lock goes
        yield await claim(session, name)


async def exclusively(db: Database, name: str, work: Callable[[], Awaitable[int]]) -> int:
    """Run ``work`` if this instance claims ``name`` (else skip this round: 0 items)."""
    async with claimed(db, name) as mine:
        return await work() if mine else 0
