"""/emsp/v1/networks/{networkId}/branding: public white-label theming of a network."""

from __future__ import annotations

from typing import Any

from resolvers import branding
from rest_compat.endpoint import Call, endpoint


@endpoint(
    "GET",
    "/emsp/v1/networks/{networkId}/branding",
    summary="Public network branding (name, logo, colors) for white-label theming",
)
async def get_branding(call: Call) -> dict[str, Any]:
    network = await branding.get_branding(call.ctx, call.path_uuid("networkId"))
    return {
        "networkId": str(network.uuid),
        "name": network.name,
        "logoUrl": network.logo_url,
        "faviconUrl": network.favicon_url,
        "logoBackground": network.logo_background
        if network.logo_background in ("light", "dark")
        else "light",
        "primaryColor": network.primary_color,
        "secondaryColor": network.secondary_color,
        "termsUrl": network.terms_url,
        "privacyUrl": network.privacy_url,
    }
