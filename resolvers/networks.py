"""Networks the caller reaches, and the batch loader of networks by internal id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from domain.models import Network
from domain.services.tenancy import reachable_networks
from resolvers.context import Context


async def list_networks(ctx: Context) -> list[Network]:
    ctx.principal.require("cpms:networks:read", "emsp:networks:read")
    async with ctx.db.session() as session:
        return await reachable_networks(session, ctx.principal)


async def networks_by_id(ctx: Context, ids: Sequence[int]) -> list[Network | None]:
    async with ctx.db.session() as session:
        rows = (await session.exec(select(Network).where(col(Network.id).in_(list(ids))))).all()
    by_id = {n.id: n for n in rows if n.id is not None and ctx.principal.can_reach(n.id)}
    return [by_id.get(i) for i in ids]
