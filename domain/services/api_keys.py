"""API keys: minting (secret shown once), authentication, rate limiting, usage metering, revocation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, literal, not_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Forbidden, RateLimited, Unauthorized, ValidationFailed, not_found
from domain.models import ApiKey, ApiKeyNetwork, ApiUsageDaily, Network
from domain.principal import Principal
from domain.scopes import PUBLISHABLE_EMSP_DEFAULT, family_of, is_known
from domain.secrets import digest, random_code, same
from domain.services.tenancy import reachable
from domain.types import UTCDateTime, as_utc, utcnow

FAMILIES = ("cpms", "emsp")
_SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class NewKey:
    name: str
    family: str
    scopes: list[str]
    network_ids: list[int]
    unrestricted: bool = False
    description: str | None = None
    visibility: str = "Private"
    environment: str = "live"
    expires_at: datetime | None = None
    rate_limit_per_hour: int | None = None
    allowed_ips: list[str] | None = None
    created_by_key_id: int | None = None


@dataclass(frozen=True)
class MintedKey:
    key: ApiKey
    secret: str


def _check_allowed_ips(entries: list[str]) -> list[str]:
    checked = []
    for entry in entries:
        try:
            checked.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError as exc:
            raise ValidationFailed(f"allowedIPs: {entry!r} is not an IP address or CIDR range") from exc
    return checked


def _check_scopes(family: str, scopes: list[str]) -> list[str]:
    for scope in scopes:
        if not is_known(scope) or family_of(scope) != family:
            raise ValidationFailed(f"scopes: {scope!r} is not a {family}:* scope (see /.well-known/scopes)")
    return sorted(set(scopes))


def _within_parent(
    parent: ApiKey, expires_at: datetime | None, requested_limit: int | None, rate_limit: int
) -> tuple[datetime | None, int]:
    """A key minted by another key is bounded by it, like its scopes: asking for a higher rate limit
    or a later expiry than the parent's is refused; left out, they default to the parent's bound
    (the default rate limit, at most the parent's; the parent's expiry)."""
    if requested_limit is None:
        rate_limit = min(rate_limit, parent.rate_limit_per_hour)
    elif requested_limit > parent.rate_limit_per_hour:
        raise ValidationFailed(
            f"rateLimitPerHour: at most {parent.rate_limit_per_hour}, the limit of the key minting it"
        )
    if parent.expires_at is not None:
        if expires_at is None:
            expires_at = parent.expires_at
        elif expires_at > parent.expires_at:
            raise ValidationFailed(
                f"expiresAt: no later than {parent.expires_at.isoformat()}, when the key minting it expires"
            )
    return expires_at, rate_limit


async def mint(session: AsyncSession, new: NewKey, default_rate_limit: int) -> MintedKey:
    if new.family not in FAMILIES:
        raise ValidationFailed("family must be cpms or emsp")
    if not new.name.strip():
        raise ValidationFailed("name must not be empty")
    if new.visibility not in ("Private", "Publishable"):
        raise ValidationFailed("visibility must be Private or Publishable")
    if new.family == "cpms" and new.visibility != "Private":
        raise ValidationFailed("CPMS keys are always Private")
    expires_at = as_utc(new.expires_at) if new.expires_at is not None else None
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed("expiresAt must be in the future")
    if new.rate_limit_per_hour is not None and new.rate_limit_per_hour < 1:
        raise ValidationFailed("rateLimitPerHour must be 1 or more")
    rate_limit = new.rate_limit_per_hour or default_rate_limit
    if new.created_by_key_id is not None:
        parent = await session.get(ApiKey, new.created_by_key_id)
        if parent is not None:
            expires_at, rate_limit = _within_parent(parent, expires_at, new.rate_limit_per_hour, rate_limit)
    scopes = list(new.scopes)
    if not scopes:
        scopes = list(PUBLISHABLE_EMSP_DEFAULT) if new.visibility == "Publishable" else [f"{new.family}:*"]
    scopes = _check_scopes(new.family, scopes)
    allowed_ips = _check_allowed_ips(new.allowed_ips or [])
    prefix = f"pk_{new.family}_{new.environment}_"
    secret = prefix + random_code(32, _SECRET_ALPHABET)
    key = ApiKey(
        name=new.name.strip(),
        description=new.description,
        family=new.family,
        visibility=new.visibility,
        key_class="ClientSide" if new.visibility == "Publishable" else "ServerSide",
        environment=new.environment,
        key_prefix=prefix,
        last4=secret[-4:],
        key_hash=digest(secret),
        scopes=scopes,
        allowed_ips=allowed_ips,
        unrestricted=new.unrestricted,
        expires_at=expires_at,
        rate_limit_per_hour=rate_limit,
        created_by_key_id=new.created_by_key_id,
    )
    session.add(key)
    await session.flush()
    assert key.id is not None
    if not new.unrestricted:
        for network_id in sorted(set(new.network_ids)):
            session.add(ApiKeyNetwork(api_key_id=key.id, network_id=network_id))
    await session.flush()
    return MintedKey(key=key, secret=secret)


def _ip_allowed(key: ApiKey, client_ip: str | None) -> bool:
    if not key.allowed_ips:
        return True
    if client_ip is None:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry) for entry in key.allowed_ips)


async def authenticate(
    session: AsyncSession, secret: str, *, family: str | None, client_ip: str | None
) -> Principal:
    """Resolve ``X-API-Key`` to a principal, count the request and enforce the hourly limit.

    ``family`` is the family the path belongs to (``None`` for GraphQL, which takes either).
    Unknown, revoked, expired and wrong-family keys are all 401; a client outside the allow-list is 403.
    """
    key = (await session.exec(select(ApiKey).where(ApiKey.key_hash == digest(secret)))).first()
    if key is None or key.id is None or not same(key.key_hash, digest(secret)):
        raise Unauthorized("Invalid API key", error="invalid_api_key")
    now = utcnow()
    if key.revoked_at is not None or key.deleted_at is not None:
        raise Unauthorized("This API key has been revoked", error="api_key_revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized("This API key has expired", error="api_key_expired")
    if family is not None and key.family != family:
        raise Unauthorized(f"This endpoint takes a {family} API key", error="wrong_key_family")
    if not _ip_allowed(key, client_ip):
        raise Forbidden("This API key may not be used from this address", error="ip_not_allowed")
    await _meter(session, key, now)
    network_ids: frozenset[int] | None = None
    if not key.unrestricted:
        rows = await session.exec(select(ApiKeyNetwork.network_id).where(ApiKeyNetwork.api_key_id == key.id))
        network_ids = frozenset(rows.all())
    return Principal(
        family=key.family,
        api_key_id=key.id,
        key_visibility=key.visibility,
        key_environment=key.environment,
        scopes=frozenset(key.scopes),
        network_ids=network_ids,
        client_ip=client_ip,
    )


async def _meter(session: AsyncSession, key: ApiKey, now: datetime) -> None:
    """One atomic UPDATE counts the request in the hourly window; a daily row is upserted beside it.

    A request over the limit still counts in the window but is not usage: ``usageCount``,
    ``lastUsedAt`` and the daily rows record served requests only.
    """
    hour = now.replace(minute=0, second=0, microsecond=0)
    table = ApiKey.__table__  # type: ignore[attr-defined]
    in_window = table.c.rate_window_start == hour
    window_count = case((in_window, table.c.rate_window_count + 1), else_=1)
    served = window_count <= table.c.rate_limit_per_hour
    result = await session.execute(
        update(table)
        .where(table.c.id == key.id)
        .values(
            rate_window_count=window_count,
            rate_window_start=hour,
            usage_count=table.c.usage_count + case((served, 1), else_=0),
            last_used_at=case((served, literal(now, UTCDateTime())), else_=table.c.last_used_at),
        )
        .returning(table.c.rate_window_count)
    )
    count = int(result.scalar_one())
    if count > key.rate_limit_per_hour:
        await session.commit()
        retry_after = max(1, int((hour + timedelta(hours=1) - now).total_seconds()))
        raise RateLimited(
            f"Rate limit of {key.rate_limit_per_hour} requests per hour exceeded", retry_after=retry_after
        )
    await _count_day(session, key, now.date())
    await session.commit()


async def _count_day(session: AsyncSession, key: ApiKey, day: date) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = ApiUsageDaily.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(
        api_key_id=key.id, day=day, family=key.family, environment=key.environment, requests=1, units=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["api_key_id", "day"],
        set_={"requests": table.c.requests + 1, "units": table.c.units + 1},
    )
    await session.execute(stmt)


async def list_keys(
    session: AsyncSession, principal: Principal, family: str, network_id: int | None
) -> list[ApiKey]:
    """Keys of ``family`` bound to the caller's networks (or to ``network_id``), newest first.

    A key also bound to a network the caller cannot reach belongs to someone else as well: it is
    neither listed nor revocable here.
    """
    bound = select(ApiKeyNetwork.api_key_id).where(reachable(principal, ApiKeyNetwork.network_id))
    if network_id is not None:
        bound = bound.where(ApiKeyNetwork.network_id == network_id)
    foreign = select(ApiKeyNetwork.api_key_id).where(not_(reachable(principal, ApiKeyNetwork.network_id)))
    stmt = (
        select(ApiKey)
        .where(
            ApiKey.family == family,
            col(ApiKey.deleted_at).is_(None),
            col(ApiKey.id).in_(bound),
            col(ApiKey.id).not_in(foreign),
        )
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
    )
    return list((await session.exec(stmt)).all())


async def key_networks(session: AsyncSession, key_id: int) -> list[Network]:
    stmt = (
        select(Network)
        .join(ApiKeyNetwork, col(ApiKeyNetwork.network_id) == Network.id)
        .where(ApiKeyNetwork.api_key_id == key_id)
    )
    return list((await session.exec(stmt)).all())


async def revoke(
    session: AsyncSession, principal: Principal, key_uuid: UUID, family: str, network_id: int | None = None
) -> ApiKey:
    """Revoke and soft-delete a key bound to one of the caller's networks (or to ``network_id``)."""
    keys = await list_keys(session, principal, family, network_id)
    key = next((k for k in keys if k.uuid == key_uuid), None)
    if key is None:
        raise not_found("API key")
    now = utcnow()
    key.revoked_at = now
    key.deleted_at = now
    session.add(key)
    await session.flush()
    return key


@dataclass(frozen=True)
class UsageDay:
    day: date
    family: str
    environment: str
    requests: int
    units: int


async def usage(session: AsyncSession, principal: Principal, since: date) -> list[UsageDay]:
    """Daily requests of every key bound to the caller's networks since ``since``, newest first."""
    bound = select(ApiKeyNetwork.api_key_id).where(reachable(principal, ApiKeyNetwork.network_id))
    keys: ColumnElement[bool] = col(ApiUsageDaily.api_key_id).in_(bound)
    if principal.api_key_id is not None:
        keys = or_(keys, col(ApiUsageDaily.api_key_id) == principal.api_key_id)
    stmt = (
        sa_select(  # type: ignore[call-overload]
            ApiUsageDaily.day,
            ApiUsageDaily.family,
            ApiUsageDaily.environment,
            func.sum(ApiUsageDaily.requests),
            func.sum(ApiUsageDaily.units),
        )
        .where(keys, col(ApiUsageDaily.day) >= since)
        .group_by(col(ApiUsageDaily.day), col(ApiUsageDaily.family), col(ApiUsageDaily.environment))
        .order_by(col(ApiUsageDaily.day).desc(), col(ApiUsageDaily.family))
    )
    rows = (await session.exec(stmt)).all()
    return [
        UsageDay(day=r[0], family=r[1], environment=r[2], requests=int(r[3]), units=int(r[4])) for r in rows
    ]
