"""/emsp/v1/reservations: list, reserve a connector, read, cancel."""

from __future__ import annotations

from typing import Any

from domain.types import iso_z
from resolvers import reservations
from rest_compat.endpoint import Call, Param, endpoint


def reservation_out(view: reservations.ReservationView) -> dict[str, Any]:
    row = view.reservation
    return {
        "id": str(row.uuid),
        "chargerId": str(view.charger.uuid) if view.charger is not None else None,
        "chargerName": view.charger_name,
        "connectorNumber": row.connector_number,
        "status": row.status,
        "statusReason": row.status_reason,
        "idTag": row.id_tag,
        "expiryDate": iso_z(row.expires_at),
        "createdAt": iso_z(row.created_at),
        "cancelledAt": iso_z(row.cancelled_at),
    }


@endpoint(
    "GET",
    "/emsp/v1/reservations",
    summary="List reservations, most recently created first",
    params=[
        Param("status", description="Filter the results by status."),
        Param("page", "integer", "int32"),
        Param("pageSize", "integer", "int32"),
    ],
)
async def list_reservations(call: Call) -> list[dict[str, Any]]:
    page = await reservations.list_reservations(
        call.ctx, call.page_request(), status=call.query_str("status")
    )
    return [reservation_out(v) for v in page.items]


@endpoint(
    "POST",
    "/emsp/v1/reservations",
    summary="Reserve a connector (OCPP ReserveNow)",
    body=reservations.ReservationCreate,
)
async def reserve(call: Call) -> dict[str, Any]:
    view = await reservations.reserve(call.ctx, await call.body(reservations.ReservationCreate))
    return reservation_out(view)


@endpoint("GET", "/emsp/v1/reservations/{id}", summary="Get a reservation")
async def get_reservation(call: Call) -> dict[str, Any]:
    return reservation_out(await reservations.get_reservation(call.ctx, call.path_uuid("id")))


@endpoint("DELETE", "/emsp/v1/reservations/{id}", summary="Cancel a reservation (OCPP CancelReservation)")
async def cancel_reservation(call: Call) -> dict[str, Any]:
    return reservation_out(await reservations.cancel_reservation(call.ctx, call.path_uuid("id")))
