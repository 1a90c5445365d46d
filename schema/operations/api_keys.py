"""API keys: list, mint (secret shown once), revoke."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from resolvers import api_keys as ops
from schema.context import Info
from schema.inputs import parse
from schema.permissions import requires
from schema.types.account import ApiKey, NewApiKey


@spydantic.input(model=ops.ApiKeyCreate, all_fields=True)
class ApiKeyCreateInput:
    pass


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="Keys of `family` (cpms or emsp) bound to the caller's networks, newest first.",
    )
    async def api_keys(
        self, info: Info, network_id: UUID | None = None, family: str = "cpms"
    ) -> list[ApiKey]:
        rows = await ops.list_api_keys(info.context.ctx, network_id, family)
        return [ApiKey.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description=(
            "Mint a key bound to the network named (else the caller's only one). Keys of the caller's "
            "own family get at most the scopes it holds; emsp keys (Private or Publishable) take a full "
            "operator key."
        ),
    )
    async def create_api_key(
        self,
        info: Info,
        input: ApiKeyCreateInput,
        network_id: UUID | None = None,
        family: str = "cpms",
        visibility: str = "Private",
    ) -> NewApiKey:
        data = parse(info, ops.ApiKeyCreate)
        minted = await ops.create_api_key(
            info.context.ctx, data, network_id, family=family, visibility=visibility
        )
        return NewApiKey.from_minted(minted)

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)], description="Revoke and soft-delete a key."
    )
    async def revoke_api_key(
        self, info: Info, id: UUID, network_id: UUID | None = None, family: str = "cpms"
    ) -> ApiKey:
        return ApiKey.from_row(await ops.revoke_api_key(info.context.ctx, id, network_id, family))
