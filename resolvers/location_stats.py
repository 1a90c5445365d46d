"""Driver-facing location views: charger counts, availability, power, plug types, ratings and distance.

``location_stats`` is a batch function (one call for a whole page of locations, a fixed number of SQL
statements however many locations there are), usable as a dataloader.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select

from domain.models import Charger, Connector, Location, LocationReview
from domain.paging import Page, PageRequest
from domain.services.charger_status import is_online
from domain.types import utcnow
from resolvers import chargers, locations
from resolvers.connectors import connectors_by_charger_id
from resolvers.context import Context

EARTH_RADIUS_KM = 6371.0088
AVAILABLE = "AVAILABLE"


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class LocationStats:
    charger_count: int = 0
    available_count: int = 0
    """Chargers whose stored status is AVAILABLE and that are online (recent heartbeat)."""
    max_power_kw: float | None = None
    connector_types: tuple[str, ...] = ()
    """Distinct plug standards of the location's connectors, sorted."""
    rating_average: Decimal | None = None
    """Average star rating rounded to one decimal; ``None`` without reviews."""
    rating_count: int = 0


@dataclass(frozen=True)
class LocationSummary:
    location: Location
    stats: LocationStats
    distance_km: float | None = None


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two WGS84 points, in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_km(location: Location, origin: Point | None) -> float | None:
    """Distance from ``origin`` to the location (3 decimals), or ``None`` when either point is unknown."""
    if origin is None or location.latitude is None or location.longitude is None:
        return None
    return round(haversine_km(origin, Point(location.latitude, location.longitude)), 3)


def charger_max_power_kw(charger: Charger, connectors: Sequence[Connector]) -> float | None:
    """The charger's rated power, falling back to its strongest connector when unset."""
    if charger.max_power_kw is not None:
        return charger.max_power_kw
    watts = [c.max_electric_power_w for c in connectors if c.max_electric_power_w is not None]
    return max(watts) / 1000 if watts else None


async def _ratings(ctx: Context, location_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per location: (number of reviews, sum of ratings)."""
    if not location_ids:
        return {}
    stmt = (
        select(LocationReview.location_id, func.count(), func.sum(LocationReview.rating))
        .where(col(LocationReview.location_id).in_(list(location_ids)))
        .group_by(col(LocationReview.location_id))
    )
    async with ctx.db.session() as session:
        rows = (await session.exec(stmt)).all()
    return {location_id: (int(count), int(total or 0)) for location_id, count, total in rows}


def _average(count: int, total: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


async def location_stats(ctx: Context, location_ids: Sequence[int]) -> list[LocationStats]:
    """Stats of many locations in three statements: chargers, their connectors, review aggregates.

    The chargers counted are those the caller sees (driver-facing callers: public ones only).
    """
    per_location = await chargers.chargers_at_location(ctx, location_ids)
    charger_ids = [c.id for group in per_location for c in group if c.id is not None]
    connectors_of: dict[int | None, list[Connector]] = dict(
        zip(charger_ids, await connectors_by_charger_id(ctx, charger_ids), strict=True)
    )
    ratings = await _ratings(ctx, location_ids)
    now = utcnow()
    result: list[LocationStats] = []
    for location_id, group in zip(location_ids, per_location, strict=True):
        powers = [p for c in group if (p := charger_max_power_kw(c, connectors_of[c.id])) is not None]
        types = {conn.standard for c in group for conn in connectors_of[c.id]}
        count, total = ratings.get(location_id, (0, 0))
        result.append(
            LocationStats(
                charger_count=len(group),
                available_count=sum(
                    1 for c in group if c.status == AVAILABLE and is_online(c.last_heartbeat, now)
                ),
                max_power_kw=max(powers) if powers else None,
                connector_types=tuple(sorted(types)),
                rating_average=_average(count, total),
                rating_count=count,
            )
        )
    return result


async def _summaries(ctx: Context, rows: Sequence[Location], near: Point | None) -> list[LocationSummary]:
    ids = [r.id for r in rows if r.id is not None]
    stats = await location_stats(ctx, ids)
    return [LocationSummary(r, s, distance_km(r, near)) for r, s in zip(rows, stats, strict=True)]


async def list_location_summaries(
    ctx: Context,
    page: PageRequest,
    *,
    city: str | None = None,
    q: str | None = None,
    near: Point | None = None,
) -> Page[LocationSummary]:
    """The locations the caller sees, each with its stats and (given ``near``) its distance."""
    found = await locations.list_locations(ctx, page, city=city, q=q)
    return Page(await _summaries(ctx, found.items, near), found.total, found.request)


async def get_location_summary(
    ctx: Context, location_uuid: UUID, *, near: Point | None = None
) -> LocationSummary:
    location = await locations.get_location(ctx, location_uuid)
    return (await _summaries(ctx, [location], near))[0]


async def location_chargers(ctx: Context, location_uuid: UUID) -> list[tuple[Charger, list[Connector]]]:
    """The chargers the caller sees at a visible location, each with its live connectors."""
    ctx.principal.require(*chargers.READ)
    location = await locations.get_location(ctx, location_uuid)
    assert location.id is not None
    (found,) = await chargers.chargers_at_location(ctx, [location.id])
    plugs = await connectors_by_charger_id(ctx, [c.id for c in found if c.id is not None])
    return list(zip(found, plugs, strict=True))
