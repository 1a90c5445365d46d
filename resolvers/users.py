"""Users (drivers) of the key's networks: list with search, read, create, change; their charging totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field
from pydantic.networks import validate_email
from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, ValidationFailed, not_found
from domain.models import ChargingSession, Network, Transaction, User
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services.driver_auth import normalize_email
from domain.services.tenancy import reachable, target_network
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("emsp:users:read",)
WRITE = ("emsp:users:write",)
DEFAULT_CURRENCY = "USD"


def _email(value: str) -> str:
    return validate_email(value)[1]


# An email address, checked (pydantic's EmailStr) yet typed ``str``, so GraphQL inputs built from the
# model's annotations (``partial_input``) take it as a String.
Email = Annotated[str, AfterValidator(_email)]


class UserFields(Input):
    phone_number: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=120)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=60)


class UserCreate(UserFields):
    email: Email = Field(max_length=320)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)


class UserUpdate(UserFields):
    email: Email | None = Field(default=None, max_length=320)
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)


REQUIRED_ON_UPDATE = {"email": "email", "first_name": "firstName", "last_name": "lastName"}


@dataclass(frozen=True)
class UserStats:
    """A driver's charging totals over the networks the caller reaches."""

    total_sessions: int = 0
    total_energy_kwh: Decimal = Decimal(0)
    total_spent: Decimal = Decimal(0)
    currency: str = DEFAULT_CURRENCY


def visible(principal: Principal) -> list[ColumnElement[bool]]:
    """Drivers of the caller's networks; a signed-in driver sees only themself."""
    conditions: list[ColumnElement[bool]] = [
        col(User.network_id).is_not(None),
        reachable(principal, User.network_id),
        col(User.is_driver).is_(True),
        col(User.deleted_at).is_(None),
    ]
    if principal.driver_id is not None:
        conditions.append(col(User.id) == principal.driver_id)
    return conditions


async def load_user(session: AsyncSession, principal: Principal, user_uuid: UUID) -> User:
    user = (await session.exec(select(User).where(User.uuid == user_uuid, *visible(principal)))).first()
    if user is None:
        raise not_found("User")
    return user


async def _email_taken(session: AsyncSession, network_id: int | None, email: str, but: int | None) -> bool:
    stmt = select(User.id).where(User.network_id == network_id, User.email == email)
    if but is not None:
        stmt = stmt.where(col(User.id) != but)
    return (await session.exec(stmt)).first() is not None


def _email_conflict() -> Conflict:
    return Conflict("A user with this email already exists in the network", error="email_taken")


async def list_users(ctx: Context, page: PageRequest, *, search: str | None = None) -> Page[User]:
    ctx.principal.require(*READ)
    conditions = visible(ctx.principal)
    if search:
        pattern = f"%{search.strip().lower()}%"
        conditions.append(
            func.lower(User.email).like(pattern)
            | func.lower(User.first_name).like(pattern)
            | func.lower(User.last_name).like(pattern)
            | func.lower(User.first_name + " " + User.last_name).like(pattern)
        )
    async with ctx.db.session() as session:
        return await paginate(
            session, User, conditions, [col(User.created_at).desc(), col(User.id).desc()], page
        )


async def get_user(ctx: Context, user_uuid: UUID) -> User:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await load_user(session, ctx.principal, user_uuid)


async def create_user(ctx: Context, data: UserCreate) -> User:
    """A driver created by the app's back end (no password: they set one through forgot-password)."""
    ctx.principal.require(*WRITE)
    email = normalize_email(data.email)
    try:
        async with ctx.db.unit_of_work() as session:
            network = await target_network(session, ctx.principal, None)
            if await _email_taken(session, network.id, email, None):
                raise _email_conflict()
            user = User(network_id=network.id, **{**data.model_dump(), "email": email})
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # a concurrent create of the same email
        raise _email_conflict() from exc
    return user


async def update_user(ctx: Context, user_uuid: UUID, data: UserUpdate) -> User:
    ctx.principal.require(*WRITE)
    changes = data.given()
    for name, label in REQUIRED_ON_UPDATE.items():
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{label} may not be null", details=[{"field": label, "message": "null"}])
    try:
        async with ctx.db.unit_of_work() as session:
            user = await load_user(session, ctx.principal, user_uuid)
            if "email" in changes:
                email = normalize_email(str(changes["email"]))
                changes["email"] = email
                if await _email_taken(session, user.network_id, email, user.id):
                    raise _email_conflict()
            for name, value in changes.items():
                setattr(user, name, value)
            user.updated_at = utcnow()
            session.add(user)
    except IntegrityError as exc:
        raise _email_conflict() from exc
    return user


async def users_by_id(ctx: Context, ids: Sequence[int]) -> list[User | None]:
    """Batch load for nested fields: the users among ``ids`` the caller may see."""
    async with ctx.db.session() as session:
        stmt = select(User).where(col(User.id).in_(list(ids)), *visible(ctx.principal))
        rows = (await session.exec(stmt)).all()
    by_id = {r.id: r for r in rows}
    return [by_id.get(i) for i in ids]


async def user_uuids_by_id(ctx: Context, ids: Sequence[int]) -> list[UUID | None]:
    """The public UUIDs of users by internal id (owners of tokens, sessions), within the caller's networks."""
    async with ctx.db.session() as session:
        stmt = select(User.id, User.uuid).where(
            col(User.id).in_(list(ids)), reachable(ctx.principal, User.network_id)
        )
        rows = (await session.exec(stmt)).all()
    by_id = dict(rows)
    return [by_id.get(i) for i in ids]


async def user_stats_by_id(ctx: Context, ids: Sequence[int]) -> list[UserStats]:
    """Sessions, energy and spend per user, counted in the networks the caller reaches.

    Energy comes from the sessions (Wh, shown in kWh); spend is what the completed transactions
    charged, less what was refunded, in the currency of the user's network.
    """
    wanted = list(ids)
    async with ctx.db.session() as session:
        sessions = (
            await session.exec(
                select(
                    ChargingSession.user_id,
                    func.count(col(ChargingSession.id)),
                    func.coalesce(func.sum(ChargingSession.energy_wh), 0),
                )
                .where(
                    col(ChargingSession.user_id).in_(wanted),
                    reachable(ctx.principal, ChargingSession.network_id),
                )
                .group_by(col(ChargingSession.user_id))
            )
        ).all()
        spent = (
            await session.exec(
                select(
                    Transaction.user_id,
                    func.sum(Transaction.total),
                    func.sum(Transaction.refunded_amount),
                )
                .where(
                    col(Transaction.user_id).in_(wanted),
                    reachable(ctx.principal, Transaction.network_id),
                )
                .group_by(col(Transaction.user_id))
            )
        ).all()
        currencies = (
            await session.exec(
                select(User.id, Network.currency)
                .join(Network, col(Network.id) == col(User.network_id))
                .where(col(User.id).in_(wanted))
            )
        ).all()
    counted = {user_id: (int(n), int(wh)) for user_id, n, wh in sessions}
    paid = {user_id: (total or Decimal(0)) - (refunded or Decimal(0)) for user_id, total, refunded in spent}
    currency = dict(currencies)
    result = []
    for user_id in wanted:
        n, wh = counted.get(user_id, (0, 0))
        result.append(
            UserStats(
                total_sessions=n,
                total_energy_kwh=Decimal(wh) / 1000,
                total_spent=paid.get(user_id, Decimal(0)),
                currency=currency.get(user_id) or DEFAULT_CURRENCY,
            )
        )
    return result
