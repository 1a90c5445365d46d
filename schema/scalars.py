"""Conversions between domain values and GraphQL scalars."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import strawberry

from domain.types import as_utc, iso_z


def gid(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def dec(value: Decimal | None) -> Decimal | None:
    """Decimals go out as GraphQL ``Decimal`` strings, exact (``10``, never ``1E+1``)."""
    if value is None:
        return None
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def money(value: Decimal | None, places: int = 2) -> Decimal | None:
    """An amount as charged: rounded half-up to ``places`` decimals at the edge (``1.01``)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string")
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


UTCDateTime = strawberry.scalar(
    name="DateTime",
    description="An ISO 8601 date-time, in UTC with a Z suffix on output; naive input is taken as UTC.",
    serialize=iso_z,
    parse_value=_parse_datetime,
)
