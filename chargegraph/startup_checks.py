"""Settings that can only be checked against the database, checked when the app starts.

The settings validators (``chargegraph/settings.py``) check each value's form when it is read; what a
value refers to is checked here, by the lifespan once the migrations have run, so ``chargegraph serve``
stops at once instead of failing at the first charger that needs it.
"""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col, select

from domain.container import Services
from domain.models import Network


class StartupError(RuntimeError):
    """A setting names something the database does not hold: the app must not start."""


async def check(services: Services) -> None:
    network = services.ocpp.auto_register_network
    if not network:
        return
    async with services.db.session() as session:
        found = (
            await session.exec(
                select(Network.id).where(Network.uuid == UUID(network), col(Network.deleted_at).is_(None))
            )
        ).first()
    if found is None:
        raise StartupError(f"CHARGEGRAPH_OCPP_AUTO_REGISTER: no network has the UUID {network}")
