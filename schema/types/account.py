"""Account-area types: the caller's context, API keys, team members, network settings, branding, usage."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import strawberry

from domain.models import ApiKey as ApiKeyRow
from domain.models import Network as NetworkRow
from domain.services.api_keys import MintedKey, UsageDay
from domain.types import utcnow
from resolvers.account import Me as MeResult
from resolvers.team import Member
from resolvers.usage import Usage
from schema.scalars import dec, gid


@strawberry.type(description="The calling credential's own context.")
class Me:
    accessible_network_count: int
    scopes: list[str] = strawberry.field(description="The concrete catalogue scopes the caller holds.")
    key_type: str | None = strawberry.field(description="The key's visibility class (Private, Publishable).")
    unrestricted: bool

    @classmethod
    def from_result(cls, me: MeResult) -> Me:
        return cls(
            accessible_network_count=me.accessible_network_count,
            scopes=me.scopes,
            key_type=me.key_type,
            unrestricted=me.unrestricted,
        )


@strawberry.type(description="An API key, by its display fragments; the secret is never readable.")
class ApiKey:
    id: strawberry.ID
    name: str
    description: str | None
    key_type: str
    visibility: str
    api_family: str
    key_class: str
    key_environment: str
    key_prefix: str
    last4: str
    scopes: list[str]
    allowed_ips: list[str]
    expires_at: datetime | None
    is_revoked: bool
    is_expired: bool
    last_used_at: datetime | None
    usage_count: int
    rate_limit_per_hour: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            id=gid(row.uuid),
            name=row.name,
            description=row.description,
            key_type=row.key_type,
            visibility=row.visibility,
            api_family=row.family,
            key_class=row.key_class,
            key_environment=row.environment,
            key_prefix=row.key_prefix,
            last4=row.last4,
            scopes=list(row.scopes),
            allowed_ips=list(row.allowed_ips),
            expires_at=row.expires_at,
            is_revoked=row.revoked_at is not None,
            is_expired=row.expires_at is not None and row.expires_at <= utcnow(),
            last_used_at=row.last_used_at,
            usage_count=row.usage_count,
            rate_limit_per_hour=row.rate_limit_per_hour,
            created_at=row.created_at,
        )


@strawberry.type(description="A freshly minted key: the secret is shown here once and never again.")
class NewApiKey:
    api_key: ApiKey
    key: str = strawberry.field(description="The full plaintext secret. Store it now.")

    @classmethod
    def from_minted(cls, minted: MintedKey) -> NewApiKey:
        return cls(api_key=ApiKey.from_row(minted.key), key=minted.secret)


@strawberry.type(description="A platform user holding a role in a network.")
class TeamMember:
    id: strawberry.ID = strawberry.field(description="The user's UUID.")
    email: str
    first_name: str
    last_name: str
    role: str
    joined_at: datetime
    last_active_at: datetime | None

    @classmethod
    def from_member(cls, member: Member) -> TeamMember:
        user, membership = member.user, member.membership
        return cls(
            id=gid(user.uuid),
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            role=membership.role,
            joined_at=membership.joined_at,
            last_active_at=membership.last_active_at or user.last_active_at,
        )


@strawberry.type(description="A network's public branding for white-label theming.")
class Branding:
    network_id: strawberry.ID
    name: str
    logo_url: str | None
    favicon_url: str | None
    logo_background: str
    primary_color: str | None
    secondary_color: str | None
    terms_url: str | None
    privacy_url: str | None

    @classmethod
    def from_row(cls, row: NetworkRow) -> Branding:
        return cls(
            network_id=gid(row.uuid),
            name=row.name,
            logo_url=row.logo_url,
            favicon_url=row.favicon_url,
            logo_background=row.logo_background if row.logo_background in ("light", "dark") else "light",
            primary_color=row.primary_color,
            secondary_color=row.secondary_color,
            terms_url=row.terms_url,
            privacy_url=row.privacy_url,
        )


@strawberry.type(description="How a network invoices.")
class NetworkBilling:
    vat_rate: Decimal = strawberry.field(description="VAT / tax rate in percent.")
    billing_address: str | None
    invoice_prefix: str
    payment_terms_days: int


@strawberry.type(description="A network's settings safe for operator self-service.")
class NetworkSettings:
    id: strawberry.ID
    name: str
    description: str | None
    contact_email: str | None
    contact_phone: str | None
    website: str | None
    country: str
    currency: str
    time_zone: str
    is_active: bool
    branding: Branding
    billing: NetworkBilling

    @classmethod
    def from_row(cls, row: NetworkRow) -> NetworkSettings:
        return cls(
            id=gid(row.uuid),
            name=row.name,
            description=row.description,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            website=row.website,
            country=row.country,
            currency=row.currency,
            time_zone=row.time_zone or "UTC",
            is_active=row.is_active,
            branding=Branding.from_row(row),
            billing=NetworkBilling(
                vat_rate=dec(row.vat_rate) or Decimal(0),
                billing_address=row.billing_address,
                invoice_prefix=row.invoice_prefix,
                payment_terms_days=row.payment_terms_days,
            ),
        )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@strawberry.type(description="One day's API requests of one family and environment.")
class ApiUsageDay:
    date: datetime
    family: str
    env: str
    requests: int
    units: int

    @classmethod
    def from_row(cls, row: UsageDay) -> ApiUsageDay:
        return cls(
            date=_midnight(row.day),
            family=row.family,
            env=row.environment,
            requests=row.requests,
            units=row.units,
        )


@strawberry.type(description="API consumption of the keys bound to the caller's networks.")
class ApiUsage:
    total_requests: int
    total_units: int
    since_utc: datetime
    daily: list[ApiUsageDay]

    @classmethod
    def from_result(cls, usage: Usage) -> ApiUsage:
        return cls(
            total_requests=usage.total_requests,
            total_units=usage.total_units,
            since_utc=usage.since,
            daily=[ApiUsageDay.from_row(r) for r in usage.daily],
        )
