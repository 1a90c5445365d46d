"""The Network type."""

from __future__ import annotations

import strawberry

from domain.models import Network as NetworkRow
from schema.scalars import gid


@strawberry.type(description="A charging network: the tenant that owns locations, chargers and tariffs.")
class Network:
    id: strawberry.ID
    database_id: int
    name: str
    description: str | None
    country: str
    currency: str
    time_zone: str
    is_active: bool

    @classmethod
    def from_row(cls, row: NetworkRow) -> Network:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            name=row.name,
            description=row.description,
            country=row.country,
            currency=row.currency,
            time_zone=row.time_zone,
            is_active=row.is_active,
        )
