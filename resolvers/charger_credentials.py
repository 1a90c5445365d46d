"""Charger credentials: set or rotate the HTTP Basic password a charger connects with (shown once)."""

from __future__ import annotations

from uuid import UUID

from domain.services import charger_credentials
from domain.services.charger_credentials import NewPassword
from resolvers import chargers
from resolvers.context import Context

WRITE = chargers.WRITE


async def set_charger_password(ctx: Context, charger_uuid: UUID, password: str | None = None) -> NewPassword:
    """The operator's charger (else 404) gets ``password``, or a random one; returned once."""
    ctx.principal.require(*WRITE)
    async with ctx.db.session() as session:
        charger = await chargers.load(session, ctx.principal, charger_uuid)
    assert charger.id is not None
    return await charger_credentials.set_password(ctx.db, charger.id, password)
