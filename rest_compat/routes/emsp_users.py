"""/emsp/v1/users: the drivers of the key's networks, with their charging totals."""

from __future__ import annotations

from typing import Any

from domain.models import User
from domain.types import iso_z, money_out
from resolvers import users
from rest_compat.endpoint import Call, Paged, Param, endpoint

LIST_PARAMS = [
    Param("page", "integer", "int32"),
    Param("pageSize", "integer", "int32"),
    Param("search", "string"),
]


def _row(user: User, stats: users.UserStats) -> dict[str, Any]:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "phoneNumber": user.phone_number,
        "address": user.address,
        "city": user.city,
        "state": user.state,
        "postalCode": user.postal_code,
        "country": user.country,
        "createdAt": iso_z(user.created_at),
        "lastUpdated": iso_z(user.updated_at),
        "totalSessions": stats.total_sessions,
        "totalEnergyKwh": money_out(stats.total_energy_kwh, 3),
        "totalSpent": money_out(stats.total_spent, 2),
        "currency": stats.currency,
    }


async def _rows(call: Call, rows: list[User]) -> list[dict[str, Any]]:
    stats = await users.user_stats_by_id(call.ctx, [u.id for u in rows if u.id is not None])
    return [_row(user, s) for user, s in zip(rows, stats, strict=True)]


async def _one(call: Call, user: User) -> dict[str, Any]:
    (row,) = await _rows(call, [user])
    return row


@endpoint("GET", "/emsp/v1/users", summary="List users", params=LIST_PARAMS)
async def list_users(call: Call) -> Paged:
    page = await users.list_users(call.ctx, call.page_request(), search=call.query_str("search"))
    return Paged(page, await _rows(call, page.items), "emsp")


@endpoint("POST", "/emsp/v1/users", status=201, summary="Create a new user", body=users.UserCreate)
async def create_user(call: Call) -> dict[str, Any]:
    user = await users.create_user(call.ctx, await call.body(users.UserCreate))
    return await _one(call, user)


@endpoint("GET", "/emsp/v1/users/{id}", summary="Get user details")
async def get_user(call: Call) -> dict[str, Any]:
    return await _one(call, await users.get_user(call.ctx, call.path_uuid("id")))


@endpoint("PUT", "/emsp/v1/users/{id}", summary="Update user information", body=users.UserUpdate)
async def update_user(call: Call) -> dict[str, Any]:
    user_uuid = call.path_uuid("id")
    user = await users.update_user(call.ctx, user_uuid, await call.body(users.UserUpdate))
    return await _one(call, user)
