"""API usage metering: the daily request counts of the keys bound to the caller's networks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from domain.errors import BadRequest
from domain.services import api_keys
from domain.services.api_keys import UsageDay
from domain.types import utcnow
from resolvers.context import Context

READ = ("cpms:usage:read",)
MAX_DAYS = 366


@dataclass(frozen=True)
class Usage:
    total_requests: int
    total_units: int
    since: datetime
    """Start of the window (midnight UTC, inclusive)."""
    daily: list[UsageDay]
    """One row per day, family and environment, newest first."""


async def api_usage(ctx: Context, days: int = 30) -> Usage:
    ctx.principal.require(*READ)
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"days must be between 1 and {MAX_DAYS}", error="invalid_parameter")
    since_day = utcnow().date() - timedelta(days=days)
    async with ctx.db.session() as session:
        rows = await api_keys.usage(session, ctx.principal, since_day)
    return Usage(
        total_requests=sum(r.requests for r in rows),
        total_units=sum(r.units for r in rows),
        since=datetime.combine(since_day, time(0), tzinfo=UTC),
        daily=rows,
    )
