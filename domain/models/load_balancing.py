"""Load balancing of a site (location): its power cap, allocation rules and per-charger allocations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.base import Entity, amount_field, utc_field


class LoadBalancingConfig(Entity, table=True):
    """One per location ("station"). Power in kW, exact; ``strategy`` applies when no rule is active."""

    __tablename__ = "load_balancing_config"

    network_id: int = Field(foreign_key="network.id", index=True)
    location_id: int = Field(foreign_key="location.id", unique=True, index=True)
    enabled: bool = False
    strategy: str = Field(default="equal", max_length=20)
    site_max_power_kw: Decimal | None = amount_field()
    safety_margin_pct: Decimal = amount_field(nullable=False, default=Decimal(15))
    last_rebalanced_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()


class LoadBalancingRule(Entity, table=True):
    """A rule active on ``days_of_week`` (digits 0-6) between ``start_time`` and ``end_time`` (HH:MM)."""

    __tablename__ = "load_balancing_rule"

    network_id: int = Field(foreign_key="network.id", index=True)
    config_id: int = Field(foreign_key="load_balancing_config.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    description: str | None = Field(default=None, max_length=500)
    load_limit_kw: Decimal | None = amount_field()
    load_limit_amps: Decimal | None = amount_field()
    number_of_phases: int = 3
    strategy: str = Field(default="equal", max_length=20)
    fallback_strategy: str = Field(default="equal", max_length=20)
    priority: int = Field(default=0, index=True)
    is_active: bool = True
    start_time: str = Field(default="00:00", max_length=5)
    end_time: str = Field(default="23:59", max_length=5)
    days_of_week: str = Field(default="0123456", max_length=7)
    updated_at: datetime | None = utc_field()


class LoadBalancingAllocation(SQLModel, table=True):
    """A charger's place in its site's balance: operator priority, allocated cap and last seen draw."""

    __tablename__ = "load_balancing_allocation"
    __table_args__ = (UniqueConstraint("config_id", "charger_id"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    config_id: int = Field(foreign_key="load_balancing_config.id", index=True, ondelete="CASCADE")
    charger_id: int = Field(foreign_key="charger.id", index=True)
    priority: int = 0
    allocated_kw: Decimal | None = amount_field()
    current_draw_kw: Decimal | None = amount_field()
    charging_profile_id: int | None = None
    allocated_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
