"""Transactions (CDRs): the immutable record of a finished session with its cost, profit and payout."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field

from domain.models.base import Entity, amount_field, utc_field


class Transaction(Entity, table=True):
    """A charge detail record, written once when a session completes.

    Location, charger and authorization facts are snapshots taken at that moment so the CDR stays
    true if the site is later renamed. ``total`` is the amount charged to the driver (the documented
    ``amount``); ``energy_cost`` .. ``tax_amount`` are its breakdown. ``processing_fees`` ..
    ``profit_margin_percent`` are the operator's cost and profit view; ``platform_fee`` and
    ``operator_payout`` split ``total`` between the platform and the operator's connected account.
    Time is stored in hours (``total_time_hours``, ``idle_time_hours``) as documented.
    """

    __tablename__ = "charging_transaction"
    __table_args__ = (
        Index("ix_charging_transaction_network_start", "network_id", "start_time"),
        Index("ix_charging_transaction_network_end", "network_id", "end_time"),
        Index("ix_charging_transaction_user_end", "user_id", "end_time"),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="charging_session.id", unique=True, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    connector_id: int | None = Field(default=None, foreign_key="connector.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    tariff_id: int | None = Field(default=None, foreign_key="tariff.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    ocpi_id: str | None = Field(default=None, max_length=40, unique=True, index=True)
    # Snapshots
    charger_uid: str | None = Field(default=None, max_length=48)
    connector_number: int | None = None
    location_name: str | None = Field(default=None, max_length=200)
    location_address: str | None = Field(default=None, max_length=300)
    tariff_name: str | None = Field(default=None, max_length=200)
    id_tag: str | None = Field(default=None, max_length=36)
    auth_method: str | None = Field(default=None, max_length=20)
    authorization_reference: str | None = Field(default=None, max_length=100)
    # Usage
    start_time: datetime = utc_field(nullable=False, index=True)
    end_time: datetime = utc_field(nullable=False, index=True)
    energy_wh: int = 0
    total_time_hours: Decimal = amount_field(nullable=False, default=Decimal(0))
    idle_time_hours: Decimal = amount_field(nullable=False, default=Decimal(0))
    # Price charged to the driver
    currency: str = Field(max_length=3)
    is_free: bool = False
    energy_cost: Decimal = amount_field(nullable=False, default=Decimal(0))
    time_cost: Decimal = amount_field(nullable=False, default=Decimal(0))
    session_fee: Decimal = amount_field(nullable=False, default=Decimal(0))
    idle_fee: Decimal = amount_field(nullable=False, default=Decimal(0))
    subtotal: Decimal = amount_field(nullable=False, default=Decimal(0))
    tax_rate: Decimal | None = amount_field()
    tax_amount: Decimal = amount_field(nullable=False, default=Decimal(0))
    total: Decimal = amount_field(nullable=False, default=Decimal(0))
    # Operator cost and profit
    processing_fees: Decimal = amount_field(nullable=False, default=Decimal(0))
    total_costs: Decimal = amount_field(nullable=False, default=Decimal(0))
    gross_profit: Decimal = amount_field(nullable=False, default=Decimal(0))
    net_profit: Decimal = amount_field(nullable=False, default=Decimal(0))
    profit_margin_percent: Decimal | None = amount_field()
    # Split and payout
    platform_fee_percent: Decimal | None = amount_field()
    platform_fee: Decimal = amount_field(nullable=False, default=Decimal(0))
    operator_payout: Decimal = amount_field(nullable=False, default=Decimal(0))
    stripe_transfer_id: str | None = Field(default=None, max_length=100)
    payout_id: str | None = Field(default=None, max_length=100, index=True)
    payout_status: str | None = Field(default=None, max_length=20)
    paid_out_at: datetime | None = utc_field()
    # Payment
    payment_status: str | None = Field(default=None, max_length=20, index=True)
    payment_method: str | None = Field(default=None, max_length=30)
    payment_reference: str | None = Field(default=None, max_length=100, index=True)
    # Refund
    refunded_amount: Decimal | None = amount_field()
    refund_id: str | None = Field(default=None, max_length=100)
    refund_reason: str | None = Field(default=None, max_length=200)
    refunded_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
