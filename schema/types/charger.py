"""The Charger, Connector, ChargerModel and FirmwareImage types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.models import Charger as ChargerRow
from domain.models import ChargerModel as ChargerModelRow
from domain.models import Connector as ConnectorRow
from domain.models import FirmwareImage as FirmwareImageRow
from domain.services.charger_status import is_online, ocpp_case
from resolvers.chargers import chargers_by_id
from resolvers.connectors import connectors_by_charger_id, power_kw, rated_kw
from resolvers.firmware import charger_models_by_id
from resolvers.locations import locations_by_id
from resolvers.networks import networks_by_id
from schema.context import Info
from schema.scalars import gid
from schema.types.location import Location
from schema.types.network import Network


@strawberry.type(description="A charger model of the catalogue.")
class ChargerModel:
    id: strawberry.ID
    database_id: int
    manufacturer: str
    name: str
    max_power_kw: float | None
    ocpp_versions: str

    @classmethod
    def from_row(cls, row: ChargerModelRow) -> ChargerModel:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            manufacturer=row.manufacturer,
            name=row.name,
            max_power_kw=row.max_power_kw,
            ocpp_versions=row.ocpp_versions,
        )


@strawberry.type(description="A firmware image; private to one network when networkDatabaseId is set.")
class FirmwareImage:
    id: strawberry.ID
    database_id: int
    version: str
    file_name: str
    file_url: str
    file_size_bytes: int | None
    release_notes: str | None
    ocpp_version_support: str
    checksum: str | None
    is_latest: bool
    released_at: datetime | None
    created_at: datetime
    network_database_id: int | None
    model_database_id: strawberry.Private[int]

    @strawberry.field
    async def model(self, info: Info) -> ChargerModel | None:
        row = await info.context.loaders.of(charger_models_by_id).load(self.model_database_id)
        return ChargerModel.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: FirmwareImageRow) -> FirmwareImage:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            version=row.version,
            file_name=row.file_name,
            file_url=row.file_url,
            file_size_bytes=row.file_size_bytes,
            release_notes=row.release_notes,
            ocpp_version_support=row.ocpp_version_support,
            checksum=row.checksum,
            is_latest=row.is_latest,
            released_at=row.released_at,
            created_at=row.created_at,
            network_database_id=row.network_id,
            model_database_id=row.charger_model_id,
        )


@strawberry.type(description="A plug of a charger.")
class Connector:
    id: strawberry.ID
    database_id: int
    connector_number: int
    connector_identifier: str
    standard: str
    format: str
    power_type: str
    max_voltage: int | None
    max_amperage: int | None
    max_power_kw: float | None
    status: str = strawberry.field(
        description="OCPP status (Available, Charging, ...), Unknown if never reported."
    )
    error_code: str | None
    last_status_update: datetime | None
    updated_at: datetime | None
    charger_database_id: strawberry.Private[int]

    @strawberry.field
    async def charger(self, info: Info) -> Charger | None:
        row = await info.context.loaders.of(chargers_by_id).load(self.charger_database_id)
        return Charger.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: ConnectorRow) -> Connector:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            connector_number=row.connector_number,
            connector_identifier=row.connector_identifier,
            standard=row.standard,
            format=row.format,
            power_type=row.power_type,
            max_voltage=row.max_voltage,
            max_amperage=row.max_amperage,
            max_power_kw=power_kw(row),
            status=ocpp_case(row.status or "UNKNOWN") or "Unknown",
            error_code=row.error_code,
            last_status_update=row.last_status_update,
            updated_at=row.updated_at,
            charger_database_id=row.charger_id,
        )


@strawberry.type(description="A charge point.")
class Charger:
    id: strawberry.ID
    database_id: int
    uid: str
    evse_id: str
    serial_number: str | None
    status: str = strawberry.field(description="Last OCPP status (Available, Charging, SuspendedEV, ...).")
    error_code: str | None
    is_public: bool
    security_profile: int
    ocpp_version: str | None
    vendor: str | None
    model_name: str | None
    firmware_version: str | None
    physical_reference: str | None
    floor_level: str | None
    last_heartbeat: datetime | None
    is_online: bool = strawberry.field(description="True only if a heartbeat arrived within 5 minutes.")
    created_at: datetime
    updated_at: datetime | None
    row: strawberry.Private[ChargerRow]

    @strawberry.field(description="The charger's live connectors, ordered by number.")
    async def connectors(self, info: Info) -> list[Connector]:
        rows = await info.context.loaders.of(connectors_by_charger_id).load(self.database_id)
        return [Connector.from_row(r) for r in rows]

    @strawberry.field(description="Rated power in kW: the charger's, else its strongest connector's.")
    async def max_power_kw(self, info: Info) -> float | None:
        if self.row.max_power_kw is not None:
            return self.row.max_power_kw
        rows = await info.context.loaders.of(connectors_by_charger_id).load(self.database_id)
        return rated_kw(self.row, rows)

    @strawberry.field
    async def location(self, info: Info) -> Location | None:
        if self.row.location_id is None:
            return None
        row = await info.context.loaders.of(locations_by_id).load(self.row.location_id)
        return Location.from_row(row) if row is not None else None

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        row = await info.context.loaders.of(networks_by_id).load(self.row.network_id)
        return Network.from_row(row) if row is not None else None

    @strawberry.field
    async def model(self, info: Info) -> ChargerModel | None:
        if self.row.charger_model_id is None:
            return None
        row = await info.context.loaders.of(charger_models_by_id).load(self.row.charger_model_id)
        return ChargerModel.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: ChargerRow) -> Charger:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            uid=row.uid,
            evse_id=row.evse_id,
            serial_number=row.serial_number,
            status=ocpp_case(row.status) or "Unknown",
            error_code=row.error_code,
            is_public=row.is_public,
            security_profile=row.security_profile,
            ocpp_version=row.ocpp_version,
            vendor=row.vendor,
            model_name=row.model_name,
            firmware_version=row.firmware_version,
            physical_reference=row.physical_reference,
            floor_level=row.floor_level,
            last_heartbeat=row.last_heartbeat,
            is_online=is_online(row.last_heartbeat),
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )
