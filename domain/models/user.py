"""Platform users (drivers and operators' staff) and their team memberships in networks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from domain.models.base import Entity, amount_field, utc_field


class User(Entity, table=True):
    """A person. Drivers belong to the network they signed up in (email unique within it)."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("network_id", "email"),)

    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    email: str = Field(max_length=320, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    phone_number: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=120)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=60)
    is_active: bool = True
    is_driver: bool = True
    email_verified: bool = False
    phone_verified: bool = False
    phone_verified_at: datetime | None = utc_field()
    fraud_hold: bool = False
    fraud_hold_reason: str | None = Field(default=None, max_length=200)
    fraud_hold_at: datetime | None = utc_field()
    outstanding_balance: Decimal = amount_field(nullable=False, default=Decimal(0))
    stripe_customer_id: str | None = Field(default=None, max_length=100)
    updated_at: datetime | None = utc_field()
    last_active_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field()


class TeamMembership(Entity, table=True):
    __tablename__ = "team_membership"
    __table_args__ = (UniqueConstraint("network_id", "user_id"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    role: str = Field(max_length=20)
    joined_at: datetime = utc_field(default_now=True)
    last_active_at: datetime | None = utc_field()
