"""Charging tokens (RFID cards, app identifiers): list, read, issue, invalidate; batch loads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pydantic import Field
from sqlalchemy import ColumnElement, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, not_found
from domain.models import ChargingToken, Network, User
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services.charging_tokens import issue_token
from domain.services.tenancy import reachable
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input
from resolvers.users import load_user

READ = ("emsp:tokens:read",)
WRITE = ("emsp:tokens:write",)


class TokenCreate(Input):
    user_id: UUID
    token_type: str = Field(default="RFID", max_length=12)
    uid: str | None = Field(default=None, max_length=36)
    alias: str | None = Field(default=None, max_length=100)
    expires_at: datetime | None = None


def visible(principal: Principal) -> list[ColumnElement[bool]]:
    """Tokens of the caller's networks; a signed-in driver sees only their own."""
    conditions: list[ColumnElement[bool]] = [reachable(principal, ChargingToken.network_id)]
    if principal.driver_id is not None:
        conditions.append(col(ChargingToken.user_id) == principal.driver_id)
    return conditions


def usable() -> list[ColumnElement[bool]]:
    """Tokens that may authorize charging now: valid and not expired."""
    return [
        col(ChargingToken.valid).is_(True),
        or_(col(ChargingToken.expires_at).is_(None), col(ChargingToken.expires_at) > utcnow()),
    ]


async def _load(session: AsyncSession, principal: Principal, token_uuid: UUID) -> ChargingToken:
    stmt = select(ChargingToken).where(ChargingToken.uuid == token_uuid, *visible(principal))
    token = (await session.exec(stmt)).first()
    if token is None:
        raise not_found("Token")
    return token


async def list_tokens(
    ctx: Context,
    page: PageRequest,
    *,
    user_uuid: UUID | None = None,
    token_type: str | None = None,
    valid: bool | None = None,
) -> Page[ChargingToken]:
    ctx.principal.require(*READ)
    conditions = visible(ctx.principal)
    if user_uuid is not None:
        owner = select(User.id).where(User.uuid == user_uuid).scalar_subquery()
        conditions.append(col(ChargingToken.user_id) == owner)
    if token_type:
        conditions.append(col(ChargingToken.token_type) == token_type.upper())
    if valid is not None:
        conditions.append(col(ChargingToken.valid).is_(valid))
    async with ctx.db.session() as session:
        return await paginate(
            session,
            ChargingToken,
            conditions,
            [col(ChargingToken.created_at).desc(), col(ChargingToken.id).desc()],
            page,
        )


async def get_token(ctx: Context, token_uuid: UUID) -> ChargingToken:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await _load(session, ctx.principal, token_uuid)


async def create_token(ctx: Context, data: TokenCreate) -> ChargingToken:
    """Issue a token to a user of the caller's networks (a signed-in driver: only to themself)."""
    ctx.principal.require(*WRITE)
    try:
        async with ctx.db.unit_of_work() as session:
            user = await load_user(session, ctx.principal, data.user_id)
            network = await session.get(Network, user.network_id)
            if network is None:
                raise not_found("User")
            token = await issue_token(
                session,
                network,
                user,
                token_type=data.token_type.upper(),
                uid=data.uid,
                alias=data.alias,
                expires_at=data.expires_at,
            )
    except IntegrityError as exc:  # a concurrent issue of the same uid
        raise Conflict("A token with this uid already exists", error="token_uid_taken") from exc
    return token


async def invalidate_token(ctx: Context, token_uuid: UUID) -> ChargingToken:
    """Mark the token unusable (kept for the sessions that used it); repeating it changes nothing."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        token = await _load(session, ctx.principal, token_uuid)
        if token.valid or token.invalidated_at is None:
            token.valid = False
            token.invalidated_at = utcnow()
            session.add(token)
    return token


async def tokens_by_id(ctx: Context, ids: Sequence[int]) -> list[ChargingToken | None]:
    async with ctx.db.session() as session:
        stmt = select(ChargingToken).where(col(ChargingToken.id).in_(list(ids)), *visible(ctx.principal))
        rows = (await session.exec(stmt)).all()
    by_id = {r.id: r for r in rows}
    return [by_id.get(i) for i in ids]


async def usable_tokens_by_user(ctx: Context, user_ids: Sequence[int]) -> list[list[ChargingToken]]:
    """Each user's currently usable tokens (valid, not expired), oldest first."""
    async with ctx.db.session() as session:
        stmt = (
            select(ChargingToken)
            .where(col(ChargingToken.user_id).in_(list(user_ids)), *visible(ctx.principal), *usable())
            .order_by(col(ChargingToken.id))
        )
        rows = (await session.exec(stmt)).all()
    grouped: dict[int, list[ChargingToken]] = {i: [] for i in user_ids}
    for row in rows:
        grouped.setdefault(row.user_id, []).append(row)
    return [grouped[i] for i in user_ids]
