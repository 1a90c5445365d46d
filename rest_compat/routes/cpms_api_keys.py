"""/cpms/v1/api-keys: the operator's CPMS keys (display fragments only; the secret is shown once)."""

from __future__ import annotations

from typing import Any

from domain.models import ApiKey
from domain.types import iso_z, utcnow
from resolvers import api_keys
from rest_compat.endpoint import Call, Param, endpoint

NETWORK = [Param("networkUuid", "string", "uuid")]
SHOWN_ONCE = "Store this key securely. It will not be shown again."


def _row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": str(key.uuid),
        "name": key.name,
        "description": key.description,
        "keyType": key.key_type,
        "visibility": key.visibility,
        "apiFamily": key.family,
        "keyClass": key.key_class,
        "keyEnvironment": key.environment,
        "keyPrefix": key.key_prefix,
        "last4": key.last4,
        "permissions": key.scopes,
        "expiresAt": iso_z(key.expires_at),
        "isRevoked": key.revoked_at is not None,
        "isExpired": key.expires_at is not None and key.expires_at <= utcnow(),
        "lastUsedAt": iso_z(key.last_used_at),
        "usageCount": key.usage_count,
        "rateLimitPerHour": key.rate_limit_per_hour,
        "createdAt": iso_z(key.created_at),
    }


@endpoint(
    "GET",
    "/cpms/v1/api-keys",
    summary="List the operator's CPMS API keys (prefix/suffix only — never the secret)",
    params=NETWORK,
)
async def list_api_keys(call: Call) -> list[dict[str, Any]]:
    keys = await api_keys.list_api_keys(call.ctx, call.query_uuid("networkUuid"))
    return [_row(k) for k in keys]


@endpoint(
    "POST",
    "/cpms/v1/api-keys",
    status=201,
    summary="Mint a new CPMS API key (the full secret is shown ONCE in this response)",
    params=NETWORK,
    body=api_keys.ApiKeyCreate,
)
async def create_api_key(call: Call) -> dict[str, Any]:
    network_uuid = call.query_uuid("networkUuid")
    minted = await api_keys.create_api_key(call.ctx, await call.body(api_keys.ApiKeyCreate), network_uuid)
    key = minted.key
    return {
        "id": str(key.uuid),
        "name": key.name,
        "visibility": key.visibility,
        "apiFamily": key.family,
        "keyClass": key.key_class,
        "keyPrefix": key.key_prefix,
        "last4": key.last4,
        "key": minted.secret,
        "message": SHOWN_ONCE,
    }


@endpoint(
    "DELETE",
    "/cpms/v1/api-keys/{id}",
    summary="Revoke + soft-delete one of the operator's CPMS API keys",
    params=NETWORK,
)
async def revoke_api_key(call: Call) -> dict[str, Any]:
    key_uuid = call.path_uuid("id")
    key = await api_keys.revoke_api_key(call.ctx, key_uuid, call.query_uuid("networkUuid"))
    return {"id": str(key.uuid), "revoked": True, "deleted": True}
