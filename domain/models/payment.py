"""Payment settings, drivers' saved methods (Stripe references only) and the payment operations outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field

from domain.models.base import Entity, amount_field, json_field, utc_field


class PaymentSettings(Entity, table=True):
    """Per-network settings beside ``Network.payment_mode`` / ``preauth_amount``.

    ``currency`` null means the network's currency; ``methods`` lists enabled method types
    (e.g. card, apple_pay).
    """

    __tablename__ = "payment_settings"

    network_id: int = Field(foreign_key="network.id", unique=True, index=True)
    provider: str = Field(default="stripe", max_length=20)
    is_enabled: bool = False
    methods: list[str] = json_field()
    currency: str | None = Field(default=None, max_length=3)
    minimum_amount: Decimal | None = amount_field()
    maximum_amount: Decimal | None = amount_field()
    updated_at: datetime | None = utc_field()


class PaymentMethod(Entity, table=True):
    """A saved card: only the provider's ids and display facts, never a card number."""

    __tablename__ = "payment_method"

    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    provider: str = Field(default="stripe", max_length=20)
    provider_method_id: str = Field(max_length=100, unique=True, index=True)
    provider_customer_id: str | None = Field(default=None, max_length=100, index=True)
    method_type: str = Field(default="card", max_length=20)
    brand: str | None = Field(default=None, max_length=20)
    last4: str | None = Field(default=None, max_length=4)
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool = False
    detached_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()


class PaymentOperation(Entity, table=True):
    """One call to make to the payment provider, written in the transaction that requires it.

    ``kind``: AUTHORIZE (pre-authorization hold at session start), CAPTURE (final amount at stop),
    CANCEL (release the hold) or REFUND. ``status``: PENDING -> PROCESSING -> SUCCEEDED, or back to
    PENDING with ``next_attempt_at`` after a transient failure and FAILED once ``attempts`` reaches
    ``max_attempts``. A worker claims due rows with ``FOR UPDATE SKIP LOCKED``. ``idempotency_key``
    is sent to the provider so a retried call never charges twice.
    """

    __tablename__ = "payment_operation"
    __table_args__ = (Index("ix_payment_operation_status_next_attempt", "status", "next_attempt_at"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="charging_session.id", index=True)
    transaction_id: int | None = Field(default=None, foreign_key="charging_transaction.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    payment_method_id: int | None = Field(default=None, foreign_key="payment_method.id", index=True)
    kind: str = Field(max_length=10)
    status: str = Field(default="PENDING", max_length=12, index=True)
    amount: Decimal = amount_field(nullable=False)
    currency: str = Field(max_length=3)
    application_fee_amount: Decimal | None = amount_field()
    destination_account_id: str | None = Field(default=None, max_length=100)
    idempotency_key: str = Field(max_length=100, unique=True)
    provider_payment_intent_id: str | None = Field(default=None, max_length=100, index=True)
    provider_refund_id: str | None = Field(default=None, max_length=100)
    provider_status: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    max_attempts: int = 5
    next_attempt_at: datetime | None = utc_field(index=True)
    claimed_at: datetime | None = utc_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
