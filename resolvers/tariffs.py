"""Tariffs: list, read, create, change, soft-delete; assignments to a network, location, charger or
connector; and the effective tariff of connectors (most specific active assignment wins)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import ValidationFailed, not_found
from domain.models import Charger, Connector, Location, Tariff, TariffAssignment
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services import tariff_lookup
from domain.services.tariff_lookup import LEVELS, in_force
from domain.services.tenancy import reachable, target_network
from domain.types import as_utc, utcnow
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:tariffs:read", "emsp:tariffs:read")
WRITE = ("cpms:tariffs:write",)
READ_ASSIGNMENTS = ("cpms:tariffs:read",)

MAX_AMOUNT = Decimal(1_000_000_000)
"""Well inside the exact range of the scaled-integer ``Amount`` column."""


def _exact(value: object) -> object:
    """JSON numbers become Decimals through their text, never through binary floats."""
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, float | int):
        return Decimal(str(value))
    return value


Amount = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0, le=MAX_AMOUNT)]
Percent = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0, le=100)]
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Instant = Annotated[datetime, AfterValidator(as_utc)]


class TariffFields(Input):
    """Fields a tariff is created with or changed by. Rates: ``energy_rate`` per kWh,
    ``time_rate`` and ``idle_rate`` per hour; fees per session."""

    description: str | None = Field(default=None, max_length=2000)
    energy_rate: Amount | None = None
    time_rate: Amount | None = None
    session_fee: Amount | None = None
    idle_rate: Amount | None = None
    idle_grace_period_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    idle_fee_enabled: bool | None = None
    idle_fee_maximum: Amount | None = None
    peak_hours_start: HourMinute | None = None
    peak_hours_end: HourMinute | None = None
    peak_multiplier: Amount | None = None
    weekend_multiplier: Amount | None = None
    tax_rate: Percent | None = None
    minimum_session_fee: Amount | None = None
    maximum_session_fee: Amount | None = None
    is_free: bool | None = None
    effective_from: Instant | None = None
    effective_to: Instant | None = None


class TariffCreate(TariffFields):
    name: str = Field(min_length=1, max_length=200)
    network_uuid: UUID | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    type: str | None = Field(default=None, pattern=r"^[A-Z][A-Z_]{1,29}$")


class TariffUpdate(TariffFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_active: bool | None = None


class AssignmentCreate(Input):
    """Targets of an assignment; none means the tariff's whole network. The most specific wins."""

    location_uuid: UUID | None = None
    charger_uuid: UUID | None = None
    connector_uuid: UUID | None = None
    priority: int = Field(default=0, ge=-1000, le=1000)


@dataclass(frozen=True)
class TariffDeletion:
    tariff: Tariff
    deactivated_assignments: int


@dataclass(frozen=True)
class Assigned:
    """A new assignment with the targets as the caller named them."""

    assignment: TariffAssignment
    tariff: Tariff
    location_uuid: UUID | None
    charger_uuid: UUID | None
    connector_uuid: UUID | None


def _visible(principal: Principal) -> list[Any]:
    return [reachable(principal, Tariff.network_id), col(Tariff.deleted_at).is_(None)]


def _check_consistency(tariff: Tariff) -> None:
    if (
        tariff.minimum_session_fee is not None
        and tariff.maximum_session_fee is not None
        and tariff.minimum_session_fee > tariff.maximum_session_fee
    ):
        raise ValidationFailed("minimumSessionFee: must not exceed maximumSessionFee")
    if (
        tariff.effective_from is not None
        and tariff.effective_to is not None
        and tariff.effective_from >= tariff.effective_to
    ):
        raise ValidationFailed("effectiveTo: must be later than effectiveFrom")


async def _load(session: AsyncSession, principal: Principal, tariff_uuid: UUID) -> Tariff:
    stmt = select(Tariff).where(Tariff.uuid == tariff_uuid, *_visible(principal))
    tariff = (await session.exec(stmt)).first()
    if tariff is None:
        raise not_found("Tariff")
    return tariff


async def list_tariffs(ctx: Context, page: PageRequest, *, active_only: bool = False) -> Page[Tariff]:
    ctx.principal.require(*READ)
    conditions = _visible(ctx.principal)
    if active_only:
        conditions.extend(in_force(utcnow()))
    async with ctx.db.session() as session:
        return await paginate(session, Tariff, conditions, [col(Tariff.name), col(Tariff.id)], page)


async def get_tariff(ctx: Context, tariff_uuid: UUID) -> Tariff:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await _load(session, ctx.principal, tariff_uuid)


async def create_tariff(ctx: Context, data: TariffCreate) -> Tariff:
    """A tariff on the named network (or the caller's only one), in its currency unless one is given."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, data.network_uuid)
        assert network.id is not None
        fields = {
            name: value
            for name, value in data.model_dump(exclude={"network_uuid", "currency", "type"}).items()
            if value is not None
        }
        tariff = Tariff(
            network_id=network.id,
            currency=data.currency or network.currency,
            type=data.type or "REGULAR",
            **fields,
        )
        _check_consistency(tariff)
        session.add(tariff)
        await session.flush()
    return tariff


async def update_tariff(ctx: Context, tariff_uuid: UUID, data: TariffUpdate) -> Tariff:
    """Change only the fields sent."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        tariff = await _load(session, ctx.principal, tariff_uuid)
        for name, value in data.given().items():
            if value is None and name in ("name", "is_active", "is_free", "idle_fee_enabled"):
                raise ValidationFailed(f"{name}: may not be null")
            if value is None and name == "idle_grace_period_minutes":
                value = 0
            setattr(tariff, name, value)
        _check_consistency(tariff)
        tariff.updated_at = utcnow()
        session.add(tariff)
    return tariff


async def delete_tariff(ctx: Context, tariff_uuid: UUID) -> TariffDeletion:
    """Soft-delete, deactivating the tariff's active assignments in the same unit of work."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        tariff = await _load(session, ctx.principal, tariff_uuid)
        now = utcnow()
        active = (
            await session.exec(
                select(TariffAssignment).where(
                    TariffAssignment.tariff_id == tariff.id, col(TariffAssignment.is_active).is_(True)
                )
            )
        ).all()
        for assignment in active:
            assignment.is_active = False
            assignment.deactivated_at = now
            session.add(assignment)
        tariff.deleted_at = now
        tariff.updated_at = now
        tariff.is_active = False
        session.add(tariff)
    return TariffDeletion(tariff, len(active))


async def _target(session: AsyncSession, model: Any, target_uuid: UUID, kind: str) -> Any:
    row = (
        await session.exec(select(model).where(model.uuid == target_uuid, col(model.deleted_at).is_(None)))
    ).first()
    if row is None:
        raise not_found(kind)
    return row


async def assign_tariff(ctx: Context, tariff_uuid: UUID, data: AssignmentCreate) -> Assigned:
    """Assign at the most specific level named. Every target must be in the tariff's network (404
    otherwise) and the targets must agree with each other (422 otherwise)."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        tariff = await _load(session, ctx.principal, tariff_uuid)
        location: Location | None = None
        charger: Charger | None = None
        connector: Connector | None = None
        connector_charger: Charger | None = None
        if data.location_uuid is not None:
            location = await _target(session, Location, data.location_uuid, "Location")
            if location.network_id != tariff.network_id:
                raise not_found("Location")
        if data.charger_uuid is not None:
            charger = await _target(session, Charger, data.charger_uuid, "Charger")
            if charger.network_id != tariff.network_id:
                raise not_found("Charger")
        if data.connector_uuid is not None:
            connector = await _target(session, Connector, data.connector_uuid, "Connector")
            connector_charger = await session.get(Charger, connector.charger_id)
            if (
                connector_charger is None
                or connector_charger.deleted_at is not None
                or connector_charger.network_id != tariff.network_id
            ):
                raise not_found("Connector")
        if connector is not None and charger is not None and connector.charger_id != charger.id:
            raise ValidationFailed("connectorUuid: the connector is not on that charger")
        if location is not None:
            if charger is not None and charger.location_id != location.id:
                raise ValidationFailed("chargerUuid: the charger is not at that location")
            if connector_charger is not None and connector_charger.location_id != location.id:
                raise ValidationFailed("connectorUuid: the connector is not at that location")
        named = (connector, charger, location)
        level = next(
            (lvl for lvl, target in zip(LEVELS, named, strict=False) if target is not None), "Network"
        )
        assert tariff.id is not None
        assignment = TariffAssignment(
            tariff_id=tariff.id,
            network_id=tariff.network_id,
            level=level,
            location_id=location.id if location is not None else None,
            charger_id=charger.id if charger is not None else None,
            connector_id=connector.id if connector is not None else None,
            priority=data.priority,
        )
        session.add(assignment)
        await session.flush()
    return Assigned(assignment, tariff, data.location_uuid, data.charger_uuid, data.connector_uuid)


async def list_assignments(ctx: Context, tariff_uuid: UUID) -> list[TariffAssignment]:
    """The tariff's active assignments, oldest first."""
    ctx.principal.require(*READ_ASSIGNMENTS)
    async with ctx.db.session() as session:
        tariff = await _load(session, ctx.principal, tariff_uuid)
        stmt = (
            select(TariffAssignment)
            .where(TariffAssignment.tariff_id == tariff.id, col(TariffAssignment.is_active).is_(True))
            .order_by(col(TariffAssignment.id))
        )
        return list((await session.exec(stmt)).all())


async def detach_assignment(ctx: Context, assignment_uuid: UUID) -> TariffAssignment:
    """Deactivate an assignment (detaching one already detached changes nothing)."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        stmt = select(TariffAssignment).where(
            TariffAssignment.uuid == assignment_uuid, reachable(ctx.principal, TariffAssignment.network_id)
        )
        assignment = (await session.exec(stmt)).first()
        if assignment is None:
            raise not_found("Tariff assignment")
        if assignment.is_active:
            assignment.is_active = False
            assignment.deactivated_at = utcnow()
            session.add(assignment)
    return assignment


async def tariffs_by_id(ctx: Context, ids: Sequence[int]) -> list[Tariff | None]:
    async with ctx.db.session() as session:
        rows = (await session.exec(select(Tariff).where(col(Tariff.id).in_(list(ids))))).all()
    by_id = {t.id: t for t in rows if ctx.principal.can_reach(t.network_id)}
    return [by_id.get(i) for i in ids]


async def effective_tariffs(ctx: Context, connector_ids: Sequence[int]) -> list[Tariff | None]:
    """The tariff in force on each connector in the caller's reach (see ``tariff_lookup``)."""
    async with ctx.db.session() as session:
        return await tariff_lookup.effective_tariffs(
            session, connector_ids, reach=reachable(ctx.principal, Charger.network_id)
        )
