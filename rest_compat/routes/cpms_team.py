"""/cpms/v1/team: the platform users holding a role in the operator's network."""

from __future__ import annotations

from typing import Any

from domain.types import iso_z
from resolvers import team
from rest_compat.endpoint import Call, Param, endpoint

NETWORK = [Param("networkUuid", "string", "uuid")]


def _row(member: team.Member) -> dict[str, Any]:
    user, membership = member.user, member.membership
    return {
        "id": str(user.uuid),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "role": membership.role,
        "joinedAt": iso_z(membership.joined_at),
        "lastActiveAt": iso_z(membership.last_active_at or user.last_active_at),
    }


@endpoint("GET", "/cpms/v1/team", summary="List the operator's team members", params=NETWORK)
async def list_team(call: Call) -> list[dict[str, Any]]:
    return [_row(m) for m in await team.list_team(call.ctx, call.query_uuid("networkUuid"))]


@endpoint(
    "POST",
    "/cpms/v1/team",
    status=201,
    summary="Add an existing platform user to the operator's team",
    params=NETWORK,
    body=team.TeamMemberAdd,
)
async def add_member(call: Call) -> dict[str, Any]:
    network_uuid = call.query_uuid("networkUuid")
    member = await team.add_member(call.ctx, await call.body(team.TeamMemberAdd), network_uuid)
    return {
        "id": str(member.user.uuid),
        "email": member.user.email,
        "role": member.membership.role,
        "added": True,
    }


@endpoint(
    "PUT",
    "/cpms/v1/team/{id}",
    summary="Update a team member's role",
    params=NETWORK,
    body=team.TeamMemberUpdate,
)
async def update_member(call: Call) -> dict[str, Any]:
    user_uuid, network_uuid = call.path_uuid("id"), call.query_uuid("networkUuid")
    member = await team.update_member_role(
        call.ctx, user_uuid, await call.body(team.TeamMemberUpdate), network_uuid
    )
    return {"id": str(member.user.uuid), "role": member.membership.role, "updated": True}


@endpoint(
    "DELETE", "/cpms/v1/team/{id}", summary="Remove a team member from the operator's network", params=NETWORK
)
async def remove_member(call: Call) -> dict[str, Any]:
    member = await team.remove_member(call.ctx, call.path_uuid("id"), call.query_uuid("networkUuid"))
    return {"id": str(member.user.uuid), "removed": True}
