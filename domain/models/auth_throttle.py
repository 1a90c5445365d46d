"""Failed sign-in attempts per account and per client address (password-guessing throttle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.base import utc_field


class AuthThrottle(SQLModel, table=True):
    """One counter: ``scope`` names what is guarded (``driver_login``, ``driver_login:address``,
    ``ocpp_basic``...), ``key`` is an HMAC of the account or address (never the value itself)."""

    __tablename__ = "auth_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=40)
    key: str = Field(max_length=64)
    failures: int = 0
    window_start: datetime = utc_field(nullable=False)
    """The first failure since the counter was last forgotten."""
    last_failure_at: datetime = utc_field(nullable=False)
    locked_until: datetime | None = utc_field()
