"""Location queries and mutations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from domain.paging import PageRequest
from resolvers import locations as ops
from schema.context import Info
from schema.inputs import parse, partial_input
from schema.permissions import requires
from schema.types.location import Location
from schema.types.page import Connection, PageInfo


@spydantic.input(model=ops.LocationCreate, all_fields=True)
class LocationCreateInput:
    pass


if TYPE_CHECKING:
    LocationUpdateInput: TypeAlias = Any
else:
    LocationUpdateInput = partial_input(ops.LocationUpdate, "LocationUpdateInput")


@strawberry.type
class Deleted:
    id: strawberry.ID
    deleted: bool


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[requires(*ops.READ)], description="Locations the caller reaches.")
    async def locations(
        self, info: Info, page: int = 1, page_size: int = 50, city: str | None = None, q: str | None = None
    ) -> Connection[Location]:
        result = await ops.list_locations(info.context.ctx, PageRequest(page, page_size), city=city, q=q)
        return Connection(items=[Location.from_row(r) for r in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*ops.READ)])
    async def location(self, info: Info, id: UUID) -> Location:
        return Location.from_row(await ops.get_location(info.context.ctx, id))


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def create_location(self, info: Info, input: LocationCreateInput) -> Location:
        data = parse(info, ops.LocationCreate)
        return Location.from_row(await ops.create_location(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def update_location(self, info: Info, id: UUID, input: LocationUpdateInput) -> Location:
        data = parse(info, ops.LocationUpdate)
        return Location.from_row(await ops.update_location(info.context.ctx, id, data))

    @strawberry.mutation(permission_classes=[requires(*ops.WRITE)])
    async def delete_location(self, info: Info, id: UUID) -> Deleted:
        row = await ops.delete_location(info.context.ctx, id)
        return Deleted(id=strawberry.ID(str(row.uuid)), deleted=True)
