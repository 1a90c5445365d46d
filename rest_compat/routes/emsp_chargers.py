"""/emsp/v1/chargers: public chargers for drivers, their details and the QR-code info view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.models import Charger, Connector
from domain.services.charger_status import is_online
from domain.types import iso_z, money_out, utcnow
from resolvers import charger_info, chargers
from resolvers.connectors import connectors_by_charger_id
from resolvers.location_stats import charger_max_power_kw
from resolvers.locations import locations_by_id
from resolvers.networks import networks_by_id
from rest_compat.endpoint import Call, Paged, Param, endpoint

LIST_PARAMS = [
    Param("page", "integer", "int32"),
    Param("pageSize", "integer", "int32"),
    Param("status", description="Filter the results by status."),
    Param("locationId", "string", "uuid", "Filter by location UUID."),
    Param("isPublic", "boolean"),
]


def connector_row(connector: Connector) -> dict[str, Any]:
    """A connector as the emsp references show it (statuses stored uppercase, UNKNOWN if never reported)."""
    return {
        "id": str(connector.uuid),
        "connectorNumber": connector.connector_number,
        "connectorIdentifier": connector.connector_identifier,
        "status": connector.status or "UNKNOWN",
        "standard": connector.standard,
        "format": connector.format,
        "powerType": connector.power_type,
        "maxVoltage": connector.max_voltage,
        "maxAmperage": connector.max_amperage,
        "maxElectricPowerWatts": connector.max_electric_power_w,
        "lastUpdated": iso_z(connector.updated_at or connector.created_at),
    }


async def _rows(call: Call, found: Sequence[Charger]) -> list[tuple[dict[str, Any], list[Connector]]]:
    """The list shape of each charger (one statement each for connectors, locations and networks)."""
    ids = [c.id for c in found if c.id is not None]
    plugs = await connectors_by_charger_id(call.ctx, ids)
    location_ids = sorted({c.location_id for c in found if c.location_id is not None})
    sites = dict(zip(location_ids, await locations_by_id(call.ctx, location_ids), strict=True))
    network_ids = sorted({c.network_id for c in found})
    networks = dict(zip(network_ids, await networks_by_id(call.ctx, network_ids), strict=True))
    now = utcnow()
    rows = []
    for charger, connectors in zip(found, plugs, strict=True):
        site = sites.get(charger.location_id) if charger.location_id is not None else None
        network = networks.get(charger.network_id)
        row = {
            "id": str(charger.uuid),
            "uid": charger.uid,
            "evseId": charger.evse_id,
            "status": charger.status,
            "locationId": str(site.uuid) if site is not None else None,
            "locationName": site.name if site is not None else None,
            "isPublic": charger.is_public,
            "maxPowerKw": charger_max_power_kw(charger, connectors),
            "connectorCount": len(connectors),
            "lastHeartbeat": iso_z(charger.last_heartbeat),
            "isOnline": is_online(charger.last_heartbeat, now),
            "lastUpdated": iso_z(charger.updated_at or charger.created_at),
            "networkId": str(network.uuid) if network is not None else None,
            "networkName": network.name if network is not None else None,
        }
        rows.append((row, connectors))
    return rows


@endpoint("GET", "/emsp/v1/chargers", summary="List all chargers", params=LIST_PARAMS)
async def list_chargers(call: Call) -> Paged:
    page = await chargers.list_chargers(
        call.ctx,
        call.page_request(),
        status=call.query_str("status"),
        location_uuid=call.query_uuid("locationId"),
        is_public=call.query_bool("isPublic"),
    )
    return Paged(page, [row for row, _ in await _rows(call, page.items)], "emsp")


@endpoint("GET", "/emsp/v1/chargers/{id}", summary="Get charger details")
async def get_charger(call: Call) -> dict[str, Any]:
    charger = await chargers.get_charger(call.ctx, call.path_uuid("id"))
    ((row, connectors),) = await _rows(call, [charger])
    coordinates = (
        {"latitude": charger.latitude, "longitude": charger.longitude}
        if charger.latitude is not None and charger.longitude is not None
        else None
    )
    return {
        **row,
        "serialNumber": charger.serial_number,
        "manufacturer": charger.vendor,
        "model": charger.model_name,
        "firmwareVersion": charger.firmware_version,
        "ocppVersion": charger.ocpp_version,
        "installationDate": iso_z(charger.installation_date),
        "floorLevel": charger.floor_level,
        "physicalReference": charger.physical_reference,
        "coordinates": coordinates,
        "connectors": [connector_row(c) for c in connectors],
    }


def _rate(value: Any) -> float | None:
    return money_out(value, charger_info.RATE_PLACES)


@endpoint("GET", "/emsp/v1/chargers/{identifier}/info", summary="Get charger info for QR code scanning")
async def get_charger_info(call: Call) -> dict[str, Any]:
    info = await charger_info.charger_info(call.ctx, call.path_str("identifier"))
    charger, location, network = info.charger, info.location, info.network
    return {
        "chargerUuid": str(charger.uuid),
        "chargerUid": charger.uid,
        "chargerName": charger.uid,
        "llmLookupId": charger.lookup_code,
        "status": charger.status,
        "isOnline": info.is_online,
        "locationUuid": str(location.uuid),
        "locationName": location.name,
        "address": location.address,
        "city": location.city,
        "latitude": info.latitude,
        "longitude": info.longitude,
        "networkUuid": str(network.uuid),
        "networkName": network.name,
        "networkLogoUrl": network.logo_url,
        "networkPrimaryColor": network.primary_color,
        "networkSecondaryColor": network.secondary_color,
        "currency": network.currency,
        "connectors": [
            {
                "connectorUuid": str(p.connector.uuid),
                "connectorIdentifier": p.connector.connector_identifier,
                "connectorNumber": p.connector.connector_number,
                "standard": p.connector.standard,
                "format": p.connector.format,
                "powerType": p.connector.power_type,
                "maxPowerKw": p.max_power_kw,
                "status": p.connector.status or "UNKNOWN",
                "tariffId": str(p.tariff.uuid) if p.tariff is not None else None,
                "tariffName": p.tariff.name if p.tariff is not None else None,
                "energyRate": _rate(p.energy_rate),
                "timeRate": _rate(p.time_rate_per_minute),
                "sessionFee": money_out(p.session_fee),
                "idleRate": _rate(p.idle_rate_per_minute),
                "idleFeeEnabled": p.tariff.idle_fee_enabled if p.tariff is not None else None,
                "idleGracePeriodMinutes": p.tariff.idle_grace_period_minutes
                if p.tariff is not None
                else None,
            }
            for p in info.connectors
        ],
    }
