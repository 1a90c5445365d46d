"""A network's public branding (name, logos, colours, legal links) for white-label apps."""

from __future__ import annotations

from uuid import UUID

from domain.models import Network
from domain.services.tenancy import network_by_uuid
from resolvers.context import Context

READ = ("emsp:networks:read", "cpms:settings:read")


async def get_branding(ctx: Context, network_uuid: UUID) -> Network:
    """The network must be one the caller reaches; any other is a 404."""
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await network_by_uuid(session, ctx.principal, network_uuid)
