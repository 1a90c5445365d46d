"""/cpms/v1/chargers: register, list, read, change and decommission the operator's chargers."""

from __future__ import annotations

from typing import Any

from domain.models import Charger, Connector
from domain.services.charger_status import is_online, ocpp_case
from domain.types import iso_z
from resolvers import chargers, connectors, locations
from rest_compat.endpoint import Call, Paged, Param, endpoint

PAGE = [Param("page", "integer", "int32"), Param("pageSize", "integer", "int32")]


def _row(charger: Charger) -> dict[str, Any]:
    return {
        "id": str(charger.uuid),
        "uid": charger.uid,
        "status": ocpp_case(charger.status),
        "networkId": charger.network_id,
        "locationId": charger.location_id,
        "serialNumber": charger.serial_number,
        "firmwareVersion": charger.firmware_version,
        "ocppVersion": charger.ocpp_version,
    }


def _connector(connector: Connector) -> dict[str, Any]:
    return {
        "id": str(connector.uuid),
        "number": connector.connector_number,
        "standard": connector.standard,
        "format": connector.format,
        "powerType": connector.power_type,
        "maxPowerKw": connectors.power_kw(connector),
        "status": ocpp_case(connector.status) or "UNKNOWN",
    }


@endpoint("GET", "/cpms/v1/chargers", summary="List the operator's chargers (+ live status)", params=PAGE)
async def list_chargers(call: Call) -> Paged:
    page = await chargers.list_chargers(call.ctx, call.page_request())
    return Paged(page, [_row(c) for c in page.items], "cpms")


@endpoint(
    "POST",
    "/cpms/v1/chargers",
    status=201,
    summary="Register (create) a charger on one of the operator's networks",
    body=chargers.ChargerCreate,
)
async def create_charger(call: Call) -> dict[str, Any]:
    charger = await chargers.create_charger(call.ctx, await call.body(chargers.ChargerCreate))
    location_uuid = None
    if charger.location_id is not None:
        (location,) = await locations.locations_by_id(call.ctx, [charger.location_id])
        location_uuid = str(location.uuid) if location is not None else None
    return {
        "id": str(charger.uuid),
        "uid": charger.uid,
        "evseId": charger.evse_id,
        "serialNumber": charger.serial_number,
        "status": charger.status,
        "networkId": charger.network_id,
        "locationId": location_uuid,
        "created": True,
    }


@endpoint("GET", "/cpms/v1/chargers/{uuid}", summary="Charger detail (status, network, location, connectors)")
async def get_charger(call: Call) -> dict[str, Any]:
    charger = await chargers.get_charger(call.ctx, call.path_uuid("uuid"))
    assert charger.id is not None
    (plugs,) = await connectors.connectors_by_charger_id(call.ctx, [charger.id])
    return {
        **_row(charger),
        "maxPowerKw": connectors.rated_kw(charger, plugs),
        "securityProfile": charger.security_profile,
        "lastHeartbeat": iso_z(charger.last_heartbeat),
        "isOnline": is_online(charger.last_heartbeat),
        "connectors": [_connector(c) for c in plugs],
    }


@endpoint(
    "PATCH",
    "/cpms/v1/chargers/{uuid}",
    summary="Update charger details (status, physical reference, floor level, location)",
    body=chargers.ChargerUpdate,
)
async def update_charger(call: Call) -> dict[str, Any]:
    charger_uuid = call.path_uuid("uuid")
    charger = await chargers.update_charger(call.ctx, charger_uuid, await call.body(chargers.ChargerUpdate))
    return {"id": str(charger.uuid), "updated": True}


@endpoint("DELETE", "/cpms/v1/chargers/{uuid}", summary="Soft-delete (decommission) a charger")
async def delete_charger(call: Call) -> dict[str, Any]:
    result = await chargers.delete_charger(call.ctx, call.path_uuid("uuid"))
    return {
        "id": str(result.charger.uuid),
        "deleted": True,
        "deactivatedConnectors": result.connectors,
        "deactivatedAssignments": result.assignments,
    }
