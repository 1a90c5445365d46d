"""Charging tokens (RFID, app) and the driver's refresh and password-reset tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class ChargingToken(Entity, table=True):
    __tablename__ = "charging_token"
    __table_args__ = (UniqueConstraint("network_id", "uid"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    uid: str = Field(max_length=36, index=True)
    contract_id: str = Field(max_length=40)
    token_type: str = Field(default="RFID", max_length=12)
    alias: str | None = Field(default=None, max_length=100)
    valid: bool = True
    expires_at: datetime | None = utc_field()
    last_used_at: datetime | None = utc_field()
    invalidated_at: datetime | None = utc_field()


class RefreshToken(Entity, table=True):
    __tablename__ = "refresh_token"

    user_id: int = Field(foreign_key="app_user.id", index=True)
    family_id: UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = utc_field(nullable=False)
    used_at: datetime | None = utc_field()
    replaced_by_id: int | None = Field(default=None, foreign_key="refresh_token.id")
    revoked_at: datetime | None = utc_field()
    revoked_reason: str | None = Field(default=None, max_length=60)


class PasswordResetToken(Entity, table=True):
    __tablename__ = "password_reset_token"

    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = utc_field(nullable=False)
    used_at: datetime | None = utc_field()
