"""Shared column helpers: internal integer ids beside public UUIDs, UTC timestamps, exact amounts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from domain.types import Amount, UTCDateTime, utcnow


def utc_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    if default_now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def amount_field(*, nullable: bool = True, default: Decimal | None = None) -> Any:
    return Field(default=default, sa_type=Amount, nullable=nullable)


def json_field(default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


class Entity(SQLModel):
    """An internal integer primary key and a stable public UUID."""

    id: int | None = Field(default=None, primary_key=True)
    uuid: UUID = Field(default_factory=uuid4, unique=True, index=True, nullable=False)
    created_at: datetime = utc_field(default_now=True)
