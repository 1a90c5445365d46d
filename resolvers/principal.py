"""One way to resolve the caller from a request's headers, for GraphQL and REST alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.container import Services
from domain.errors import Unauthorized
from domain.principal import ANONYMOUS, Principal
from domain.scopes import DRIVER_SCOPES
from domain.services import api_keys
from domain.services.driver_auth import read_access_token, signed_in_user


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
    async with services.db.session() as session:  # one query: the user, if the token's family is live
        user = await signed_in_user(session, claims)
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
        client_ip=client_ip,
    )


def client_address(scope: Mapping[str, Any]) -> str | None:
    """The caller's IP, as the ASGI scope's ``client`` holds it.

    Headers are never read here: with ``CHARGEGRAPH_TRUST_PROXY_HEADERS`` the app's proxy-headers
    middleware (``chargegraph/app.py``) has already put the right-most ``X-Forwarded-For`` hop that is
    not a trusted proxy (``CHARGEGRAPH_FORWARDED_ALLOW_IPS``) in the scope; without it the scope holds
    the peer of the connection. One place decides, so REST, GraphQL and OCPP see the same address.
    """
    client = scope.get("client")
    return str(client[0]) if client else None
