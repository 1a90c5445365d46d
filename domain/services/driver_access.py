"""Which chargers a signed-in driver may send live commands to: the ones they charge at.

A driver acts on a charger where they have a session that is live (pending, active or stopping) or
ended within ``RECENT_WINDOW`` (to unlock a cable or retry right after a charge). Resets follow the
wider rule of ``domain.services.driver_reset``, which builds on this one.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import ChargingSession
from domain.types import utcnow

LIVE_STATUSES = ("PENDING", "ACTIVE", "STOPPING")
RECENT_WINDOW = timedelta(minutes=15)


async def charges_there(session: AsyncSession, driver_id: int, charger_id: int) -> bool:
    """The driver has a session on the charger that is live or ended within ``RECENT_WINDOW``."""
    recent = utcnow() - RECENT_WINDOW
    stmt = (
        select(ChargingSession.id)
        .where(
            ChargingSession.user_id == driver_id,
            ChargingSession.charger_id == charger_id,
            or_(col(ChargingSession.status).in_(LIVE_STATUSES), col(ChargingSession.ended_at) >= recent),
        )
        .limit(1)
    )
    return (await session.exec(stmt)).first() is not None
