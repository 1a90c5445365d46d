"""/cpms/v1/settings: the operator's network settings (self-service subset)."""

from __future__ import annotations

from typing import Any

from domain.models import Network
from domain.types import money_out
from resolvers import settings
from rest_compat.endpoint import Call, Param, endpoint

NETWORK = [Param("networkUuid", "string", "uuid")]


def settings_out(network: Network) -> dict[str, Any]:
    return {
        "id": str(network.uuid),
        "name": network.name,
        "description": network.description,
        "contactEmail": network.contact_email,
        "contactPhone": network.contact_phone,
        "website": network.website,
        "country": network.country,
        "currency": network.currency,
        "timeZone": network.time_zone or "UTC",
        "isActive": network.is_active,
        "branding": {
            "primaryColor": network.primary_color,
            "secondaryColor": network.secondary_color,
            "logoUrl": network.logo_url,
            "faviconUrl": network.favicon_url,
        },
        "billing": {
            "vatRate": money_out(network.vat_rate, 4),
            "billingAddress": network.billing_address,
            "invoicePrefix": network.invoice_prefix,
            "paymentTermsDays": network.payment_terms_days,
        },
    }


@endpoint(
    "GET",
    "/cpms/v1/settings",
    summary="Read the operator's network settings (the fields safe for self-service)",
    params=NETWORK,
)
async def get_settings(call: Call) -> dict[str, Any]:
    return settings_out(await settings.get_settings(call.ctx, call.query_uuid("networkUuid")))


@endpoint(
    "PUT",
    "/cpms/v1/settings",
    summary="Update the operator's network settings (self-service subset only)",
    params=NETWORK,
    body=settings.SettingsUpdate,
)
async def update_settings(call: Call) -> dict[str, Any]:
    network_uuid = call.query_uuid("networkUuid")
    network = await settings.update_settings(call.ctx, await call.body(settings.SettingsUpdate), network_uuid)
    return {"id": str(network.uuid), "updated": True}
