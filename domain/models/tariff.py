"""Tariffs (exact Decimal rates) and their assignments to a network, location, charger or connector."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field

from domain.models.base import Entity, amount_field, utc_field


class Tariff(Entity, table=True):
    """Rates: ``energy_rate`` per kWh, ``time_rate`` and ``idle_rate`` per hour, fees per session."""

    __tablename__ = "tariff"

    network_id: int = Field(foreign_key="network.id", index=True)
    name: str = Field(max_length=200)
    description: str | None = None
    type: str = Field(default="REGULAR", max_length=30)
    currency: str = Field(max_length=3)
    energy_rate: Decimal | None = amount_field()
    time_rate: Decimal | None = amount_field()
    session_fee: Decimal | None = amount_field()
    idle_rate: Decimal | None = amount_field()
    idle_grace_period_minutes: int = 0
    idle_fee_enabled: bool = False
    idle_fee_maximum: Decimal | None = amount_field()
    peak_hours_start: str | None = Field(default=None, max_length=5)
    peak_hours_end: str | None = Field(default=None, max_length=5)
    peak_multiplier: Decimal | None = amount_field()
    weekend_multiplier: Decimal | None = amount_field()
    tax_rate: Decimal | None = amount_field()
    minimum_session_fee: Decimal | None = amount_field()
    maximum_session_fee: Decimal | None = amount_field()
    is_free: bool = False
    is_active: bool = True
    effective_from: datetime | None = utc_field()
    effective_to: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field(index=True)


class TariffAssignment(Entity, table=True):
    __tablename__ = "tariff_assignment"

    tariff_id: int = Field(foreign_key="tariff.id", index=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    level: str = Field(max_length=10)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    start_date: datetime = utc_field(default_now=True)
    end_date: datetime | None = utc_field()
    priority: int = 0
    is_active: bool = True
    deactivated_at: datetime | None = utc_field()
