"""The caller's own context, the networks it reaches, and its API usage."""

from __future__ import annotations

import strawberry

from resolvers import account as account_ops
from resolvers import networks as network_ops
from resolvers import usage as usage_ops
from schema.context import Info
from schema.permissions import requires
from schema.types.account import ApiUsage, Me
from schema.types.network import Network


@strawberry.type
class Query:
    @strawberry.field(description="The calling credential's context: networks reached, scopes, key class.")
    async def me(self, info: Info) -> Me:
        return Me.from_result(await account_ops.me(info.context.ctx))

    @strawberry.field(
        permission_classes=[requires("cpms:networks:read", "emsp:networks:read")],
        description="The networks the caller may reach.",
    )
    async def networks(self, info: Info) -> list[Network]:
        return [Network.from_row(n) for n in await network_ops.list_networks(info.context.ctx)]

    @strawberry.field(
        permission_classes=[requires(*usage_ops.READ)],
        description="API consumption of the keys bound to the caller's networks over the last `days` days.",
    )
    async def usage(self, info: Info, days: int = 30) -> ApiUsage:
        return ApiUsage.from_result(await usage_ops.api_usage(info.context.ctx, days))
