"""The Reservation type and the payload of the reservation mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.chargers import chargers_by_id
from resolvers.reservations import ReservationView
from schema.context import Info
from schema.scalars import gid
from schema.types.command import CommandResult

if TYPE_CHECKING:
    from schema.types.charger import Charger


@strawberry.type(description="A connector held for one token until expiryDate (OCPP ReserveNow).")
class Reservation:
    id: strawberry.ID
    database_id: int
    charger_id: strawberry.ID | None
    charger_name: str | None = strawberry.field(description="The charger's serial number, else its OCPP id.")
    connector_number: int
    status: str = strawberry.field(description="Pending, Accepted, Rejected, Cancelled, Expired or Used.")
    status_reason: str | None
    id_tag: str = strawberry.field(description="The only token that may start on the held connector.")
    expiry_date: datetime
    created_at: datetime
    cancelled_at: datetime | None
    charger_database_id: strawberry.Private[int]

    @strawberry.field
    async def charger(self, info: Info) -> Annotated[Charger, strawberry.lazy("schema.types.charger")] | None:
        from schema.types.charger import Charger

        row = await info.context.loaders.of(chargers_by_id).load(self.charger_database_id)
        return Charger.from_row(row) if row is not None else None

    @classmethod
    def of(cls, view: ReservationView) -> Reservation:
        row = view.reservation
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            charger_id=gid(view.charger.uuid) if view.charger is not None else None,
            charger_name=view.charger_name,
            connector_number=row.connector_number,
            status=row.status,
            status_reason=row.status_reason,
            id_tag=row.id_tag,
            expiry_date=row.expires_at,
            created_at=row.created_at,
            cancelled_at=row.cancelled_at,
            charger_database_id=row.charger_id,
        )


@strawberry.type(
    description="A reservation after reserve or cancel, and the charger's verdict if one was asked."
)
class ReservationPayload:
    reservation: Reservation
    result: CommandResult | None

    @classmethod
    def of(cls, view: ReservationView) -> ReservationPayload:
        verdict = view.verdict
        result = CommandResult.of(verdict) if verdict is not None else None
        return cls(reservation=Reservation.of(view), result=result)
