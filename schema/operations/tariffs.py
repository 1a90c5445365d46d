"""Tariff queries and mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from domain.paging import PageRequest
from resolvers import tariffs as ops
from schema.context import Info
from schema.inputs import parse, partial_input
from schema.permissions import requires
from schema.types.page import Connection, PageInfo
from schema.types.tariff import Tariff, TariffAssignment


@spydantic.input(model=ops.TariffCreate, all_fields=True)
class TariffCreateInput:
    pass


@spydantic.input(model=ops.AssignmentCreate, all_fields=True)
class TariffAssignInput:
    pass


if TYPE_CHECKING:
    TariffUpdateInput: TypeAlias = Any
else:
    TariffUpdateInput = partial_input(ops.TariffUpdate, "TariffUpdateInput")


@strawberry.type
class TariffDeletion:
    id: strawberry.ID
    deleted: bool
    deactivated_assignments: int


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[requires(*ops.READ)], description="Tariffs the caller reaches.")
    async def tariffs(
        self, info: Info, page: int = 1, page_size: int = 50, active_only: bool = False
    ) -> Connection[Tariff]:
        result = await ops.list_tariffs(
            info.context.ctx, PageRequest(page, page_size), active_only=active_only
        )
        return Connection(items=[Tariff.from_row(r) for r in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*ops.READ)])
    async def tariff(self, info: Info, id: UUID) -> Tariff:
        return Tariff.from_row(await ops.get_tariff(info.context.ctx, id))

    @strawberry.field(
        permission_classes=[requires(*ops.READ_ASSIGNMENTS)], description="A tariff's active assignments."
    )
    async def tariff_assignments(self, info: Info, tariff_id: UUID) -> list[TariffAssignment]:
        rows = await ops.list_assignments(info.context.ctx, tariff_id)
        return [TariffAssignment.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def create_tariff(self, info: Info, input: TariffCreateInput) -> Tariff:
        data = parse(info, ops.TariffCreate)
        return Tariff.from_row(await ops.create_tariff(info.context.ctx, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)], description="Change only the fields sent."
    )
    async def update_tariff(self, info: Info, id: UUID, input: TariffUpdateInput) -> Tariff:
        data = parse(info, ops.TariffUpdate)
        return Tariff.from_row(await ops.update_tariff(info.context.ctx, id, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Soft-delete a tariff, deactivating its active assignments.",
    )
    async def delete_tariff(self, info: Info, id: UUID) -> TariffDeletion:
        deletion = await ops.delete_tariff(info.context.ctx, id)
        return TariffDeletion(
            id=strawberry.ID(str(deletion.tariff.uuid)),
            deleted=True,
            deactivated_assignments=deletion.deactivated_assignments,
        )

    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Assign a tariff; the most specific target given sets the level.",
    )
    async def assign_tariff(self, info: Info, tariff_id: UUID, input: TariffAssignInput) -> TariffAssignment:
        data = parse(info, ops.AssignmentCreate)
        assigned = await ops.assign_tariff(info.context.ctx, tariff_id, data)
        return TariffAssignment.from_row(assigned.assignment)

    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def detach_tariff_assignment(self, info: Info, id: UUID) -> TariffAssignment:
        return TariffAssignment.from_row(await ops.detach_assignment(info.context.ctx, id))
