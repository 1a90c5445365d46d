"""Driver sign-up, sign-in, token refresh, password reset, and the signed-in driver (``driver``)."""

from __future__ import annotations

import strawberry
from strawberry.experimental import pydantic as spydantic

from resolvers import driver_auth as ops
from schema.context import Info
from schema.inputs import parse
from schema.permissions import requires
from schema.types.driver import AuthPayload, Driver


@spydantic.input(model=ops.DriverRegister, all_fields=True)
class DriverRegisterInput:
    pass


@spydantic.input(model=ops.DriverLogin, all_fields=True)
class DriverLoginInput:
    pass


@spydantic.input(model=ops.TokenRefresh, all_fields=True)
class RefreshDriverTokenInput:
    pass


@spydantic.input(model=ops.PasswordForgot, all_fields=True)
class RequestPasswordResetInput:
    pass


@spydantic.input(model=ops.PasswordReset, all_fields=True)
class ResetPasswordInput:
    pass


@strawberry.type(description="The outcome of a request that returns only a message.")
class MessagePayload:
    message: str


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.AUTH)],
        description="The signed-in driver (needs a driver bearer access token).",
    )
    async def driver(self, info: Info) -> Driver:
        return Driver.from_row(await ops.current_driver(info.context.ctx))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.AUTH)], description="Create a driver account and sign in."
    )
    async def register_driver(self, info: Info, input: DriverRegisterInput) -> AuthPayload:
        data = parse(info, ops.DriverRegister)
        return AuthPayload.of(await ops.register_driver(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*ops.AUTH)])
    async def login_driver(self, info: Info, input: DriverLoginInput) -> AuthPayload:
        data = parse(info, ops.DriverLogin)
        return AuthPayload.of(await ops.login_driver(info.context.ctx, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.AUTH)],
        description="Rotate a refresh token; reusing an old one after the grace period signs the driver out.",
    )
    async def refresh_driver_token(self, info: Info, input: RefreshDriverTokenInput) -> AuthPayload:
        data = parse(info, ops.TokenRefresh)
        return AuthPayload.of(await ops.refresh_driver_token(info.context.ctx, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.AUTH)],
        description="Mail a password reset link; the answer is the same whether or not the email exists.",
    )
    async def request_password_reset(self, info: Info, input: RequestPasswordResetInput) -> MessagePayload:
        data = parse(info, ops.PasswordForgot)
        return MessagePayload(message=await ops.request_password_reset(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*ops.AUTH)])
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> MessagePayload:
        data = parse(info, ops.PasswordReset)
        return MessagePayload(message=await ops.reset_password(info.context.ctx, data))
