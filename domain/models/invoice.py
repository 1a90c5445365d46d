"""Invoices issued to drivers for one or more transactions, their lines and per-network numbering."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.models.base import Entity, amount_field, utc_field


class Invoice(Entity, table=True):
    """``bill_to_*`` are snapshots of the driver at issue time (``userName`` / ``userEmail``)."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("network_id", "invoice_number"),)

    network_id: int = Field(foreign_key="network.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    invoice_number: str = Field(max_length=40, index=True)
    status: str = Field(default="ISSUED", max_length=12, index=True)
    issue_date: datetime = utc_field(default_now=True, index=True)
    due_date: datetime | None = utc_field()
    bill_to_name: str | None = Field(default=None, max_length=200)
    bill_to_email: str | None = Field(default=None, max_length=320)
    bill_to_address: str | None = Field(default=None, max_length=500)
    currency: str = Field(max_length=3)
    subtotal: Decimal = amount_field(nullable=False, default=Decimal(0))
    tax_rate: Decimal | None = amount_field()
    tax_amount: Decimal = amount_field(nullable=False, default=Decimal(0))
    total: Decimal = amount_field(nullable=False, default=Decimal(0))
    paid_at: datetime | None = utc_field()
    voided_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()


class InvoiceLine(SQLModel, table=True):
    """One invoiced transaction (``lineItems``), snapshotted so the invoice never changes."""

    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True, ondelete="CASCADE")
    transaction_id: int | None = Field(default=None, foreign_key="charging_transaction.id", index=True)
    position: int = 0
    description: str | None = Field(default=None, max_length=300)
    session_date: datetime | None = utc_field()
    location_name: str | None = Field(default=None, max_length=200)
    energy_wh: int = 0
    amount: Decimal = amount_field(nullable=False, default=Decimal(0))
    tax_amount: Decimal = amount_field(nullable=False, default=Decimal(0))


class InvoiceSequence(SQLModel, table=True):
    """The last invoice number used per network and year (row-locked while numbering)."""

    __tablename__ = "invoice_sequence"

    network_id: int = Field(foreign_key="network.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0
