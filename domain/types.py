"""Column types that behave the same on SQLite and PostgreSQL.

* ``UTCDateTime`` always hands back timezone-aware UTC datetimes (SQLite stores naive text).
* ``Amount`` stores a ``Decimal`` exactly as a scaled 64-bit integer (six decimal places), so money
  and rates are never floats on either database and sums stay exact in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

AMOUNT_SCALE = 6
_FACTOR = Decimal(10) ** AMOUNT_SCALE


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def to_scaled(value: Decimal | int | str) -> int:
    return int((Decimal(value) * _FACTOR).to_integral_value(rounding=ROUND_HALF_UP))


def from_scaled(value: int) -> Decimal:
    return (Decimal(value) / _FACTOR).normalize() if value else Decimal(0)


class Amount(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Amount columns take Decimal, int or str, never float")
        return to_scaled(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_scaled(value)


def money_out(value: Decimal | None, places: int = 2) -> float | None:
    """Round at the edge, as the references document (2 decimals by default), for JSON output."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP))


@overload
def iso_z(value: datetime) -> str: ...


@overload
def iso_z(value: None) -> None: ...


@overload
def iso_z(value: datetime | None) -> str | None: ...


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second with a ``Z`` suffix, as the references write times."""
    if value is None:
        return None
    text = as_utc(value).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")
