"""Reservations: list, read, reserve a connector, cancel (drivers: their own; emsp keys: their networks)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pydantic import Field
from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import Verdict
from domain.errors import ValidationFailed, not_found
from domain.models import Charger, ChargingToken, Reservation
from domain.paging import Page, PageRequest
from domain.principal import Principal
from domain.services import reservations as service
from domain.services.tenancy import reachable
from resolvers import chargers
from resolvers.charging_tokens import usable
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("emsp:charging:read",)
CONTROL = ("emsp:charging:control",)


class ReservationCreate(Input):
    charger_id: UUID
    connector_number: int = 1
    id_tag: str | None = Field(default=None, max_length=36)
    expiry_minutes: int = service.DEFAULT_EXPIRY_MINUTES


@dataclass(frozen=True)
class ReservationView:
    reservation: Reservation
    charger: Charger | None
    verdict: Verdict | None = None

    @property
    def charger_name(self) -> str | None:
        """The charger's serial number, falling back to its OCPP identity."""
        if self.charger is None:
            return None
        return self.charger.serial_number or self.charger.uid


def visible(principal: Principal) -> list[ColumnElement[bool]]:
    """Reservations of the caller's networks; a signed-in driver sees only their own."""
    conditions = [reachable(principal, Reservation.network_id)]
    if principal.driver_id is not None:
        conditions.append(col(Reservation.user_id) == principal.driver_id)
    return conditions


async def _load(session: AsyncSession, principal: Principal, reservation_uuid: UUID) -> ReservationView:
    stmt = (
        select(Reservation, Charger)
        .join(Charger, col(Charger.id) == col(Reservation.charger_id), isouter=True)
        .where(Reservation.uuid == reservation_uuid, *visible(principal))
    )
    found = (await session.exec(stmt)).first()
    if found is None:
        raise not_found("Reservation")
    return ReservationView(found[0], found[1])


async def list_reservations(
    ctx: Context, page: PageRequest, *, status: str | None = None
) -> Page[ReservationView]:
    """Most recently created first."""
    ctx.principal.require(*READ)
    conditions = visible(ctx.principal)
    if status:
        conditions.append(func.lower(Reservation.status) == status.strip().lower())
    async with ctx.db.session() as session:
        total = (await session.exec(select(func.count()).select_from(Reservation).where(*conditions))).one()
        rows = (
            await session.exec(
                select(Reservation, Charger)
                .join(Charger, col(Charger.id) == col(Reservation.charger_id), isouter=True)
                .where(*conditions)
                .order_by(col(Reservation.created_at).desc(), col(Reservation.id).desc())
                .offset(page.offset)
                .limit(page.page_size)
            )
        ).all()
    return Page([ReservationView(r, c) for r, c in rows], int(total), page)


async def get_reservation(ctx: Context, reservation_uuid: UUID) -> ReservationView:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await _load(session, ctx.principal, reservation_uuid)


def _invalid_tag(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": "idTag", "message": message}])


async def _token(
    session: AsyncSession, principal: Principal, charger: Charger, id_tag: str | None
) -> ChargingToken:
    """The token the reservation is bound to: a driver's own (default their first active one); for an
    API key, an active token of the charger's network."""
    conditions: list[ColumnElement[bool]] = [*usable(), col(ChargingToken.network_id) == charger.network_id]
    if principal.driver_id is not None:
        conditions.append(col(ChargingToken.user_id) == principal.driver_id)
    elif id_tag is None:
        raise _invalid_tag("idTag is required")
    if id_tag is not None:
        conditions.append(func.upper(ChargingToken.uid) == id_tag.strip().upper())
    stmt = (
        select(ChargingToken)
        .where(*conditions)
        .order_by(col(ChargingToken.created_at), col(ChargingToken.id))
    )
    token = (await session.exec(stmt)).first()
    if token is not None:
        return token
    if id_tag is None:
        raise _invalid_tag("You have no active charging token for this network")
    if principal.driver_id is not None:
        raise _invalid_tag("idTag is not one of your active charging tokens for this network")
    raise _invalid_tag("idTag is not an active charging token of this charger's network")


async def reserve(ctx: Context, data: ReservationCreate) -> ReservationView:
    """Hold a connector for a token (OCPP ReserveNow); the charger's verdict decides the status."""
    ctx.principal.require(*CONTROL)
    async with ctx.db.session() as session:
        charger = await chargers.load(session, ctx.principal, data.charger_id)
        token = await _token(session, ctx.principal, charger, data.id_tag)
    assert charger.id is not None
    request = service.ReservationRequest(
        network_id=charger.network_id,
        charger_id=charger.id,
        charger_uid=charger.uid,
        connector_number=data.connector_number,
        id_tag=token.uid,
        charging_token_id=token.id,
        user_id=token.user_id,
        expiry_minutes=data.expiry_minutes,
    )
    outcome = await service.reserve(ctx.db, ctx.services.commands, request)
    return ReservationView(outcome.reservation, charger, outcome.verdict)


async def cancel_reservation(ctx: Context, reservation_uuid: UUID) -> ReservationView:
    """Cancel (OCPP CancelReservation when the charger held it); cancelling again changes nothing."""
    ctx.principal.require(*CONTROL)
    async with ctx.db.session() as session:
        view = await _load(session, ctx.principal, reservation_uuid)
    assert view.reservation.id is not None
    uid = view.charger.uid if view.charger is not None else ""
    outcome = await service.cancel(ctx.db, ctx.services.commands, view.reservation.id, uid)
    return ReservationView(outcome.reservation, view.charger, outcome.verdict)
