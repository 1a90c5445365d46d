"""The Tariff and TariffAssignment types (exact Decimal rates; time and idle rates per hour)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.models import Tariff as TariffRow
from domain.models import TariffAssignment as AssignmentRow
from resolvers.locations import locations_by_id
from resolvers.networks import networks_by_id
from resolvers.tariffs import tariffs_by_id
from schema.context import Info
from schema.scalars import dec, gid
from schema.types.location import Location
from schema.types.network import Network


@strawberry.type(description="What charging costs: energy per kWh, time and idle per hour, fees per session.")
class Tariff:
    id: strawberry.ID
    database_id: int
    name: str
    description: str | None
    type: str
    currency: str
    energy_rate: Decimal | None = strawberry.field(description="Price per kWh.")
    time_rate: Decimal | None = strawberry.field(description="Price per hour of charging time.")
    idle_rate: Decimal | None = strawberry.field(description="Idle fee per hour after the grace period.")
    session_fee: Decimal | None
    idle_grace_period_minutes: int
    idle_fee_enabled: bool
    idle_fee_maximum: Decimal | None
    peak_hours_start: str | None
    peak_hours_end: str | None
    peak_multiplier: Decimal | None
    weekend_multiplier: Decimal | None
    tax_rate: Decimal | None = strawberry.field(description="Tax on the session total, in percent.")
    minimum_session_fee: Decimal | None
    maximum_session_fee: Decimal | None
    is_free: bool
    is_active: bool
    effective_from: datetime | None
    effective_to: datetime | None
    created_at: datetime
    updated_at: datetime | None
    network_database_id: strawberry.Private[int]

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        row = await info.context.loaders.of(networks_by_id).load(self.network_database_id)
        return Network.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: TariffRow) -> Tariff:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            name=row.name,
            description=row.description,
            type=row.type,
            currency=row.currency,
            energy_rate=dec(row.energy_rate),
            time_rate=dec(row.time_rate),
            idle_rate=dec(row.idle_rate),
            session_fee=dec(row.session_fee),
            idle_grace_period_minutes=row.idle_grace_period_minutes,
            idle_fee_enabled=row.idle_fee_enabled,
            idle_fee_maximum=dec(row.idle_fee_maximum),
            peak_hours_start=row.peak_hours_start,
            peak_hours_end=row.peak_hours_end,
            peak_multiplier=dec(row.peak_multiplier),
            weekend_multiplier=dec(row.weekend_multiplier),
            tax_rate=dec(row.tax_rate),
            minimum_session_fee=dec(row.minimum_session_fee),
            maximum_session_fee=dec(row.maximum_session_fee),
            is_free=row.is_free,
            is_active=row.is_active,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            created_at=row.created_at,
            updated_at=row.updated_at,
            network_database_id=row.network_id,
        )


@strawberry.type(description="Where a tariff applies: a network, location, charger or connector.")
class TariffAssignment:
    id: strawberry.ID
    database_id: int
    level: str = strawberry.field(description="Network, Location, Charger or Connector.")
    location_database_id: int | None
    charger_database_id: int | None
    connector_database_id: int | None
    start_date: datetime
    end_date: datetime | None
    priority: int
    is_active: bool
    deactivated_at: datetime | None
    tariff_database_id: strawberry.Private[int]

    @strawberry.field
    async def tariff(self, info: Info) -> Tariff | None:
        row = await info.context.loaders.of(tariffs_by_id).load(self.tariff_database_id)
        return Tariff.from_row(row) if row is not None else None

    @strawberry.field
    async def location(self, info: Info) -> Location | None:
        if self.location_database_id is None:
            return None
        row = await info.context.loaders.of(locations_by_id).load(self.location_database_id)
        return Location.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: AssignmentRow) -> TariffAssignment:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            level=row.level,
            location_database_id=row.location_id,
            charger_database_id=row.charger_id,
            connector_database_id=row.connector_id,
            start_date=row.start_date,
            end_date=row.end_date,
            priority=row.priority,
            is_active=row.is_active,
            deactivated_at=row.deactivated_at,
            tariff_database_id=row.tariff_id,
        )
