"""Driver-facing computed views: location summaries (counts, availability, ratings, distance), the
chargers at a location, and the QR-code charger info with each connector's pricing.

These are the GraphQL twins of /emsp/v1/locations, /emsp/v1/locations/{id}, /emsp/v1/locations/{id}/chargers
and /emsp/v1/chargers/{identifier}/info; they call the same resolvers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain.models import Charger as ChargerRow
from domain.models import Connector as ConnectorRow
from domain.paging import PageRequest
from domain.services.charger_status import is_online
from domain.types import utcnow
from resolvers import charger_info as info_ops
from resolvers import chargers as charger_ops
from resolvers import location_stats as stats_ops
from resolvers import locations as location_ops
from schema.context import Info
from schema.permissions import requires
from schema.scalars import dec, gid
from schema.types.location import Location
from schema.types.network import Network
from schema.types.page import Connection, PageInfo
from schema.types.tariff import Tariff


@strawberry.type(description="A location with what a driver wants to know at a glance.")
class LocationSummary:
    location: Location
    charger_count: int = strawberry.field(description="Chargers the caller sees at the location.")
    available_count: int = strawberry.field(description="Chargers AVAILABLE and online right now.")
    max_power_kw: float | None
    connector_types: list[str] = strawberry.field(description="Distinct plug standards, sorted.")
    rating_average: Decimal | None = strawberry.field(description="Average stars (1-5), one decimal.")
    rating_count: int
    distance_km: float | None = strawberry.field(description="From the given point; null without one.")

    @classmethod
    def of(cls, summary: stats_ops.LocationSummary) -> LocationSummary:
        stats = summary.stats
        return cls(
            location=Location.from_row(summary.location),
            charger_count=stats.charger_count,
            available_count=stats.available_count,
            max_power_kw=stats.max_power_kw,
            connector_types=list(stats.connector_types),
            rating_average=dec(stats.rating_average),
            rating_count=stats.rating_count,
            distance_km=summary.distance_km,
        )


@strawberry.type(description="A charger at a location, with its liveness.")
class LocationCharger:
    id: strawberry.ID
    uid: str
    serial_number: str | None
    status: str
    last_heartbeat: datetime | None
    is_online: bool
    connector_count: int

    @classmethod
    def of(cls, charger: ChargerRow, connectors: list[ConnectorRow], now: datetime) -> LocationCharger:
        return cls(
            id=gid(charger.uuid),
            uid=charger.uid,
            serial_number=charger.serial_number,
            status=charger.status,
            last_heartbeat=charger.last_heartbeat,
            is_online=is_online(charger.last_heartbeat, now),
            connector_count=len(connectors),
        )


@strawberry.type(description="A connector and the tariff in force on it, rates as drivers see them.")
class ConnectorPricing:
    id: strawberry.ID
    connector_number: int
    connector_identifier: str
    standard: str
    format: str
    power_type: str
    max_power_kw: float | None
    status: str
    tariff: Tariff | None
    energy_rate: Decimal | None = strawberry.field(description="Per kWh.")
    time_rate: Decimal | None = strawberry.field(description="Per minute of charging (the hourly rate / 60).")
    session_fee: Decimal | None
    idle_rate: Decimal | None = strawberry.field(description="Per idle minute (the hourly rate / 60).")
    idle_fee_enabled: bool | None
    idle_grace_period_minutes: int | None

    @classmethod
    def of(cls, p: info_ops.ConnectorPricing) -> ConnectorPricing:
        c, t = p.connector, p.tariff
        return cls(
            id=gid(c.uuid),
            connector_number=c.connector_number,
            connector_identifier=c.connector_identifier,
            standard=c.standard,
            format=c.format,
            power_type=c.power_type,
            max_power_kw=p.max_power_kw,
            status=c.status or "UNKNOWN",
            tariff=Tariff.from_row(t) if t is not None else None,
            energy_rate=dec(p.energy_rate),
            time_rate=dec(p.time_rate_per_minute),
            session_fee=dec(p.session_fee),
            idle_rate=dec(p.idle_rate_per_minute),
            idle_fee_enabled=t.idle_fee_enabled if t is not None else None,
            idle_grace_period_minutes=t.idle_grace_period_minutes if t is not None else None,
        )


@strawberry.type(description="What a driver sees on scanning a charger's QR code.")
class ChargerInfo:
    id: strawberry.ID
    uid: str
    name: str
    lookup_code: str
    status: str
    is_online: bool
    latitude: float | None = strawberry.field(description="The site's, else the charger's own.")
    longitude: float | None
    currency: str
    location: Location
    network: Network
    connectors: list[ConnectorPricing]

    @classmethod
    def of(cls, found: info_ops.ChargerInfo) -> ChargerInfo:
        charger = found.charger
        return cls(
            id=gid(charger.uuid),
            uid=charger.uid,
            name=charger.uid,
            lookup_code=charger.lookup_code,
            status=charger.status,
            is_online=found.is_online,
            latitude=found.latitude,
            longitude=found.longitude,
            currency=found.network.currency,
            location=Location.from_row(found.location),
            network=Network.from_row(found.network),
            connectors=[ConnectorPricing.of(p) for p in found.connectors],
        )


def _near(latitude: float | None, longitude: float | None) -> stats_ops.Point | None:
    if latitude is None or longitude is None:
        return None
    return stats_ops.Point(latitude, longitude)


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*location_ops.READ)],
        description="Locations with charger counts, availability, ratings and (given a point) distance.",
    )
    async def location_summaries(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 50,
        city: str | None = None,
        q: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> Connection[LocationSummary]:
        result = await stats_ops.list_location_summaries(
            info.context.ctx,
            PageRequest(page, page_size),
            city=city,
            q=q,
            near=_near(latitude, longitude),
        )
        return Connection(items=[LocationSummary.of(s) for s in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*location_ops.READ)])
    async def location_summary(
        self, info: Info, id: UUID, latitude: float | None = None, longitude: float | None = None
    ) -> LocationSummary:
        found = await stats_ops.get_location_summary(info.context.ctx, id, near=_near(latitude, longitude))
        return LocationSummary.of(found)

    @strawberry.field(
        permission_classes=[requires(*charger_ops.READ)],
        description="The chargers the caller sees at a location, with liveness and connector count.",
    )
    async def location_chargers(self, info: Info, location_id: UUID) -> list[LocationCharger]:
        now = utcnow()
        found = await stats_ops.location_chargers(info.context.ctx, location_id)
        return [LocationCharger.of(c, plugs, now) for c, plugs in found]

    @strawberry.field(
        permission_classes=[requires(*charger_ops.READ)],
        description="A public charger at a published site by UUID, uid or serial, with pricing.",
    )
    async def charger_info(self, info: Info, identifier: str) -> ChargerInfo:
        return ChargerInfo.of(await info_ops.charger_info(info.context.ctx, identifier))
