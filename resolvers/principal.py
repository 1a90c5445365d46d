"""One way to resolve the caller from a request's headers, for GraphQL and REST alike."""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import Unauthorized
from domain.models import User
from domain.principal import ANONYMOUS, Principal
from domain.scopes import DRIVER_SCOPES
from domain.services import api_keys
from domain.services.driver_auth import read_access_token
from resolvers.context import Services


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def resolve_principal(
    services: Services,
    headers: Mapping[str, str],
    *,
    client_ip: str | None,
    family: str | None,
    require_key: bool,
) -> Principal:
    """``X-API-Key`` and/or ``Authorization: Bearer <driver access token>``.

    REST paths name their ``family`` and require a key of it. GraphQL takes either credential; with
    neither the caller is anonymous and reaches nothing but the schema itself.
    """
    secret = headers.get("x-api-key")
    bearer = _bearer(headers)
    principal = ANONYMOUS
    if secret:
        async with services.db.unit_of_work() as session:
            principal = await api_keys.authenticate(session, secret, family=family, client_ip=client_ip)
    elif require_key:
        raise Unauthorized("An X-API-Key header is required", error="missing_api_key")
    if bearer is None:
        return principal
    claims = read_access_token(services.auth, bearer)
    async with services.db.session() as session:
        user = await session.get(User, claims.user_id)
    if user is None or not user.is_active or user.deleted_at is not None or user.uuid != claims.user_uuid:
        raise Unauthorized("Invalid access token", error="invalid_token")
    if (
        user.network_id is not None
        and not principal.can_reach(user.network_id)
        and principal is not ANONYMOUS
    ):
        raise Unauthorized("This driver does not belong to the key's networks", error="invalid_token")
    networks = principal.network_ids if principal is not ANONYMOUS else None
    if principal is ANONYMOUS:
        networks = frozenset({user.network_id}) if user.network_id is not None else frozenset()
    return Principal(
        family=principal.family or "emsp",
        api_key_id=principal.api_key_id,
        key_visibility=principal.key_visibility,
        key_environment=principal.key_environment,
        scopes=principal.scopes | DRIVER_SCOPES,
        network_ids=networks,
        driver_id=user.id,
        driver_network_id=user.network_id,
    )


def client_address(headers: Mapping[str, str], peer: str | None, *, trust_proxy: bool) -> str | None:
    """The caller's IP: the first ``X-Forwarded-For`` hop behind a trusted proxy, else the peer."""
    if trust_proxy:
        forwarded = headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return peer
