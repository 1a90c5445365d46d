"""Users (drivers) and their charging tokens: queries and mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from domain.paging import PageRequest
from resolvers import charging_tokens as token_ops
from resolvers import users as user_ops
from schema.context import Info
from schema.inputs import parse, partial_input
from schema.permissions import requires
from schema.types.driver import ChargingToken, Driver
from schema.types.page import Connection, PageInfo


@spydantic.input(model=user_ops.UserCreate, all_fields=True)
class UserCreateInput:
    pass


@spydantic.input(model=token_ops.TokenCreate, all_fields=True)
class ChargingTokenCreateInput:
    pass


if TYPE_CHECKING:
    UserUpdateInput: TypeAlias = Any
else:
    UserUpdateInput = partial_input(user_ops.UserUpdate, "UserUpdateInput")


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*user_ops.READ)], description="Drivers of the caller's networks."
    )
    async def users(
        self, info: Info, page: int = 1, page_size: int = 50, search: str | None = None
    ) -> Connection[Driver]:
        result = await user_ops.list_users(info.context.ctx, PageRequest(page, page_size), search=search)
        return Connection(items=[Driver.from_row(r) for r in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*user_ops.READ)])
    async def user(self, info: Info, id: UUID) -> Driver:
        return Driver.from_row(await user_ops.get_user(info.context.ctx, id))

    @strawberry.field(
        permission_classes=[requires(*token_ops.READ)],
        description="Charging tokens of the caller's networks (a signed-in driver: their own).",
    )
    async def charging_tokens(
        self,
        info: Info,
        user_id: UUID | None = None,
        token_type: str | None = None,
        valid: bool | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Connection[ChargingToken]:
        result = await token_ops.list_tokens(
            info.context.ctx,
            PageRequest(page, page_size),
            user_uuid=user_id,
            token_type=token_type,
            valid=valid,
        )
        return Connection(
            items=[ChargingToken.from_row(r) for r in result.items], page_info=PageInfo.of(result)
        )

    @strawberry.field(permission_classes=[requires(*token_ops.READ)])
    async def charging_token(self, info: Info, id: UUID) -> ChargingToken:
        return ChargingToken.from_row(await token_ops.get_token(info.context.ctx, id))


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[requires(*user_ops.WRITE)])
    async def create_user(self, info: Info, input: UserCreateInput) -> Driver:
        data = parse(info, user_ops.UserCreate)
        return Driver.from_row(await user_ops.create_user(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*user_ops.WRITE)])
    async def update_user(self, info: Info, id: UUID, input: UserUpdateInput) -> Driver:
        data = parse(info, user_ops.UserUpdate)
        return Driver.from_row(await user_ops.update_user(info.context.ctx, id, data))

    @strawberry.mutation(permission_classes=[requires(*token_ops.WRITE)])
    async def create_charging_token(self, info: Info, input: ChargingTokenCreateInput) -> ChargingToken:
        data = parse(info, token_ops.TokenCreate)
        return ChargingToken.from_row(await token_ops.create_token(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*token_ops.WRITE)])
    async def invalidate_charging_token(self, info: Info, id: UUID) -> ChargingToken:
        return ChargingToken.from_row(await token_ops.invalidate_token(info.context.ctx, id))
