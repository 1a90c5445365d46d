"""The caller's own context: how many networks it reaches, its concrete scopes, its key's class."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from domain.errors import Unauthorized
from domain.models import Network
from domain.principal import ANONYMOUS
from domain.scopes import expand
from domain.services.tenancy import reachable
from resolvers.context import Context


@dataclass(frozen=True)
class Me:
    accessible_network_count: int
    scopes: list[str]
    key_type: str | None
    """The key's visibility class (Private, Publishable); ``None`` for a driver without a key."""
    unrestricted: bool


async def me(ctx: Context) -> Me:
    """Any authenticated caller may read its own context; no scope is needed for that."""
    principal = ctx.principal
    if principal == ANONYMOUS:
        raise Unauthorized("Authentication required: send X-API-Key or a driver bearer token")
    async with ctx.db.session() as session:
        count = (
            await session.exec(
                select(func.count())
                .select_from(Network)
                .where(reachable(principal, Network.id), col(Network.deleted_at).is_(None))
            )
        ).one()
    return Me(
        accessible_network_count=int(count),
        scopes=expand(principal.scopes),
        key_type=principal.key_visibility,
        unrestricted=principal.unrestricted,
    )
