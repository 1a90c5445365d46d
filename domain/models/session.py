"""Charging sessions (remote start to final cost and payment) and the meter samples charged against them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.base import Entity, amount_field, utc_field


class ChargingSession(Entity, table=True):
    """One charge on one connector.

    ``status`` runs PENDING (remote start sent, ``correlation_id`` set) -> ACTIVE (the charger's
    StartTransaction / TransactionEvent Started) -> STOPPING (stop requested) -> COMPLETED, or FAULTED.
    ``ocpp_transaction_id`` is text so it holds both OCPP 1.6 integer ids and 2.0.1 string ids; it is
    unique per charger. Energy is in Wh, power in W; every money field is an exact ``Decimal``.
    ``payment_status`` is null (nothing to charge yet / free), authorized, captured, failed, refunded
    or waived.
    """

    __tablename__ = "charging_session"
    __table_args__ = (
        UniqueConstraint("charger_id", "ocpp_transaction_id", name="uq_charging_session_charger_txid"),
        Index("ix_charging_session_network_started", "network_id", "started_at"),
        Index("ix_charging_session_network_status", "network_id", "status"),
        Index("ix_charging_session_connector_status", "connector_id", "status"),
        Index("ix_charging_session_user_started", "user_id", "started_at"),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    connector_number: int = 1
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    charging_token_id: int | None = Field(default=None, foreign_key="charging_token.id", index=True)
    tariff_id: int | None = Field(default=None, foreign_key="tariff.id", index=True)
    reservation_id: int | None = Field(default=None, foreign_key="reservation.id", index=True)
    id_tag: str | None = Field(default=None, max_length=36, index=True)
    auth_method: str | None = Field(default=None, max_length=20)
    status: str = Field(default="PENDING", max_length=12, index=True)
    # Remote start correlation and the charger's own ids
    correlation_id: UUID | None = Field(default=None, unique=True, index=True)
    remote_start_id: int | None = Field(default=None, index=True)
    ocpp_transaction_id: str | None = Field(default=None, max_length=36, index=True)
    start_reason: str | None = Field(default=None, max_length=40)
    stop_reason: str | None = Field(default=None, max_length=40)
    # Timing
    started_at: datetime | None = utc_field(index=True)
    stop_requested_at: datetime | None = utc_field()
    ended_at: datetime | None = utc_field(index=True)
    charging_ended_at: datetime | None = utc_field()
    idle_started_at: datetime | None = utc_field()
    idle_seconds: int = 0
    # Metering (Wh, W, percent)
    meter_start_wh: int | None = None
    meter_stop_wh: int | None = None
    current_meter_wh: int | None = None
    energy_wh: int = 0
    current_power_w: int | None = None
    max_power_w: int | None = None
    start_soc_percent: Decimal | None = amount_field()
    current_soc_percent: Decimal | None = amount_field()
    last_meter_at: datetime | None = utc_field()
    meter_anomaly: str | None = Field(default=None, max_length=200)
    """Set when the charger's energy register went backwards (a reading or the meter stop below an
    earlier reading): what it reported and the higher reading kept and billed instead."""
    # Cost (session currency)
    currency: str = Field(default="USD", max_length=3)
    is_free: bool = False
    energy_cost: Decimal | None = amount_field()
    time_cost: Decimal | None = amount_field()
    session_fee: Decimal | None = amount_field()
    idle_fee: Decimal | None = amount_field()
    subtotal: Decimal | None = amount_field()
    tax_rate: Decimal | None = amount_field()
    tax_amount: Decimal | None = amount_field()
    total: Decimal | None = amount_field()
    costed_at: datetime | None = utc_field()
    # Payment: pre-authorization hold at start, capture at stop, refunds, waivers
    payment_status: str | None = Field(default=None, max_length=20, index=True)
    payment_method_ref: str | None = Field(default=None, max_length=100)
    payment_intent_id: str | None = Field(default=None, max_length=100, index=True)
    preauth_amount: Decimal | None = amount_field()
    authorized_at: datetime | None = utc_field()
    captured_amount: Decimal | None = amount_field()
    captured_at: datetime | None = utc_field()
    payment_failed_at: datetime | None = utc_field()
    payment_failure_reason: str | None = Field(default=None, max_length=200)
    refunded_amount: Decimal | None = amount_field()
    refund_id: str | None = Field(default=None, max_length=100)
    refunded_at: datetime | None = utc_field()
    payment_waived_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()


class MeterSample(SQLModel, table=True):
    """One sampled value of a MeterValues / TransactionEvent message (``value`` exact, in ``unit``).

    ``session_id`` is null for samples sent outside a transaction.
    """

    __tablename__ = "meter_sample"
    __table_args__ = (
        Index("ix_meter_sample_session_sampled", "session_id", "sampled_at"),
        Index("ix_meter_sample_charger_sampled", "charger_id", "sampled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="network.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="charging_session.id", index=True)
    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_number: int = 0
    sampled_at: datetime = utc_field(nullable=False, index=True)
    measurand: str = Field(default="Energy.Active.Import.Register", max_length=60)
    phase: str | None = Field(default=None, max_length=10)
    location: str | None = Field(default=None, max_length=10)
    context: str | None = Field(default=None, max_length=30)
    value: Decimal = amount_field(nullable=False)
    unit: str | None = Field(default=None, max_length=12)
    created_at: datetime = utc_field(default_now=True)
