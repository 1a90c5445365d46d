"""Network settings safe for operator self-service: profile, branding colours and logos, billing."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import EmailStr, Field, field_validator

from domain.errors import ValidationFailed
from domain.models import Network
from domain.services.tenancy import target_network
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:settings:read",)
WRITE = ("cpms:settings:write",)

HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"
URL = r"^https?://\S+$"


class BrandingUpdate(Input):
    primary_color: str | None = Field(default=None, pattern=HEX_COLOR)
    secondary_color: str | None = Field(default=None, pattern=HEX_COLOR)
    logo_url: str | None = Field(default=None, max_length=500, pattern=URL)
    favicon_url: str | None = Field(default=None, max_length=500, pattern=URL)


class BillingUpdate(Input):
    vat_rate: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=4)
    billing_address: str | None = Field(default=None, max_length=500)
    invoice_prefix: str | None = Field(default=None, min_length=1, max_length=20)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)


class SettingsUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    contact_email: EmailStr | None = Field(default=None, max_length=320)
    contact_phone: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500, pattern=URL)
    time_zone: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    branding: BrandingUpdate | None = None
    billing: BillingUpdate | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


# Columns that cannot be cleared: sending null for them is a validation error.
_REQUIRED = {"name", "time_zone", "currency", "vat_rate", "invoice_prefix", "payment_terms_days"}


def _changes(data: SettingsUpdate) -> dict[str, object]:
    changes = {k: v for k, v in data.given().items() if k not in ("branding", "billing")}
    for part in (data.branding, data.billing):
        if part is not None:
            changes.update(part.given())
    for name, value in changes.items():
        if value is None and name in _REQUIRED:
            raise ValidationFailed(f"{name}: may not be null")
    return changes


async def get_settings(ctx: Context, network_uuid: UUID | None = None) -> Network:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await target_network(session, ctx.principal, network_uuid)


async def update_settings(ctx: Context, data: SettingsUpdate, network_uuid: UUID | None = None) -> Network:
    ctx.principal.require(*WRITE)
    changes = _changes(data)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        for name, value in changes.items():
            setattr(network, name, value)
        network.updated_at = utcnow()
        session.add(network)
    return network
