"""Which tariff is in force on a connector: the most specific active assignment wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Charger, Connector, Tariff, TariffAssignment
from domain.types import as_utc, utcnow

LEVELS = ("Connector", "Charger", "Location", "Network")
"""Assignment levels, most specific first."""


def in_force(now: datetime) -> list[Any]:
    return [
        col(Tariff.is_active).is_(True),
        or_(col(Tariff.effective_from).is_(None), col(Tariff.effective_from) <= now),
        or_(col(Tariff.effective_to).is_(None), col(Tariff.effective_to) > now),
    ]


async def effective_tariffs(
    session: AsyncSession,
    connector_ids: Sequence[int],
    *,
    reach: ColumnElement[bool] | None = None,
    now: datetime | None = None,
) -> list[Tariff | None]:
    """The tariff in force on each connector (by internal id), in order; ``None`` where none applies
    or the connector is unknown, deleted or outside ``reach`` (a WHERE clause on the charger's network).

    The most specific active assignment wins (connector > charger > location > network), then the
    highest priority, then the newest. Two statements whatever the number of connectors."""
    wanted = sorted(set(connector_ids))
    if not wanted:
        return [None for _ in connector_ids]
    now = now or utcnow()
    places = (
        await session.exec(
            select(Connector.id, Charger.id, Charger.location_id, Charger.network_id)
            .join(Charger, col(Charger.id) == col(Connector.charger_id))
            .where(
                col(Connector.id).in_(wanted),
                col(Connector.deleted_at).is_(None),
                col(Charger.deleted_at).is_(None),
                reach if reach is not None else true(),
            )
        )
    ).all()
    if not places:
        return [None for _ in connector_ids]
    charger_ids = {p[1] for p in places}
    location_ids = {p[2] for p in places if p[2] is not None}
    network_ids = {p[3] for p in places}
    targets = [
        and_(col(TariffAssignment.level) == "Connector", col(TariffAssignment.connector_id).in_(wanted)),
        and_(col(TariffAssignment.level) == "Charger", col(TariffAssignment.charger_id).in_(charger_ids)),
        and_(col(TariffAssignment.level) == "Network", col(TariffAssignment.network_id).in_(network_ids)),
    ]
    if location_ids:
        targets.append(
            and_(
                col(TariffAssignment.level) == "Location",
                col(TariffAssignment.location_id).in_(location_ids),
            )
        )
    candidates = (
        await session.exec(
            select(TariffAssignment, Tariff)
            .join(Tariff, col(Tariff.id) == col(TariffAssignment.tariff_id))
            .where(
                col(TariffAssignment.is_active).is_(True),
                col(TariffAssignment.start_date) <= now,
                or_(col(TariffAssignment.end_date).is_(None), col(TariffAssignment.end_date) > now),
                col(Tariff.network_id) == col(TariffAssignment.network_id),
                col(Tariff.deleted_at).is_(None),
                *in_force(now),
                or_(*targets),
            )
        )
    ).all()
    best: dict[int, tuple[tuple[int, int, float, int], Tariff]] = {}
    for connector_id, charger_id, location_id, network_id in places:
        assert connector_id is not None
        for assignment, tariff in candidates:
            if assignment.network_id != network_id or not _covers(
                assignment, connector_id, charger_id, location_id
            ):
                continue
            rank = (
                LEVELS.index(assignment.level),
                -assignment.priority,
                -as_utc(assignment.start_date).timestamp(),
                -(assignment.id or 0),
            )
            current = best.get(connector_id)
            if current is None or rank < current[0]:
                best[connector_id] = (rank, tariff)
    return [best[i][1] if i in best else None for i in connector_ids]


def _covers(
    assignment: TariffAssignment, connector_id: int, charger_id: int | None, location_id: int | None
) -> bool:
    if assignment.level == "Connector":
        return assignment.connector_id == connector_id
    if assignment.level == "Charger":
        return assignment.charger_id == charger_id
    if assignment.level == "Location":
        return location_id is not None and assignment.location_id == location_id
    return assignment.level == "Network"
