"""Which chargers a signed-in driver may reset, and how.

A driver's reset is always ``Soft`` (whatever they asked for), so a driver can unstick a charger but
never power-cycle it. They may reset a charger of their network that they can see (public, at a
published location) or one they charge at (``domain.services.driver_access``), and only while
nobody else is charging there: a session of anyone else (another driver, an RFID card, an operator's
remote start) that is pending, active or stopping on any of its connectors makes the reset a
``Conflict`` (409), so a driver can never interrupt someone else's charge.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, Forbidden
from domain.models import Charger, ChargingSession, Location
from domain.services.driver_access import LIVE_STATUSES, charges_there

DRIVER_RESET_KIND: Literal["Soft"] = "Soft"


async def _visible(session: AsyncSession, charger: Charger) -> bool:
    """Public and at a published, live location: a charger every driver of the network can see."""
    if not charger.is_public or charger.location_id is None or charger.deleted_at is not None:
        return False
    location = await session.get(Location, charger.location_id)
    return location is not None and location.is_published and location.deleted_at is None


async def _someone_else_charging(session: AsyncSession, driver_id: int, charger_id: int) -> bool:
    stmt = (
        select(ChargingSession.id)
        .where(
            ChargingSession.charger_id == charger_id,
            col(ChargingSession.status).in_(LIVE_STATUSES),
            or_(col(ChargingSession.user_id).is_(None), col(ChargingSession.user_id) != driver_id),
        )
        .limit(1)
    )
    return (await session.exec(stmt)).first() is not None


async def check(session: AsyncSession, driver_id: int, network_id: int | None, charger: Charger) -> None:
    """Raise ``Forbidden`` or ``Conflict`` unless driver ``driver_id`` (of ``network_id``) may reset
    ``charger``; the caller has already checked the charger is in a network they reach."""
    assert charger.id is not None
    own_network = network_id is None or charger.network_id == network_id
    if not own_network or not (
        await charges_there(session, driver_id, charger.id) or await _visible(session, charger)
    ):
        raise Forbidden(
            "You can reset only a public charger of your network or one you are charging at",
            error="forbidden",
        )
    if await _someone_else_charging(session, driver_id, charger.id):
        raise Conflict(
            "Someone else is charging at this charger; it cannot be reset now", error="charger_in_use"
        )
