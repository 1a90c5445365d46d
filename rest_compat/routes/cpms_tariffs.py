"""/cpms/v1/tariffs: the operator's tariffs and where they apply (time and idle rates per hour)."""

from __future__ import annotations

from typing import Any

from domain.models import Tariff, TariffAssignment
from domain.types import iso_z, money_out
from resolvers import tariffs
from resolvers.networks import networks_by_id
from rest_compat.endpoint import Call, Paged, Param, endpoint

PAGE = [Param("page", "integer", "int32"), Param("pageSize", "integer", "int32")]
RATE_PLACES = 4
FEE_PLACES = 2


def _row(tariff: Tariff) -> dict[str, Any]:
    return {
        "id": str(tariff.uuid),
        "name": tariff.name,
        "type": tariff.type,
        "currency": tariff.currency,
        "energyRate": money_out(tariff.energy_rate, RATE_PLACES),
        "timeRate": money_out(tariff.time_rate, RATE_PLACES),
        "idleRate": money_out(tariff.idle_rate, RATE_PLACES),
        "isFree": tariff.is_free,
    }


def _assignment(assignment: TariffAssignment) -> dict[str, Any]:
    return {
        "assignmentId": str(assignment.uuid),
        "level": assignment.level,
        "locationId": assignment.location_id,
        "chargerId": assignment.charger_id,
        "connectorId": assignment.connector_id,
        "startDate": iso_z(assignment.start_date),
        "priority": assignment.priority,
    }


@endpoint("GET", "/cpms/v1/tariffs", summary="List the operator's tariffs", params=PAGE)
async def list_tariffs(call: Call) -> Paged:
    page = await tariffs.list_tariffs(call.ctx, call.page_request())
    return Paged(page, [_row(t) for t in page.items], "cpms")


@endpoint(
    "POST",
    "/cpms/v1/tariffs",
    status=201,
    summary="Create a new tariff on one of the operator's networks",
    body=tariffs.TariffCreate,
)
async def create_tariff(call: Call) -> dict[str, Any]:
    tariff = await tariffs.create_tariff(call.ctx, await call.body(tariffs.TariffCreate))
    (network,) = await networks_by_id(call.ctx, [tariff.network_id])
    return {
        "id": str(tariff.uuid),
        "name": tariff.name,
        "currency": tariff.currency,
        "networkId": str(network.uuid) if network is not None else None,
        "created": True,
    }


@endpoint("GET", "/cpms/v1/tariffs/{id}", summary="Tariff detail (rates, currency)")
async def get_tariff(call: Call) -> dict[str, Any]:
    tariff = await tariffs.get_tariff(call.ctx, call.path_uuid("id"))
    return {**_row(tariff), "sessionFee": money_out(tariff.session_fee, FEE_PLACES)}


@endpoint(
    "PUT",
    "/cpms/v1/tariffs/{tariffUuid}",
    summary="Update tariff pricing and fields",
    body=tariffs.TariffUpdate,
)
async def update_tariff(call: Call) -> dict[str, Any]:
    tariff_uuid = call.path_uuid("tariffUuid")
    tariff = await tariffs.update_tariff(call.ctx, tariff_uuid, await call.body(tariffs.TariffUpdate))
    return {"id": str(tariff.uuid), "updated": True}


@endpoint(
    "DELETE",
    "/cpms/v1/tariffs/{tariffUuid}",
    summary="Soft-delete a tariff (cascade-deactivates its assignments)",
)
async def delete_tariff(call: Call) -> dict[str, Any]:
    deletion = await tariffs.delete_tariff(call.ctx, call.path_uuid("tariffUuid"))
    return {
        "id": str(deletion.tariff.uuid),
        "deleted": True,
        "deactivatedAssignments": deletion.deactivated_assignments,
    }


@endpoint(
    "POST",
    "/cpms/v1/tariffs/{tariffUuid}/assign",
    status=201,
    summary="Assign a tariff to a network, location, charger, or connector",
    body=tariffs.AssignmentCreate,
)
async def assign_tariff(call: Call) -> dict[str, Any]:
    tariff_uuid = call.path_uuid("tariffUuid")
    assigned = await tariffs.assign_tariff(call.ctx, tariff_uuid, await call.body(tariffs.AssignmentCreate))
    return {
        "assignmentId": str(assigned.assignment.uuid),
        "tariffId": str(assigned.tariff.uuid),
        "level": assigned.assignment.level,
        "locationUuid": str(assigned.location_uuid) if assigned.location_uuid else None,
        "chargerUuid": str(assigned.charger_uuid) if assigned.charger_uuid else None,
        "connectorUuid": str(assigned.connector_uuid) if assigned.connector_uuid else None,
        "assigned": True,
    }


@endpoint("GET", "/cpms/v1/tariffs/{tariffUuid}/assignments", summary="List active assignments for a tariff")
async def list_assignments(call: Call) -> list[dict[str, Any]]:
    rows = await tariffs.list_assignments(call.ctx, call.path_uuid("tariffUuid"))
    return [_assignment(a) for a in rows]


@endpoint(
    "DELETE",
    "/cpms/v1/tariffs/assignments/{assignmentId}",
    summary="Detach (deactivate) a tariff assignment",
)
async def detach_assignment(call: Call) -> dict[str, Any]:
    assignment = await tariffs.detach_assignment(call.ctx, call.path_uuid("assignmentId"))
    return {"assignmentId": str(assignment.uuid), "detached": True}
