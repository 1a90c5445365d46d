"""/cpms/v1/locations: the operator's sites."""

from __future__ import annotations

from typing import Any

from domain.models import Location
from resolvers import locations
from rest_compat.endpoint import Call, Paged, Param, endpoint

PAGE = [Param("page", "integer", "int32"), Param("pageSize", "integer", "int32")]


def _row(location: Location) -> dict[str, Any]:
    return {
        "id": str(location.uuid),
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "state": location.state,
        "country": location.country,
        "networkId": location.network_id,
    }


@endpoint("GET", "/cpms/v1/locations", summary="List the operator's locations/stations", params=PAGE)
async def list_locations(call: Call) -> Paged:
    page = await locations.list_locations(call.ctx, call.page_request())
    return Paged(page, [_row(loc) for loc in page.items], "cpms")


@endpoint(
    "POST", "/cpms/v1/locations", status=201, summary="Create a location/site", body=locations.LocationCreate
)
async def create_location(call: Call) -> dict[str, Any]:
    location = await locations.create_location(call.ctx, await call.body(locations.LocationCreate))
    return {
        "id": str(location.uuid),
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "networkId": location.network_id,
        "created": True,
    }


@endpoint("GET", "/cpms/v1/locations/{id}", summary="Location/site detail")
async def get_location(call: Call) -> dict[str, Any]:
    location = await locations.get_location(call.ctx, call.path_uuid("id"))
    return {**_row(location), "postalCode": location.postal_code}


@endpoint("PUT", "/cpms/v1/locations/{id}", summary="Update a location/site", body=locations.LocationUpdate)
async def update_location(call: Call) -> dict[str, Any]:
    location_uuid = call.path_uuid("id")
    location = await locations.update_location(
        call.ctx, location_uuid, await call.body(locations.LocationUpdate)
    )
    return {"id": str(location.uuid), "updated": True}


@endpoint("DELETE", "/cpms/v1/locations/{id}", summary="Soft-delete a location/site")
async def delete_location(call: Call) -> dict[str, Any]:
    location = await locations.delete_location(call.ctx, call.path_uuid("id"))
    return {"id": str(location.uuid), "deleted": True}
