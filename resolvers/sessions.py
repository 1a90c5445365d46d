"""Charging sessions: lists and detail for operators (cpms), drivers and eMSP keys (emsp).

A driver sees only their own sessions; a key sees its networks' sessions; another tenant's session is
a 404."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import BadRequest, not_found
from domain.models import Charger, ChargingSession, Connector, Location
from domain.paging import Page, PageRequest
from domain.principal import Principal
from domain.services.tenancy import reachable
from domain.types import as_utc, utcnow
from resolvers.context import Context

READ = ("cpms:sessions:read", "emsp:charging:read")
STATUSES = ("PENDING", "ACTIVE", "STOPPING", "COMPLETED", "FAULTED")


@dataclass(frozen=True)
class SessionView:
    """A session with the charger, connector and location it ran on."""

    session: ChargingSession
    charger: Charger
    connector: Connector | None
    location: Location | None


def visible(principal: Principal) -> list[Any]:
    """The sessions a caller may see: its networks', and for a driver only their own."""
    conditions: list[Any] = [reachable(principal, ChargingSession.network_id)]
    if principal.driver_id is not None:
        conditions.append(col(ChargingSession.user_id) == principal.driver_id)
    return conditions


def _joined() -> Any:
    return (
        select(ChargingSession, Charger, Connector, Location)
        .join(Charger, col(Charger.id) == col(ChargingSession.charger_id))
        .outerjoin(Connector, col(Connector.id) == col(ChargingSession.connector_id))
        .outerjoin(Location, col(Location.id) == col(ChargingSession.location_id))
    )


def _views(rows: Sequence[Any]) -> list[SessionView]:
    return [SessionView(s, c, k, loc) for s, c, k, loc in rows]


def status_filter(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    upper = value.strip().upper()
    if upper not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}", error="invalid_parameter")
    return upper


async def list_sessions(
    ctx: Context,
    page: PageRequest,
    *,
    status: str | None = None,
    charger_uuid: UUID | None = None,
    location_uuid: UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Page[SessionView]:
    """Newest first; ``start``/``end`` bound the start time (inclusive; a pending session's creation)."""
    ctx.principal.require(*READ)
    when = func.coalesce(col(ChargingSession.started_at), col(ChargingSession.created_at))
    conditions = visible(ctx.principal)
    wanted = status_filter(status)
    if wanted is not None:
        conditions.append(col(ChargingSession.status) == wanted)
    if charger_uuid is not None:
        conditions.append(col(Charger.uuid) == charger_uuid)
    if location_uuid is not None:
        conditions.append(col(Location.uuid) == location_uuid)
    if start is not None:
        conditions.append(when >= as_utc(start))
    if end is not None:
        conditions.append(when <= as_utc(end))
    async with ctx.db.session() as session:
        count = (
            select(func.count())
            .select_from(ChargingSession)
            .join(Charger, col(Charger.id) == col(ChargingSession.charger_id))
            .outerjoin(Location, col(Location.id) == col(ChargingSession.location_id))
            .where(*conditions)
        )
        total = int((await session.exec(count)).one())
        stmt = (
            _joined()
            .where(*conditions)
            .order_by(when.desc(), col(ChargingSession.id).desc())
            .offset(page.offset)
            .limit(page.page_size)
        )
        rows = (await session.exec(stmt)).all()
    return Page(_views(rows), total, page)


async def load_view(session: AsyncSession, principal: Principal, session_uuid: UUID) -> SessionView:
    row = (
        await session.exec(_joined().where(ChargingSession.uuid == session_uuid, *visible(principal)))
    ).first()
    if row is None:
        raise not_found("Session")
    return _views([row])[0]


async def get_session(ctx: Context, session_uuid: UUID) -> SessionView:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await load_view(session, ctx.principal, session_uuid)


async def view_of(ctx: Context, row: ChargingSession) -> SessionView:
    """The view of a session already authorised (after a command)."""
    async with ctx.db.session() as session:
        found = (await session.exec(_joined().where(ChargingSession.id == row.id))).first()
    if found is None:
        raise not_found("Session")
    return _views([found])[0]


def kwh(wh: int | None) -> Decimal | None:
    """Wh to kWh, exact."""
    return None if wh is None else Decimal(wh) / 1000


def duration_seconds(row: ChargingSession, now: datetime | None = None) -> int | None:
    """From start to end (or to ``now`` while it runs)."""
    if row.started_at is None:
        return None
    end = row.ended_at or now or utcnow()
    return max(0, int((as_utc(end) - as_utc(row.started_at)).total_seconds()))


def is_idle(row: ChargingSession) -> bool:
    return row.ended_at is None and row.idle_started_at is not None
