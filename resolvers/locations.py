"""Locations: list, read, create, change, soft-delete; batch loading by internal id."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pydantic import Field
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, not_found
from domain.models import Charger, Location
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services.tenancy import reachable, target_network
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:locations:read", "emsp:locations:read")
WRITE = ("cpms:locations:write",)


class LocationFields(Input):
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=60)
    postal_code: str | None = Field(default=None, max_length=20)
    contact_phone: str | None = Field(default=None, max_length=50)
    timezone: str | None = Field(default=None, max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class LocationCreate(LocationFields):
    name: str = Field(min_length=1, max_length=200)
    network_uuid: UUID | None = None


class LocationUpdate(LocationFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)


def visible(principal: Principal) -> list[object]:
    """Driver-facing callers (emsp keys, drivers) see only published locations."""
    conditions: list[object] = [reachable(principal, Location.network_id), col(Location.deleted_at).is_(None)]
    if principal.family == "emsp":
        conditions.append(col(Location.is_published).is_(True))
    return conditions


async def _load(session: AsyncSession, principal: Principal, location_uuid: UUID) -> Location:
    stmt = select(Location).where(Location.uuid == location_uuid, *visible(principal))  # type: ignore[arg-type]
    location = (await session.exec(stmt)).first()
    if location is None:
        raise not_found("Location")
    return location


async def list_locations(
    ctx: Context, page: PageRequest, *, city: str | None = None, q: str | None = None
) -> Page[Location]:
    ctx.principal.require(*READ)
    conditions = visible(ctx.principal)
    if city:
        conditions.append(func.lower(Location.city) == city.lower())
    if q:
        pattern = f"%{q.lower()}%"
        conditions.append(
            func.lower(Location.name).like(pattern)
            | func.lower(func.coalesce(Location.address, "")).like(pattern)
            | func.lower(func.coalesce(Location.city, "")).like(pattern)
        )
    async with ctx.db.session() as session:
        return await paginate(session, Location, conditions, [col(Location.name), col(Location.id)], page)


async def get_location(ctx: Context, location_uuid: UUID) -> Location:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await _load(session, ctx.principal, location_uuid)


async def create_location(ctx: Context, data: LocationCreate) -> Location:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, data.network_uuid)
        assert network.id is not None
        fields = data.model_dump(exclude={"network_uuid"})
        location = Location(network_id=network.id, **fields)
        session.add(location)
        await session.flush()
    return location


async def update_location(ctx: Context, location_uuid: UUID, data: LocationUpdate) -> Location:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        location = await _load(session, ctx.principal, location_uuid)
        for name, value in data.given().items():
            setattr(location, name, value)
        location.updated_at = utcnow()
        session.add(location)
    return location


async def delete_location(ctx: Context, location_uuid: UUID) -> Location:
    """Soft-delete; refused (409) while chargers are attached."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        location = await _load(session, ctx.principal, location_uuid)
        attached = (
            await session.exec(
                select(func.count())
                .select_from(Charger)
                .where(Charger.location_id == location.id, col(Charger.deleted_at).is_(None))
            )
        ).one()
        if attached:
            raise Conflict(
                f"The location still has {attached} charger(s) attached", error="location_has_chargers"
            )
        location.deleted_at = utcnow()
        session.add(location)
    return location


async def locations_by_id(ctx: Context, ids: Sequence[int]) -> list[Location | None]:
    async with ctx.db.session() as session:
        rows = (await session.exec(select(Location).where(col(Location.id).in_(list(ids))))).all()
    by_id = {r.id: r for r in rows if ctx.principal.can_reach(r.network_id)}
    return [by_id.get(i) for i in ids]
