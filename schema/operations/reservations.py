"""Reservation queries and mutations (the same resolvers as /emsp/v1/reservations)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from domain.paging import PageRequest
from resolvers import reservations as ops
from schema.context import Info
from schema.permissions import requires
from schema.types.page import Connection, PageInfo
from schema.types.reservation import Reservation, ReservationPayload


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="Reservations: a driver's own, or those of the key's networks; newest first.",
    )
    async def reservations(
        self, info: Info, page: int = 1, page_size: int = 50, status: str | None = None
    ) -> Connection[Reservation]:
        result = await ops.list_reservations(info.context.ctx, PageRequest(page, page_size), status=status)
        return Connection(items=[Reservation.of(v) for v in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*ops.READ)])
    async def reservation(self, info: Info, id: UUID) -> Reservation:
        return Reservation.of(await ops.get_reservation(info.context.ctx, id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.CONTROL)],
        description="Hold a connector for a token (OCPP ReserveNow); idTag defaults to your first token.",
    )
    async def reserve_connector(
        self,
        info: Info,
        charger_id: UUID,
        connector_number: int = 1,
        id_tag: str | None = None,
        expiry_minutes: int = 15,
    ) -> ReservationPayload:
        data = ops.ReservationCreate(
            charger_id=charger_id,
            connector_number=connector_number,
            id_tag=id_tag,
            expiry_minutes=expiry_minutes,
        )
        return ReservationPayload.of(await ops.reserve(info.context.ctx, data))

    @strawberry.mutation(
        permission_classes=[requires(*ops.CONTROL)],
        description="Cancel a reservation (OCPP CancelReservation when the charger held it).",
    )
    async def cancel_reservation(self, info: Info, id: UUID) -> ReservationPayload:
        return ReservationPayload.of(await ops.cancel_reservation(info.context.ctx, id))
