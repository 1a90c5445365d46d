"""/cpms/v1 connectors: add to a charger, live status, provisioning changes, soft-delete."""

from __future__ import annotations

from typing import Any

from domain.models import Connector
from domain.services.charger_status import is_online, ocpp_case
from domain.types import iso_z
from resolvers import connectors
from rest_compat.endpoint import Call, endpoint


def _provisioning(connector: Connector) -> dict[str, Any]:
    """The provisioning fields shared by the create and update answers."""
    return {
        "standard": connector.standard,
        "format": connector.format,
        "powerType": connector.power_type,
        "maxVoltage": connector.max_voltage,
        "maxAmperage": connector.max_amperage,
        "maxPower": connectors.power_kw(connector),
    }


@endpoint(
    "POST",
    "/cpms/v1/chargers/{uuid}/connectors",
    status=201,
    summary="Add a connector to one of the operator's chargers",
    body=connectors.ConnectorCreate,
)
async def add_connector(call: Call) -> dict[str, Any]:
    charger_uuid = call.path_uuid("uuid")
    state = await connectors.add_connector(
        call.ctx, charger_uuid, await call.body(connectors.ConnectorCreate)
    )
    connector = state.connector
    return {
        "id": str(connector.uuid),
        "chargerId": str(state.charger.uuid),
        "connectorNumber": connector.connector_number,
        **_provisioning(connector),
        "created": True,
    }


@endpoint("GET", "/cpms/v1/connectors/{uuid}/status", summary="Live connector status")
async def connector_status(call: Call) -> dict[str, Any]:
    state = await connectors.connector_state(call.ctx, call.path_uuid("uuid"))
    connector = state.connector
    return {
        "id": str(connector.uuid),
        "number": connector.connector_number,
        "chargerId": str(state.charger.uuid),
        "status": ocpp_case(connector.status) or "UNKNOWN",
        "standard": connector.standard,
        "powerType": connector.power_type,
        "maxPowerKw": connectors.power_kw(connector),
        "chargerOnline": is_online(state.charger.last_heartbeat),
    }


@endpoint(
    "PUT",
    "/cpms/v1/connectors/{connectorUuid}",
    summary="Update a connector's provisioning fields. Scoped to the key's networks.",
    body=connectors.ConnectorUpdate,
)
async def update_connector(call: Call) -> dict[str, Any]:
    connector_uuid = call.path_uuid("connectorUuid")
    state = await connectors.update_connector(
        call.ctx, connector_uuid, await call.body(connectors.ConnectorUpdate)
    )
    connector = state.connector
    return {
        "id": str(connector.uuid),
        "chargerId": str(state.charger.uuid),
        "connectorNumber": connector.connector_number,
        "connectorIdentifier": connector.connector_identifier,
        **_provisioning(connector),
        "status": connector.status,
        "networkId": state.charger.network_id,
        "lastUpdated": iso_z(connector.updated_at or connector.created_at),
    }


@endpoint("DELETE", "/cpms/v1/connectors/{uuid}", summary="Soft-delete a connector")
async def delete_connector(call: Call) -> dict[str, Any]:
    result = await connectors.delete_connector(call.ctx, call.path_uuid("uuid"))
    return {"id": str(result.connector.uuid), "deleted": True, "deactivatedAssignments": result.assignments}
