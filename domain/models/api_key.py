"""API keys (hashed at rest), the networks they may reach, and their daily usage."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.base import Entity, json_field, utc_field


class ApiKey(Entity, table=True):
    __tablename__ = "api_key"

    name: str = Field(max_length=200)
    description: str | None = None
    family: str = Field(max_length=8)
    key_type: str = Field(default="Rest", max_length=20)
    visibility: str = Field(default="Private", max_length=20)
    key_class: str = Field(default="ServerSide", max_length=20)
    environment: str = Field(default="live", max_length=8)
    key_prefix: str = Field(max_length=32)
    last4: str = Field(max_length=4)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = json_field()
    allowed_ips: list[str] = json_field()
    unrestricted: bool = False
    expires_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field()
    last_used_at: datetime | None = utc_field()
    usage_count: int = 0
    rate_limit_per_hour: int = 5000
    rate_window_start: datetime | None = utc_field()
    rate_window_count: int = 0
    created_by_key_id: int | None = Field(default=None, foreign_key="api_key.id")


class ApiKeyNetwork(SQLModel, table=True):
    __tablename__ = "api_key_network"

    api_key_id: int = Field(foreign_key="api_key.id", primary_key=True)
    network_id: int = Field(foreign_key="network.id", primary_key=True, index=True)


class ApiUsageDaily(SQLModel, table=True):
    __tablename__ = "api_usage_daily"
    __table_args__ = (UniqueConstraint("api_key_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    day: date = Field(index=True)
    family: str = Field(max_length=8)
    environment: str = Field(max_length=8)
    requests: int = 0
    units: int = 0
