"""The Location type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.models import Location as LocationRow
from resolvers.networks import networks_by_id
from schema.context import Info
from schema.scalars import gid
from schema.types.network import Network


@strawberry.type(description="A site with chargers.")
class Location:
    id: strawberry.ID
    database_id: int
    name: str
    address: str | None
    city: str | None
    state: str | None
    country: str | None
    postal_code: str | None
    contact_phone: str | None
    timezone: str | None
    latitude: float | None
    longitude: float | None
    has_parking: bool
    has_restrooms: bool
    has_wifi: bool
    is_published: bool
    created_at: datetime
    network_database_id: strawberry.Private[int]

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        row = await info.context.loaders.of(networks_by_id).load(self.network_database_id)
        return Network.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: LocationRow) -> Location:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            name=row.name,
            address=row.address,
            city=row.city,
            state=row.state,
            country=row.country,
            postal_code=row.postal_code,
            contact_phone=row.contact_phone,
            timezone=row.timezone,
            latitude=row.latitude,
            longitude=row.longitude,
            has_parking=row.has_parking,
            has_restrooms=row.has_restrooms,
            has_wifi=row.has_wifi,
            is_published=row.is_published,
            created_at=row.created_at,
            network_database_id=row.network_id,
        )
