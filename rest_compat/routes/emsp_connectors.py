"""/emsp/v1/connectors/{id}/status: a connector's live status with its charger and site."""

from __future__ import annotations

from typing import Any

from domain.types import iso_z
from resolvers import connectors
from resolvers.locations import locations_by_id
from rest_compat.endpoint import Call, endpoint
from rest_compat.routes.emsp_chargers import connector_row


@endpoint("GET", "/emsp/v1/connectors/{id}/status", summary="Get connector status")
async def get_connector_status(call: Call) -> dict[str, Any]:
    state = await connectors.connector_state(call.ctx, call.path_uuid("id"))
    connector, charger = state.connector, state.charger
    site = None
    if charger.location_id is not None:
        (site,) = await locations_by_id(call.ctx, [charger.location_id])
    return {
        **connector_row(connector),
        "chargerId": str(charger.uuid),
        "chargerUid": charger.uid,
        "locationId": str(site.uuid) if site is not None else None,
        "locationName": site.name if site is not None else None,
        "lastStatusUpdate": iso_z(connector.last_status_update),
        "hasRfidReader": connector.has_rfid_reader,
        "hasDisplay": connector.has_display,
    }
