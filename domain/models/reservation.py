"""Reservations: a connector held for one driver's token until an expiry (OCPP ReserveNow)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class Reservation(Entity, table=True):
    """``status``: Pending, Accepted (held by the charger), Rejected, Cancelled, Expired or Used."""

    __tablename__ = "reservation"
    __table_args__ = (
        Index("ix_reservation_status_expires", "status", "expires_at"),
        Index("ix_reservation_charger_status", "charger_id", "status"),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    connector_number: int = 1
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    charging_token_id: int | None = Field(default=None, foreign_key="charging_token.id", index=True)
    id_tag: str = Field(max_length=36)
    ocpp_reservation_id: int | None = Field(default=None, unique=True, index=True)
    status: str = Field(default="Pending", max_length=12, index=True)
    status_reason: str | None = Field(default=None, max_length=200)
    expires_at: datetime = utc_field(nullable=False, index=True)
    accepted_at: datetime | None = utc_field()
    cancelled_at: datetime | None = utc_field()
    expired_at: datetime | None = utc_field()
    used_at: datetime | None = utc_field()
    reminder_sent_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
