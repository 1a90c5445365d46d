"""Networks: the tenants, with their settings, branding, billing and payment configuration."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field

from domain.models.base import Entity, amount_field, utc_field


class Network(Entity, table=True):
    __tablename__ = "network"

    name: str = Field(max_length=200)
    slug: str = Field(max_length=100, unique=True, index=True)
    description: str | None = None
    contact_email: str | None = Field(default=None, max_length=320)
    contact_phone: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500)
    country: str = Field(default="US", max_length=2)
    party_id: str = Field(default="CGX", max_length=3)
    currency: str = Field(default="USD", max_length=3)
    time_zone: str = Field(default="UTC", max_length=64)
    is_active: bool = True
    # Branding
    primary_color: str | None = Field(default=None, max_length=9)
    secondary_color: str | None = Field(default=None, max_length=9)
    logo_url: str | None = Field(default=None, max_length=500)
    favicon_url: str | None = Field(default=None, max_length=500)
    logo_background: str = Field(default="light", max_length=5)
    terms_url: str | None = Field(default=None, max_length=500)
    privacy_url: str | None = Field(default=None, max_length=500)
    # Billing
    vat_rate: Decimal = amount_field(nullable=False, default=Decimal(0))
    billing_address: str | None = None
    invoice_prefix: str = Field(default="INV", max_length=20)
    payment_terms_days: int = 30
    # Payment configuration
    payment_mode: str = Field(default="none", max_length=32)
    stripe_account_id: str | None = Field(default=None, max_length=100)
    preauth_amount: Decimal = amount_field(nullable=False, default=Decimal(50))
    platform_fee_percent: Decimal = amount_field(nullable=False, default=Decimal(0))
    updated_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field()
