"""Chargers: list, find, read, register, change, decommission; batch loading by id and by location."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pydantic import Field, field_validator
from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import ValidationFailed, not_found
from domain.models import Charger, ChargerModel, Connector, Location, Network, TariffAssignment
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services import chargers as registration
from domain.services.charger_status import CHARGER_STATUSES, normalize
from domain.services.tenancy import reachable, target_network
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:chargers:read", "emsp:chargers:read")
WRITE = ("cpms:chargers:write",)


def _status(value: str | None) -> str | None:
    if value is None:
        return None
    stored = normalize(value)
    if stored not in CHARGER_STATUSES:
        raise ValueError(f"unknown charger status {value!r}")
    return stored


class ChargerCreate(Input):
    serial: str = Field(min_length=1, max_length=48)
    network_uuid: UUID | None = None
    location_uuid: UUID | None = None
    model_uuid: UUID | None = None
    status: str | None = Field(default=None, max_length=20)
    firmware_version: str | None = Field(default=None, max_length=60)
    ocpp_version: str | None = Field(default=None, max_length=8)

    _check_status = field_validator("status")(_status)


class ChargerUpdate(Input):
    status: str | None = Field(default=None, max_length=20)
    physical_reference: str | None = Field(default=None, max_length=100)
    floor_level: str | None = Field(default=None, max_length=20)
    location_uuid: UUID | None = None

    _check_status = field_validator("status")(_status)


@dataclass(frozen=True)
class Decommissioned:
    charger: Charger
    connectors: int
    assignments: int


def visible(principal: Principal) -> list[object]:
    """Live chargers of reachable networks; driver-facing callers: public ones at published sites."""
    conditions: list[object] = [reachable(principal, Charger.network_id), col(Charger.deleted_at).is_(None)]
    if principal.family == "emsp":
        published = select(Location.id).where(
            col(Location.is_published).is_(True), col(Location.deleted_at).is_(None)
        )
        conditions.append(col(Charger.is_public).is_(True))
        conditions.append(col(Charger.location_id).in_(published))
    return conditions


async def load(session: AsyncSession, principal: Principal, charger_uuid: UUID) -> Charger:
    """The visible charger with this UUID, else 404 (another tenant's included)."""
    stmt = select(Charger).where(Charger.uuid == charger_uuid, *visible(principal))  # type: ignore[arg-type]
    charger = (await session.exec(stmt)).first()
    if charger is None:
        raise not_found("Charger")
    return charger


async def _location(session: AsyncSession, principal: Principal, location_uuid: UUID) -> Location:
    stmt = select(Location).where(
        Location.uuid == location_uuid,
        reachable(principal, Location.network_id),
        col(Location.deleted_at).is_(None),
    )
    location = (await session.exec(stmt)).first()
    if location is None:
        raise not_found("Location")
    return location


async def _references(
    session: AsyncSession, principal: Principal, data: ChargerCreate
) -> tuple[Network, int | None, ChargerModel | None]:
    """The network, location id and model a new charger names; each must be reachable (else 404)."""
    network = await target_network(session, principal, data.network_uuid)
    location_id: int | None = None
    if data.location_uuid is not None:
        location = await _location(session, principal, data.location_uuid)
        if location.network_id != network.id:
            raise ValidationFailed(
                "locationUuid: the location belongs to another network", error="location_network_mismatch"
            )
        location_id = location.id
    model: ChargerModel | None = None
    if data.model_uuid is not None:
        model = (await session.exec(select(ChargerModel).where(ChargerModel.uuid == data.model_uuid))).first()
        if model is None:
            raise not_found("Charger model")
    return network, location_id, model


async def list_chargers(
    ctx: Context,
    page: PageRequest,
    *,
    status: str | None = None,
    location_uuid: UUID | None = None,
    is_public: bool | None = None,
) -> Page[Charger]:
    ctx.principal.require(*READ)
    conditions = visible(ctx.principal)
    if status:
        conditions.append(Charger.status == normalize(status))
    if is_public is not None:
        conditions.append(col(Charger.is_public).is_(is_public))
    async with ctx.db.session() as session:
        if location_uuid is not None:
            located = select(Location.id).where(Location.uuid == location_uuid)
            conditions.append(col(Charger.location_id).in_(located))
        return await paginate(session, Charger, conditions, [col(Charger.uid), col(Charger.id)], page)


async def get_charger(ctx: Context, charger_uuid: UUID) -> Charger:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await load(session, ctx.principal, charger_uuid)


async def find_charger(ctx: Context, identifier: str) -> Charger:
    """A visible charger by UUID, OCPP identity (uid) or serial number (uid wins over serial)."""
    ctx.principal.require(*READ)
    identifier = identifier.strip()
    try:
        as_uuid: UUID | None = UUID(identifier)
    except ValueError:
        as_uuid = None
    async with ctx.db.session() as session:
        if as_uuid is not None:
            stmt = select(Charger).where(Charger.uuid == as_uuid, *visible(ctx.principal))  # type: ignore[arg-type]
            found = (await session.exec(stmt)).first()
            if found is not None:
                return found
        stmt = (
            select(Charger)
            .where(
                or_(col(Charger.uid) == identifier, col(Charger.serial_number) == identifier),
                *visible(ctx.principal),  # type: ignore[arg-type]
            )
            .order_by((col(Charger.uid) == identifier).desc(), col(Charger.id))
        )
        charger = (await session.exec(stmt)).first()
    if charger is None:
        raise not_found("Charger")
    return charger


async def create_charger(ctx: Context, data: ChargerCreate) -> Charger:
    """Register a charger: its OCPP identity is the serial; an EVSE id and a lookup code are generated."""
    ctx.principal.require(*WRITE)
    try:
        async with ctx.db.unit_of_work() as session:
            network, location_id, model = await _references(session, ctx.principal, data)
            charger = await registration.register(
                session,
                network,
                data.serial,
                location_id=location_id,
                model=model,
                status=data.status,
                firmware_version=data.firmware_version,
                ocpp_version=data.ocpp_version,
            )
    except IntegrityError as exc:  # a concurrent registration of the same uid
        raise registration.uid_taken(data.serial) from exc
    return charger


async def update_charger(ctx: Context, charger_uuid: UUID, data: ChargerUpdate) -> Charger:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        charger = await load(session, ctx.principal, charger_uuid)
        given = data.given()
        if "location_uuid" in given:
            location_uuid = given.pop("location_uuid")
            if location_uuid is None:
                charger.location_id = None
            else:
                assert isinstance(location_uuid, UUID)
                location = await _location(session, ctx.principal, location_uuid)
                if location.network_id != charger.network_id:
                    raise ValidationFailed(
                        "locationUuid: the location belongs to another network",
                        error="location_network_mismatch",
                    )
                charger.location_id = location.id
        if given.get("status") is None:
            given.pop("status", None)
        for name, value in given.items():
            setattr(charger, name, value)
        charger.updated_at = utcnow()
        session.add(charger)
    return charger


async def delete_charger(ctx: Context, charger_uuid: UUID) -> Decommissioned:
    """Soft-delete the charger and its connectors; deactivate tariff assignments pointing at either."""
    ctx.principal.require(*WRITE)
    now = utcnow()
    async with ctx.db.unit_of_work() as session:
        charger = await load(session, ctx.principal, charger_uuid)
        connector_ids = list(
            (
                await session.exec(
                    select(Connector.id).where(
                        Connector.charger_id == charger.id, col(Connector.deleted_at).is_(None)
                    )
                )
            ).all()
        )
        if connector_ids:
            await session.exec(
                update(Connector)
                .where(col(Connector.id).in_(connector_ids))
                .values(deleted_at=now, updated_at=now)
            )
        targets: list[ColumnElement[bool]] = [col(TariffAssignment.charger_id) == charger.id]
        if connector_ids:
            targets.append(col(TariffAssignment.connector_id).in_(connector_ids))
        assignment_ids = list(
            (
                await session.exec(
                    select(TariffAssignment.id).where(
                        or_(*targets), col(TariffAssignment.is_active).is_(True)
                    )
                )
            ).all()
        )
        if assignment_ids:
            await session.exec(
                update(TariffAssignment)
                .where(col(TariffAssignment.id).in_(assignment_ids))
                .values(is_active=False, deactivated_at=now)
            )
        charger.deleted_at = now
        charger.updated_at = now
        session.add(charger)
    return Decommissioned(charger, len(connector_ids), len(assignment_ids))


async def chargers_by_id(ctx: Context, ids: Sequence[int]) -> list[Charger | None]:
    """Chargers by internal id (deleted ones included, for history); other tenants' are None."""
    async with ctx.db.session() as session:
        rows = (await session.exec(select(Charger).where(col(Charger.id).in_(list(ids))))).all()
    by_id = {r.id: r for r in rows if ctx.principal.can_reach(r.network_id)}
    return [by_id.get(i) for i in ids]


async def chargers_at_location(ctx: Context, location_ids: Sequence[int]) -> list[list[Charger]]:
    """The visible chargers of each location, by uid."""
    async with ctx.db.session() as session:
        stmt = (
            select(Charger)
            .where(col(Charger.location_id).in_(list(location_ids)), *visible(ctx.principal))  # type: ignore[arg-type]
            .order_by(col(Charger.uid), col(Charger.id))
        )
        rows = (await session.exec(stmt)).all()
    grouped: dict[int, list[Charger]] = {i: [] for i in location_ids}
    for row in rows:
        if row.location_id is not None:
            grouped.setdefault(row.location_id, []).append(row)
    return [grouped[i] for i in location_ids]
