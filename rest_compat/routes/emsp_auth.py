"""/emsp/v1/auth/driver: driver sign-up, sign-in, token refresh, password reset and the driver's profile."""

from __future__ import annotations

from typing import Any

from domain.services.driver_auth import Session
from domain.types import iso_z
from resolvers import charging_tokens, driver_auth
from rest_compat.endpoint import Call, endpoint


def _tokens(session: Session) -> dict[str, Any]:
    return {
        "accessToken": session.access_token,
        "refreshToken": session.refresh_token,
        "expiresIn": session.expires_in,
        "tokenType": "Bearer",
    }


def _signed_in(session: Session) -> dict[str, Any]:
    user = session.user
    return {
        **_tokens(session),
        "driver": {
            "id": str(user.uuid),
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "tokenUid": session.token_uid,
        },
    }


@endpoint(
    "POST",
    "/emsp/v1/auth/driver/register",
    status=201,
    summary="Register a new driver account",
    body=driver_auth.DriverRegister,
)
async def register(call: Call) -> dict[str, Any]:
    data = await call.body(driver_auth.DriverRegister)
    return _signed_in(await driver_auth.register_driver(call.ctx, data))


@endpoint(
    "POST",
    "/emsp/v1/auth/driver/login",
    summary="Login with email and password",
    body=driver_auth.DriverLogin,
)
async def login(call: Call) -> dict[str, Any]:
    data = await call.body(driver_auth.DriverLogin)
    return _signed_in(await driver_auth.login_driver(call.ctx, data))


@endpoint(
    "POST",
    "/emsp/v1/auth/driver/refresh",
    summary="Refresh access token using refresh token",
    body=driver_auth.TokenRefresh,
)
async def refresh(call: Call) -> dict[str, Any]:
    data = await call.body(driver_auth.TokenRefresh)
    return _tokens(await driver_auth.refresh_driver_token(call.ctx, data))


@endpoint(
    "POST",
    "/emsp/v1/auth/driver/forgot-password",
    summary="Request a password reset email",
    body=driver_auth.PasswordForgot,
)
async def forgot_password(call: Call) -> dict[str, Any]:
    data = await call.body(driver_auth.PasswordForgot)
    return {"message": await driver_auth.request_password_reset(call.ctx, data)}


@endpoint(
    "POST",
    "/emsp/v1/auth/driver/reset-password",
    summary="Reset password using token from email",
    body=driver_auth.PasswordReset,
)
async def reset_password(call: Call) -> dict[str, Any]:
    data = await call.body(driver_auth.PasswordReset)
    return {"message": await driver_auth.reset_password(call.ctx, data)}


@endpoint("GET", "/emsp/v1/auth/driver/me", summary="Get authenticated driver's profile")
async def me(call: Call) -> dict[str, Any]:
    user = await driver_auth.current_driver(call.ctx)
    assert user.id is not None
    (tokens,) = await charging_tokens.usable_tokens_by_user(call.ctx, [user.id])
    return {
        "id": str(user.uuid),
        "Email": user.email,
        "FirstName": user.first_name,
        "LastName": user.last_name,
        "PhoneNumber": user.phone_number,
        "Address": user.address,
        "City": user.city,
        "State": user.state,
        "PostalCode": user.postal_code,
        "Country": user.country,
        "CreatedAt": iso_z(user.created_at),
        "tokens": [{"TokenUuid": str(t.uuid), "Uid": t.uid, "TokenType": t.token_type} for t in tokens],
    }
