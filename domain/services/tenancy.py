"""Tenant scoping: which networks a caller reaches, and the one network a write goes to."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, false, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import BadRequest, not_found
from domain.models import Network
from domain.principal import Principal


def reachable(principal: Principal, column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose network ``column`` the caller may reach."""
    if principal.network_ids is None:
        return true()
    if not principal.network_ids:
        return false()
    return col(column).in_(sorted(principal.network_ids))


async def reachable_networks(session: AsyncSession, principal: Principal) -> list[Network]:
    stmt = (
        select(Network)
        .where(reachable(principal, Network.id), col(Network.deleted_at).is_(None))
        .order_by(col(Network.id))
    )
    return list((await session.exec(stmt)).all())


async def network_by_uuid(session: AsyncSession, principal: Principal, network_uuid: UUID) -> Network:
    network = (
        await session.exec(
            select(Network).where(Network.uuid == network_uuid, col(Network.deleted_at).is_(None))
        )
    ).first()
    if network is None or network.id is None or not principal.can_reach(network.id):
        raise not_found("Network")
    return network


async def target_network(session: AsyncSession, principal: Principal, network_uuid: UUID | None) -> Network:
    """The network a write goes to: the one named, else the caller's only network."""
    if network_uuid is not None:
        return await network_by_uuid(session, principal, network_uuid)
    if principal.driver_network_id is not None and principal.network_ids is None:
        network = await session.get(Network, principal.driver_network_id)
        if network is not None:
            return network
    networks = await reachable_networks(session, principal)
    if len(networks) == 1:
        return networks[0]
    if not networks:
        raise not_found("Network")
    raise BadRequest("This key reaches several networks: name one with networkUuid", error="network_required")
