"""/emsp/v1/locations: published sites for drivers, with charger counts, availability and ratings."""

from __future__ import annotations

from typing import Any

from domain.errors import BadRequest
from domain.services.charger_status import is_online
from domain.types import iso_z, utcnow
from resolvers import location_stats
from resolvers.location_stats import LocationSummary, Point
from rest_compat.endpoint import Call, Param, endpoint

PAGE = [Param("page", "integer", "int32"), Param("pageSize", "integer", "int32")]
NEAR = [
    Param("lat", "number", "double", "Latitude of the driver, for distanceKm."),
    Param("lng", "number", "double", "Longitude of the driver, for distanceKm."),
]


def _coordinate(call: Call, name: str, bound: float) -> float | None:
    raw = call.query_str(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a number", error="invalid_parameter") from exc
    if not -bound <= value <= bound:
        raise BadRequest(f"{name} must be between -{bound:g} and {bound:g}", error="invalid_parameter")
    return value


def _near(call: Call) -> Point | None:
    lat, lng = _coordinate(call, "lat", 90), _coordinate(call, "lng", 180)
    if (lat is None) != (lng is None):
        raise BadRequest("lat and lng go together", error="invalid_parameter")
    return Point(lat, lng) if lat is not None and lng is not None else None


def _base(summary: LocationSummary) -> dict[str, Any]:
    location, stats = summary.location, summary.stats
    return {
        "id": str(location.uuid),
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "state": location.state,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "hasParking": location.has_parking,
        "hasRestrooms": location.has_restrooms,
        "hasWifi": location.has_wifi,
        "phone": location.contact_phone,
        "chargerCount": stats.charger_count,
        "availableCount": stats.available_count,
    }


@endpoint(
    "GET", "/emsp/v1/locations", summary="List locations", params=[*PAGE, Param("city"), Param("q"), *NEAR]
)
async def list_locations(call: Call) -> list[dict[str, Any]]:
    page = await location_stats.list_location_summaries(
        call.ctx, call.page_request(), city=call.query_str("city"), q=call.query_str("q"), near=_near(call)
    )
    return [
        {
            **_base(s),
            "maxPowerKw": s.stats.max_power_kw,
            "connectorTypes": list(s.stats.connector_types),
            "distanceKm": s.distance_km,
        }
        for s in page.items
    ]


@endpoint("GET", "/emsp/v1/locations/{id}", summary="Get a location")
async def get_location(call: Call) -> dict[str, Any]:
    summary = await location_stats.get_location_summary(call.ctx, call.path_uuid("id"))
    location, stats = summary.location, summary.stats
    return {
        **_base(summary),
        "openingHours": location.opening_hours,
        "images": location.images,
        "ratingAverage": float(stats.rating_average) if stats.rating_average is not None else None,
        "ratingCount": stats.rating_count,
    }


@endpoint("GET", "/emsp/v1/locations/{id}/chargers", summary="List chargers at a location")
async def list_location_chargers(call: Call) -> list[dict[str, Any]]:
    found = await location_stats.location_chargers(call.ctx, call.path_uuid("id"))
    now = utcnow()
    return [
        {
            "id": str(charger.uuid),
            "serialNumber": charger.serial_number,
            "status": charger.status,
            "lastHeartbeat": iso_z(charger.last_heartbeat),
            "isOnline": is_online(charger.last_heartbeat, now),
            "connectorCount": len(plugs),
        }
        for charger, plugs in found
    ]
