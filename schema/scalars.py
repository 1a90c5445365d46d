"""Conversions between domain values and GraphQL scalars."""

from __future__ import annotations

from decimal import Decimal

import strawberry


def gid(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def dec(value: Decimal | None) -> Decimal | None:
    """Decimals go out as GraphQL ``Decimal`` strings, exact."""
    return None if value is None else value.normalize()
