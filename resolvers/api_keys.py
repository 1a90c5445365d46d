"""API keys of the caller's networks: list, mint (secret shown once), revoke."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field

from domain.errors import Forbidden, ValidationFailed
from domain.models import ApiKey
from domain.principal import Principal
from domain.scopes import CPMS_SCOPES, PUBLISHABLE_EMSP_DEFAULT, expand, family_of, is_known
from domain.services import api_keys
from domain.services.tenancy import network_by_uuid, target_network
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:keys:read",)
WRITE = ("cpms:keys:write",)


class ApiKeyCreate(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    scopes: list[str] = Field(default_factory=list, max_length=100)
    expires_at: datetime | None = None
    rate_limit_per_hour: int | None = Field(default=None, ge=1, le=1_000_000)
    allowed_ips: list[str] = Field(
        default_factory=list,
        max_length=100,
        validation_alias=AliasChoices("allowedIPs", "allowedIps", "allowed_ips"),
    )


def _requested_scopes(principal: Principal, family: str, visibility: str, scopes: list[str]) -> list[str]:
    """The scopes the new key gets: those named, else what the caller itself holds of the family
    (the public default for a publishable emsp key)."""
    if scopes:
        return scopes
    if family == "emsp" and visibility == "Publishable":
        return list(PUBLISHABLE_EMSP_DEFAULT)
    if family == principal.family:
        return sorted(s for s in principal.scopes if family_of(s) == family)
    return [f"{family}:*"]


def _check_grantable(principal: Principal, family: str, scopes: list[str]) -> None:
    """A key cannot mint more power than it has.

    Within its own family a caller may grant only scopes it holds itself. A driver-facing (emsp) key
    for the operator's own networks may be minted only by a full operator key (one holding every
    cpms scope), since those networks' app keys are the operator's to hand out.
    """
    for scope in scopes:
        if not is_known(scope) or family_of(scope) != family:
            raise ValidationFailed(f"scopes: {scope!r} is not a {family}:* scope (see /.well-known/scopes)")
    held = set(expand(principal.scopes))
    if family == principal.family:
        wanted = set(expand(scopes))
        if not wanted <= held:
            missing = ", ".join(sorted(wanted - held))
            raise Forbidden(
                f"A key cannot grant scopes it does not hold: {missing}", error="insufficient_scope"
            )
    elif not set(CPMS_SCOPES) <= held:
        raise Forbidden(
            f"Minting {family} keys takes a full operator key (cpms:*)", error="insufficient_scope"
        )


async def list_api_keys(ctx: Context, network_uuid: UUID | None = None, family: str = "cpms") -> list[ApiKey]:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        network_id = None
        if network_uuid is not None:
            network_id = (await network_by_uuid(session, ctx.principal, network_uuid)).id
        return await api_keys.list_keys(session, ctx.principal, family, network_id)


async def create_api_key(
    ctx: Context,
    data: ApiKeyCreate,
    network_uuid: UUID | None = None,
    *,
    family: str = "cpms",
    visibility: str = "Private",
) -> api_keys.MintedKey:
    """Mint a key bound to the target network (the one named, else the caller's only network)."""
    ctx.principal.require(*WRITE)
    if family not in api_keys.FAMILIES:
        raise ValidationFailed("family must be cpms or emsp")
    scopes = _requested_scopes(ctx.principal, family, visibility, data.scopes)
    _check_grantable(ctx.principal, family, scopes)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        assert network.id is not None
        return await api_keys.mint(
            session,
            api_keys.NewKey(
                name=data.name,
                family=family,
                scopes=scopes,
                network_ids=[network.id],
                description=data.description,
                visibility=visibility,
                environment=ctx.principal.key_environment,
                expires_at=data.expires_at,
                rate_limit_per_hour=data.rate_limit_per_hour,
                allowed_ips=data.allowed_ips,
                created_by_key_id=ctx.principal.api_key_id,
            ),
            ctx.services.auth.default_rate_limit_per_hour,
        )


async def revoke_api_key(
    ctx: Context, key_uuid: UUID, network_uuid: UUID | None = None, family: str = "cpms"
) -> ApiKey:
    """Revoke and soft-delete; a key of another network is a 404. A key may revoke itself."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network_id = None
        if network_uuid is not None:
            network_id = (await network_by_uuid(session, ctx.principal, network_uuid)).id
        return await api_keys.revoke(session, ctx.principal, key_uuid, family, network_id)
