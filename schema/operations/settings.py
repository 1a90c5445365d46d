"""Network settings (self-service subset) and public branding."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import strawberry

from resolvers import branding as branding_ops
from resolvers import settings as ops
from schema.context import Info
from schema.inputs import parse
from schema.permissions import requires
from schema.types.account import Branding, NetworkSettings


@strawberry.input(description="Branding fields to change; unsent fields stay as they are.")
class BrandingSettingsInput:
    primary_color: str | None = strawberry.UNSET
    secondary_color: str | None = strawberry.UNSET
    logo_url: str | None = strawberry.UNSET
    favicon_url: str | None = strawberry.UNSET


@strawberry.input(description="Billing fields to change; unsent fields stay as they are.")
class BillingSettingsInput:
    vat_rate: Decimal | None = strawberry.UNSET
    billing_address: str | None = strawberry.UNSET
    invoice_prefix: str | None = strawberry.UNSET
    payment_terms_days: int | None = strawberry.UNSET


@strawberry.input(description="Settings to change; unsent fields stay as they are.")
class NetworkSettingsInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    contact_email: str | None = strawberry.UNSET
    contact_phone: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    branding: BrandingSettingsInput | None = strawberry.UNSET
    billing: BillingSettingsInput | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="Settings of the network named, else of the caller's only network.",
    )
    async def network_settings(self, info: Info, network_id: UUID | None = None) -> NetworkSettings:
        return NetworkSettings.from_row(await ops.get_settings(info.context.ctx, network_id))

    @strawberry.field(
        permission_classes=[requires(*branding_ops.READ)], description="A reachable network's branding."
    )
    async def branding(self, info: Info, network_id: UUID) -> Branding:
        return Branding.from_row(await branding_ops.get_branding(info.context.ctx, network_id))


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def update_network_settings(
        self, info: Info, input: NetworkSettingsInput, network_id: UUID | None = None
    ) -> NetworkSettings:
        data = parse(info, ops.SettingsUpdate)
        return NetworkSettings.from_row(await ops.update_settings(info.context.ctx, data, network_id))
