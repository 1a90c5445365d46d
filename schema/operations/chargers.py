"""Charger and connector queries and mutations (the same resolvers as /cpms/v1/chargers and connectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic as spydantic

from domain.paging import PageRequest
from resolvers import chargers as charger_ops
from resolvers import connectors as connector_ops
from schema.context import Info
from schema.inputs import parse, partial_input
from schema.permissions import requires
from schema.types.charger import Charger, Connector
from schema.types.page import Connection, PageInfo


@spydantic.input(model=charger_ops.ChargerCreate, all_fields=True)
class ChargerCreateInput:
    pass


@spydantic.input(model=connector_ops.ConnectorCreate, all_fields=True)
class ConnectorCreateInput:
    pass


if TYPE_CHECKING:
    ChargerUpdateInput: TypeAlias = Any
    ConnectorUpdateInput: TypeAlias = Any
else:
    ChargerUpdateInput = partial_input(charger_ops.ChargerUpdate, "ChargerUpdateInput")
    ConnectorUpdateInput = partial_input(connector_ops.ConnectorUpdate, "ConnectorUpdateInput")


@strawberry.type
class ChargerDeleted:
    id: strawberry.ID
    deleted: bool
    deactivated_connectors: int
    deactivated_assignments: int


@strawberry.type
class ConnectorDeleted:
    id: strawberry.ID
    deleted: bool
    deactivated_assignments: int


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*charger_ops.READ)], description="Chargers the caller sees."
    )
    async def chargers(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 50,
        status: str | None = None,
        location_id: UUID | None = None,
    ) -> Connection[Charger]:
        result = await charger_ops.list_chargers(
            info.context.ctx, PageRequest(page, page_size), status=status, location_uuid=location_id
        )
        return Connection(items=[Charger.from_row(r) for r in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*charger_ops.READ)])
    async def charger(self, info: Info, id: UUID) -> Charger:
        return Charger.from_row(await charger_ops.get_charger(info.context.ctx, id))

    @strawberry.field(permission_classes=[requires(*connector_ops.READ)])
    async def connector(self, info: Info, id: UUID) -> Connector:
        return Connector.from_row(await connector_ops.get_connector(info.context.ctx, id))


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[requires(*charger_ops.WRITE)])
    async def create_charger(self, info: Info, input: ChargerCreateInput) -> Charger:
        data = parse(info, charger_ops.ChargerCreate)
        return Charger.from_row(await charger_ops.create_charger(info.context.ctx, data))

    @strawberry.mutation(permission_classes=[requires(*charger_ops.WRITE)])
    async def update_charger(self, info: Info, id: UUID, input: ChargerUpdateInput) -> Charger:
        data = parse(info, charger_ops.ChargerUpdate)
        return Charger.from_row(await charger_ops.update_charger(info.context.ctx, id, data))

    @strawberry.mutation(permission_classes=[requires(*charger_ops.WRITE)])
    async def delete_charger(self, info: Info, id: UUID) -> ChargerDeleted:
        result = await charger_ops.delete_charger(info.context.ctx, id)
        return ChargerDeleted(
            id=strawberry.ID(str(result.charger.uuid)),
            deleted=True,
            deactivated_connectors=result.connectors,
            deactivated_assignments=result.assignments,
        )

    @strawberry.mutation(permission_classes=[requires(*connector_ops.WRITE)])
    async def add_connector(self, info: Info, charger_id: UUID, input: ConnectorCreateInput) -> Connector:
        data = parse(info, connector_ops.ConnectorCreate)
        state = await connector_ops.add_connector(info.context.ctx, charger_id, data)
        return Connector.from_row(state.connector)

    @strawberry.mutation(permission_classes=[requires(*connector_ops.WRITE)])
    async def update_connector(self, info: Info, id: UUID, input: ConnectorUpdateInput) -> Connector:
        data = parse(info, connector_ops.ConnectorUpdate)
        state = await connector_ops.update_connector(info.context.ctx, id, data)
        return Connector.from_row(state.connector)

    @strawberry.mutation(permission_classes=[requires(*connector_ops.WRITE)])
    async def delete_connector(self, info: Info, id: UUID) -> ConnectorDeleted:
        result = await connector_ops.delete_connector(info.context.ctx, id)
        return ConnectorDeleted(
            id=strawberry.ID(str(result.connector.uuid)),
            deleted=True,
            deactivated_assignments=result.assignments,
        )
