"""Password guessing costs time: failed attempts per account and per client address, with growing locks.

Each guarded operation (driver login, forgot-password, reset-password, an OCPP Basic handshake) has
an *account* counter (the driver's email, the charge point identity, the reset token; compared
case-insensitively) and an *address* counter (the caller's IP). The first ``free_attempts``
failures of an account cost nothing; each further one locks it for 1, 2, 4, ... seconds, at most
``max_lock_seconds``, so an attacker never locks a real driver or charger out for long. An address
has a higher threshold (``address_free_attempts``: one office NAT is many drivers), and a failure
counts against the address only while its account is still within its free attempts: one person
hammering one account (or one misconfigured charger) is the account's problem, not the whole
address's, while spraying many accounts from one address is stopped there. While a counter is
locked the attempt is refused before anything is checked (and does not count). A success clears the
account's counter; counters are forgotten after ``window_seconds`` with no failure and no lock.

Counters live in the database (``auth_throttle``), so they hold across instances, and each change
is its own short transaction: the rollback of a failed login does not undo its count. Keys are an
HMAC of the value under the signing key: the table holds no email or address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, null, or_, update
from sqlalchemy import literal as sa_literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.config import AuthConfig
from domain.db import Database
from domain.errors import DomainError, RateLimited
from domain.models import AuthThrottle
from domain.types import UTCDateTime, utcnow

DRIVER_LOGIN = "driver_login"
FORGOT_PASSWORD = "forgot_password"
RESET_PASSWORD = "reset_password"
OCPP_BASIC = "ocpp_basic"
_MAIL_SCOPES = frozenset({FORGOT_PASSWORD})
_MAX_EXPONENT = 30


@dataclass(frozen=True)
class Subject:
    """One attempt's counters: the account's and (when the address is known) the address's."""

    scope: str
    account: str
    address: str | None

    @property
    def address_scope(self) -> str:
        return f"{self.scope}:address"


def _key(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def subject(auth: AuthConfig, scope: str, account: str, address: str | None) -> Subject:
    return Subject(
        scope=scope,
        account=_key(auth.secret_key, account.strip().lower()),
        address=_key(auth.secret_key, address.strip().lower()) if address else None,
    )


def lock_seconds(failures: int, free: int, cap: int) -> int:
    """The lock after the ``failures``-th failure: none within ``free``, then 1, 2, 4... up to ``cap``."""
    if failures <= free:
        return 0
    return int(min(cap, 2 ** min(failures - free - 1, _MAX_EXPONENT)))


def _matches(scope: str, key: str) -> object:
    return and_(col(AuthThrottle.scope) == scope, col(AuthThrottle.key) == key)


async def check(db: Database, auth: AuthConfig, who: Subject, *, now: datetime | None = None) -> bool:
    """Refuse (``RateLimited``, with the seconds to wait) while the account or the address is locked.

    Returns whether the account has a counter, i.e. whether a success has one to clear. One indexed
    read; nothing is written.
    """
    now = now or utcnow()
    wanted = [_matches(who.scope, who.account)]
    if who.address is not None:
        wanted.append(_matches(who.address_scope, who.address))
    async with db.session() as session:
        rows = (await session.exec(select(AuthThrottle).where(or_(*wanted)))).all()  # type: ignore[arg-type]
    wait = 0.0
    for row in rows:
        if row.locked_until is not None and row.locked_until > now:
            wait = max(wait, (row.locked_until - now).total_seconds())
    if wait > 0:
        raise RateLimited("Too many failed attempts; try again later", retry_after=max(1, math.ceil(wait)))
    return any(row.scope == who.scope for row in rows)


async def _count(session: AsyncSession, scope: str, key: str, now: datetime, window_seconds: int) -> int:
    """Count one failure atomically (an upsert); a counter quiet for the window starts again at 1."""
    table = AuthThrottle.__table__  # type: ignore[attr-defined]
    at = sa_literal(now, UTCDateTime())
    cutoff = sa_literal(now - timedelta(seconds=window_seconds), UTCDateTime())
    stale = and_(
        table.c.last_failure_at <= cutoff,
        or_(table.c.locked_until.is_(None), table.c.locked_until <= cutoff),
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(
        scope=scope, key=key, failures=1, window_start=now, last_failure_at=now, locked_until=None
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={
            "failures": case((stale, 1), else_=table.c.failures + 1),
            "window_start": case((stale, at), else_=table.c.window_start),
            "last_failure_at": at,
            "locked_until": case((stale, null()), else_=table.c.locked_until),
        },
    )
    result = await session.execute(stmt.returning(table.c.failures))
    return int(result.scalar_one())


async def _lock(session: AsyncSession, scope: str, key: str, until: datetime) -> None:
    table = AuthThrottle.__table__  # type: ignore[attr-defined]
    later = sa_literal(until, UTCDateTime())
    await session.execute(
        update(table)
        .where(table.c.scope == scope, table.c.key == key)
        .values(
            locked_until=case(
                (or_(table.c.locked_until.is_(None), table.c.locked_until < later), later),
                else_=table.c.locked_until,
            )
        )
    )


async def failed(db: Database, auth: AuthConfig, who: Subject, *, now: datetime | None = None) -> None:
    """Count a failed attempt (for forgot-password: any request) and lock what has gone over."""
    config = auth.throttle
    now = now or utcnow()
    cap = config.mail_max_lock_seconds if who.scope in _MAIL_SCOPES else config.max_lock_seconds
    async with db.unit_of_work() as session:
        failures = await _count(session, who.scope, who.account, now, config.window_seconds)
        wait = lock_seconds(failures, config.free_attempts, cap)
        if wait:
            await _lock(session, who.scope, who.account, now + timedelta(seconds=wait))
        if who.address is None or failures > config.free_attempts:
            return
        failures = await _count(session, who.address_scope, who.address, now, config.window_seconds)
        wait = lock_seconds(failures, config.address_free_attempts, cap)
        if wait:
            await _lock(session, who.address_scope, who.address, now + timedelta(seconds=wait))


async def succeeded(db: Database, who: Subject) -> None:
    """A success clears the account's counter (never the address's: one's own account would reset it)."""
    async with db.unit_of_work() as session:
        await session.execute(
            delete(AuthThrottle).where(
                col(AuthThrottle.scope) == who.scope, col(AuthThrottle.key) == who.account
            )
        )


@asynccontextmanager
async def guarded(
    db: Database, auth: AuthConfig, who: Subject, *, failures: frozenset[str]
) -> AsyncIterator[None]:
    """Run an attempt under the throttle: refused while locked; a ``DomainError`` whose slug is in
    ``failures`` is counted (after the attempt's own transaction has rolled back); a success clears."""
    on_record = await check(db, auth, who)
    try:
        yield
    except DomainError as exc:
        if exc.error in failures:
            await failed(db, auth, who)
        raise
    if on_record:
        await succeeded(db, who)


async def purge(db: Database, auth: AuthConfig, *, now: datetime | None = None) -> int:
    """Delete counters quiet for the window and not locked (they would start again at 1 anyway)."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=auth.throttle.window_seconds)
    async with db.unit_of_work() as session:
        result = await session.execute(
            delete(AuthThrottle).where(
                col(AuthThrottle.last_failure_at) <= cutoff,
                or_(col(AuthThrottle.locked_until).is_(None), col(AuthThrottle.locked_until) <= cutoff),
            )
        )
    return int(result.rowcount)  # type: ignore[attr-defined]
