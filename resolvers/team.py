"""A network's team: platform users holding a role in the operator's network."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pydantic import Field, field_validator
from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, NotFound, not_found
from domain.models import Network, TeamMembership, User
from domain.services.tenancy import target_network
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:team:read",)
WRITE = ("cpms:team:write",)
ROLES = ("Owner", "Admin", "Manager", "Technician", "Viewer")


def _check_role(value: str) -> str:
    if value not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return value


class TeamMemberAdd(Input):
    email: str = Field(min_length=3, max_length=320)
    role: str

    _role = field_validator("role")(_check_role)


class TeamMemberUpdate(Input):
    role: str

    _role = field_validator("role")(_check_role)


@dataclass(frozen=True)
class Member:
    user: User
    membership: TeamMembership


async def _member(session: AsyncSession, network: Network, user_uuid: UUID) -> Member:
    row = (
        await session.exec(
            select(User, TeamMembership)
            .join(TeamMembership, col(TeamMembership.user_id) == User.id)
            .where(User.uuid == user_uuid, TeamMembership.network_id == network.id)
        )
    ).first()
    if row is None:
        raise not_found("Team member")
    return Member(row[0], row[1])


async def list_team(ctx: Context, network_uuid: UUID | None = None) -> list[Member]:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        rows = (
            await session.exec(
                select(User, TeamMembership)
                .join(TeamMembership, col(TeamMembership.user_id) == User.id)
                .where(TeamMembership.network_id == network.id)
                .order_by(col(TeamMembership.joined_at), col(TeamMembership.id))
            )
        ).all()
    return [Member(user, membership) for user, membership in rows]


async def add_member(ctx: Context, data: TeamMemberAdd, network_uuid: UUID | None = None) -> Member:
    """Add an existing platform user (one not bound to another network) by email."""
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        assert network.id is not None
        user = (
            await session.exec(
                select(User)
                .where(
                    func.lower(User.email) == data.email.lower(),
                    or_(col(User.network_id).is_(None), User.network_id == network.id),
                    col(User.deleted_at).is_(None),
                )
                .order_by(col(User.is_driver), col(User.id))
            )
        ).first()
        if user is None or user.id is None:
            raise NotFound("No platform user has this email", error="user_not_found")
        existing = (
            await session.exec(
                select(TeamMembership).where(
                    TeamMembership.network_id == network.id, TeamMembership.user_id == user.id
                )
            )
        ).first()
        if existing is not None:
            raise Conflict("This user is already a member of the team", error="already_member")
        membership = TeamMembership(network_id=network.id, user_id=user.id, role=data.role)
        session.add(membership)
        await session.flush()
    return Member(user, membership)


async def update_member_role(
    ctx: Context, user_uuid: UUID, data: TeamMemberUpdate, network_uuid: UUID | None = None
) -> Member:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        member = await _member(session, network, user_uuid)
        member.membership.role = data.role
        session.add(member.membership)
    return member


async def remove_member(ctx: Context, user_uuid: UUID, network_uuid: UUID | None = None) -> Member:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        network = await target_network(session, ctx.principal, network_uuid)
        member = await _member(session, network, user_uuid)
        await session.delete(member.membership)
    return member
