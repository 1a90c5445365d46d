"""A network's team members."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from resolvers import team as ops
from schema.context import Info
from schema.inputs import parse
from schema.permissions import requires
from schema.types.account import TeamMember


@spydantic.input(model=ops.TeamMemberAdd, all_fields=True)
class TeamMemberAddInput:
    pass


@spydantic.input(model=ops.TeamMemberUpdate, all_fields=True)
class TeamMemberRoleInput:
    pass


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="Members of the network named, else of the caller's only network.",
    )
    async def team(self, info: Info, network_id: UUID | None = None) -> list[TeamMember]:
        return [TeamMember.from_member(m) for m in await ops.list_team(info.context.ctx, network_id)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description=(
            "Add an existing platform user by email with a role (Owner, Admin, Manager, Technician, Viewer)."
        ),
    )
    async def add_team_member(
        self, info: Info, input: TeamMemberAddInput, network_id: UUID | None = None
    ) -> TeamMember:
        data = parse(info, ops.TeamMemberAdd)
        return TeamMember.from_member(await ops.add_member(info.context.ctx, data, network_id))

    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)], description="Change a member's role.")
    async def update_team_member_role(
        self, info: Info, id: UUID, input: TeamMemberRoleInput, network_id: UUID | None = None
    ) -> TeamMember:
        data = parse(info, ops.TeamMemberUpdate)
        member = await ops.update_member_role(info.context.ctx, id, data, network_id)
        return TeamMember.from_member(member)

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)], description="Remove a member from the team."
    )
    async def remove_team_member(self, info: Info, id: UUID, network_id: UUID | None = None) -> TeamMember:
        return TeamMember.from_member(await ops.remove_member(info.context.ctx, id, network_id))
