"""Charging limits: an operator or driver cap on one connector, applied as an OCPP charging profile."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, text
from sqlmodel import Field

from domain.models.base import Entity, amount_field, utc_field


class ChargingLimit(Entity, table=True):
    """``source`` OPERATOR or DRIVER; ``limit_value`` in ``unit`` A or W; ``cleared_at`` set when lifted.

    At most one live (uncleared) limit per connector and source.
    """

    __tablename__ = "charging_limit"
    __table_args__ = (
        Index(
            "uq_charging_limit_live",
            "charger_id",
            "connector_number",
            "source",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    connector_number: int = 1
    source: str = Field(max_length=10)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id", index=True)
    unit: str = Field(max_length=1)
    limit_value: Decimal = amount_field(nullable=False)
    profile_id: int
    stack_level: int | None = None
    status: str = Field(default="Pending", max_length=12)
    accepted: bool | None = None
    reason: str | None = Field(default=None, max_length=200)
    applied_at: datetime | None = utc_field()
    cleared_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
