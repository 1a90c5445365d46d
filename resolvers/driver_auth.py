"""Driver accounts: register, log in, refresh, forgot and reset password, the signed-in driver."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from pydantic import Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from domain.errors import Conflict, Unauthorized, not_found
from domain.models import User
from domain.ports import Mailer
from domain.services import auth_throttle, driver_auth
from domain.services.tenancy import target_network
from resolvers.context import Context
from resolvers.inputs import Input
from resolvers.users import Email

log = logging.getLogger("chargegraph.driver_auth")

AUTH = ("emsp:drivers:auth",)
FORGOT_MESSAGE = "If the email exists, a password reset link has been sent."
RESET_MESSAGE = "Your password has been reset. Sign in with the new password."

# Passwords are taken exactly as typed (``Input`` strips other strings).
NewPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=driver_auth.MIN_PASSWORD_LENGTH, max_length=256),
]
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)]


class DriverRegister(Input):
    email: Email = Field(max_length=320)
    password: NewPassword
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)


class DriverLogin(Input):
    email: Email = Field(max_length=320)
    password: Password


class TokenRefresh(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordForgot(Input):
    email: Email = Field(max_length=320)


class PasswordReset(Input):
    token: str = Field(min_length=1, max_length=200)
    new_password: NewPassword


# Mails being sent in the background; held here so that they are not collected before they finish.
_outbox: set[asyncio.Task[None]] = set()


async def _deliver(mailer: Mailer, mail: driver_auth.ResetMail) -> None:
    try:
        await mailer.send(mail.to, mail.subject, mail.body)
    except Exception:
        log.exception("the password reset mail could not be sent")


def _send_later(mailer: Mailer, mail: driver_auth.ResetMail) -> None:
    task = asyncio.create_task(_deliver(mailer, mail))
    _outbox.add(task)
    task.add_done_callback(_outbox.discard)


async def register_driver(ctx: Context, data: DriverRegister) -> driver_auth.Session:
    """A new driver in the key's network, signed in, with an app charging token."""
    ctx.principal.require(*AUTH)
    form = driver_auth.Registration(
        email=data.email,
        password=data.password,
        first_name=data.first_name,
        last_name=data.last_name,
        phone=data.phone,
    )
    try:
        async with ctx.db.unit_of_work() as session:
            network = await target_network(session, ctx.principal, None)
            result = await driver_auth.register(session, ctx.services.auth, network, form)
    except IntegrityError as exc:  # a concurrent registration of the same email
        raise Conflict("An account with this email already exists", error="email_taken") from exc
    return result


def _throttled(ctx: Context, scope: str, account: str) -> auth_throttle.Subject:
    return auth_throttle.subject(ctx.services.auth, scope, account, ctx.principal.client_ip)


async def login_driver(ctx: Context, data: DriverLogin) -> driver_auth.Session:
    """Wrong passwords are throttled per email and per client address (429 + Retry-After)."""
    ctx.principal.require(*AUTH)
    who = _throttled(ctx, auth_throttle.DRIVER_LOGIN, data.email)
    async with (
        auth_throttle.guarded(ctx.db, ctx.services.auth, who, failures=frozenset({"invalid_credentials"})),
        ctx.db.unit_of_work() as session,
    ):
        return await driver_auth.login(
            session, ctx.services.auth, ctx.principal.network_ids, data.email, data.password
        )


async def refresh_driver_token(ctx: Context, data: TokenRefresh) -> driver_auth.Session:
    ctx.principal.require(*AUTH)
    async with ctx.db.unit_of_work() as session:
        return await driver_auth.refresh(
            session, ctx.services.auth, data.refresh_token, ctx.principal.network_ids
        )


async def request_password_reset(ctx: Context, data: PasswordForgot) -> str:
    """The same answer whether or not the email has an account; the mail leaves after the commit,
    in the background, so that neither the answer nor its timing tells the two apart."""
    ctx.principal.require(*AUTH)
    # Every request counts (per email, whether it has an account or not, and per address), so that
    # this is no mail bomb; the throttle answers the same for known and unknown emails.
    who = _throttled(ctx, auth_throttle.FORGOT_PASSWORD, data.email)
    await auth_throttle.check(ctx.db, ctx.services.auth, who)
    await auth_throttle.failed(ctx.db, ctx.services.auth, who)
    async with ctx.db.unit_of_work() as session:
        mail = await driver_auth.forgot_password(
            session, ctx.services.auth, ctx.principal.network_ids, data.email
        )
    if mail is not None:
        _send_later(ctx.services.mailer, mail)
    return FORGOT_MESSAGE


async def reset_password(ctx: Context, data: PasswordReset) -> str:
    ctx.principal.require(*AUTH)
    who = _throttled(ctx, auth_throttle.RESET_PASSWORD, data.token)
    async with (
        auth_throttle.guarded(ctx.db, ctx.services.auth, who, failures=frozenset({"invalid_reset_token"})),
        ctx.db.unit_of_work() as session,
    ):
        await driver_auth.reset_password(session, data.token, data.new_password, ctx.principal.network_ids)
    return RESET_MESSAGE


async def current_driver(ctx: Context) -> User:
    """The driver the bearer access token belongs to."""
    ctx.principal.require(*AUTH)
    driver_id = ctx.principal.driver_id
    if driver_id is None:
        raise Unauthorized("A driver access token is required (Authorization: Bearer)", error="unauthorized")
    async with ctx.db.session() as session:
        user = await session.get(User, driver_id)
    if user is None or user.deleted_at is not None:
        raise not_found("Driver")
    return user
