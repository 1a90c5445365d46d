"""/emsp/v1/auth/tokens: the charging tokens (RFID cards, app identifiers) of the key's drivers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.models import ChargingToken
from domain.types import iso_z
from resolvers import charging_tokens, users
from rest_compat.endpoint import Call, Paged, Param, endpoint

LIST_PARAMS = [
    Param("userId", "string", "uuid"),
    Param("tokenType", "string"),
    Param("valid", "boolean"),
    Param("page", "integer", "int32"),
    Param("pageSize", "integer", "int32"),
]


def _row(token: ChargingToken, owner: UUID | None) -> dict[str, Any]:
    return {
        "id": str(token.uuid),
        "uid": token.uid,
        "contractId": token.contract_id,
        "tokenType": token.token_type,
        "alias": token.alias,
        "valid": token.valid,
        "userId": str(owner) if owner is not None else None,
        "createdAt": iso_z(token.created_at),
        "expiresAt": iso_z(token.expires_at),
        "lastUsedAt": iso_z(token.last_used_at),
    }


async def _rows(call: Call, tokens: list[ChargingToken]) -> list[dict[str, Any]]:
    owners = await users.user_uuids_by_id(call.ctx, [t.user_id for t in tokens])
    return [_row(token, owner) for token, owner in zip(tokens, owners, strict=True)]


@endpoint("GET", "/emsp/v1/auth/tokens", summary="List tokens", params=LIST_PARAMS)
async def list_tokens(call: Call) -> Paged:
    page = await charging_tokens.list_tokens(
        call.ctx,
        call.page_request(),
        user_uuid=call.query_uuid("userId"),
        token_type=call.query_str("tokenType"),
        valid=call.query_bool("valid"),
    )
    return Paged(page, await _rows(call, page.items), "emsp")


@endpoint(
    "POST",
    "/emsp/v1/auth/tokens",
    status=201,
    summary="Create authentication token",
    body=charging_tokens.TokenCreate,
)
async def create_token(call: Call) -> dict[str, Any]:
    data = await call.body(charging_tokens.TokenCreate)
    token = await charging_tokens.create_token(call.ctx, data)
    return _row(token, data.user_id)


@endpoint("GET", "/emsp/v1/auth/tokens/{id}", summary="Get token details")
async def get_token(call: Call) -> dict[str, Any]:
    token = await charging_tokens.get_token(call.ctx, call.path_uuid("id"))
    (row,) = await _rows(call, [token])
    return row


@endpoint("DELETE", "/emsp/v1/auth/tokens/{id}", summary="Invalidate a token")
async def invalidate_token(call: Call) -> dict[str, Any]:
    token = await charging_tokens.invalidate_token(call.ctx, call.path_uuid("id"))
    return {
        "tokenId": str(token.uuid),
        "action": "invalidate",
        "success": True,
        "message": "Token has been invalidated successfully",
    }
