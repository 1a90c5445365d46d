"""What the subscriptions push: one typed object per event, built from the event's documented data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from domain.events import Event
from schema.scalars import dec, gid


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _id(value: Any) -> strawberry.ID | None:
    return None if value is None else gid(value)


def _decimal(value: Any) -> Decimal | None:
    """A number from the event data (a float, an int or a decimal string), exact as written."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return dec(Decimal(str(value)))
    except InvalidOperation:
        return None


@strawberry.type(description="A connector reported a new status (event connector.status_changed).")
class ConnectorStatusEvent:
    event_id: strawberry.ID
    charger_id: strawberry.ID | None = strawberry.field(description="The charger's UUID.")
    station_id: str | None = strawberry.field(description="The charger's OCPP identity.")
    connector_id: int = strawberry.field(description="The connector's number on its charger.")
    status: str = strawberry.field(description="OCPP status: Available, Preparing, Charging, Faulted ...")
    previous_status: str | None
    error_code: str | None
    occurred_at: datetime

    @classmethod
    def of(cls, event: Event) -> ConnectorStatusEvent:
        data = event.data
        return cls(
            event_id=gid(event.id),
            charger_id=_id(data.get("chargerId") or event.charger_uuid),
            station_id=_text(data.get("stationId") or event.station_id),
            connector_id=int(data.get("connectorId") or 0),
            status=str(data.get("status") or "Unknown"),
            previous_status=_text(data.get("previousStatus")),
            error_code=_text(data.get("errorCode")),
            occurred_at=event.occurred_at,
        )


@strawberry.type(
    description="A charger connected, disconnected or reported a new status of its own (connector 0)."
)
class ChargerStatusEvent:
    event_id: strawberry.ID
    type: str = strawberry.field(
        description="charger.connected, charger.disconnected or charger.status_changed."
    )
    charger_id: strawberry.ID | None = strawberry.field(description="The charger's UUID.")
    station_id: str | None = strawberry.field(description="The charger's OCPP identity.")
    status: str | None = strawberry.field(description="The reported OCPP status; null on (dis)connection.")
    previous_status: str | None
    error_code: str | None
    online: bool | None = strawberry.field(
        description="True when it connected, false when it disconnected, null for a status report."
    )
    occurred_at: datetime

    @classmethod
    def of(cls, event: Event) -> ChargerStatusEvent:
        data = event.data
        online = {"charger.connected": True, "charger.disconnected": False}.get(event.type)
        return cls(
            event_id=gid(event.id),
            type=event.type,
            charger_id=_id(data.get("chargerId") or event.charger_uuid),
            station_id=_text(data.get("stationId") or event.station_id),
            status=_text(data.get("status")),
            previous_status=_text(data.get("previousStatus")),
            error_code=_text(data.get("errorCode")),
            online=online,
            occurred_at=event.occurred_at,
        )


@strawberry.type(description="A session started, changed (meter values), completed or failed.")
class SessionEvent:
    event_id: strawberry.ID
    type: str = strawberry.field(
        description="session.started, session.updated, session.completed or session.failed."
    )
    session_id: strawberry.ID
    status: str | None = strawberry.field(description="Pending, Active, Stopping, Completed or Faulted.")
    energy_kwh: Decimal | None = strawberry.field(description="Energy delivered so far, in kWh.")
    power_kw: Decimal | None = strawberry.field(description="Instantaneous power, in kW.")
    soc: Decimal | None = strawberry.field(description="The car's state of charge, percent.")
    cost: Decimal | None = strawberry.field(description="The final cost, once the session is costed.")
    currency: str | None
    stop_reason: str | None
    occurred_at: datetime

    @classmethod
    def of(cls, event: Event) -> SessionEvent:
        data = event.data
        return cls(
            event_id=gid(event.id),
            type=event.type,
            session_id=gid(data.get("sessionId")),
            status=_text(data.get("status")),
            energy_kwh=_decimal(data.get("energyKwh")),
            power_kw=_decimal(data.get("powerKw")),
            soc=_decimal(data.get("soc")),
            cost=_decimal(data.get("cost")),
            currency=_text(data.get("currency")),
            stop_reason=_text(data.get("stopReason")),
            occurred_at=event.occurred_at,
        )


@strawberry.type(description="Any event of the catalogue, in the shape webhooks and SSE streams use.")
class LiveEvent:
    id: strawberry.ID = strawberry.field(description="The event's UUID (the same in webhooks and SSE).")
    seq: int | None = strawberry.field(description="Its position in the retained event log (SSE id).")
    type: str
    occurred_at: datetime
    network_id: int
    station_id: str | None = strawberry.field(description="The charger's OCPP identity, if any.")
    location_id: strawberry.ID | None = strawberry.field(description="The charger's location UUID.")
    data: JSON = strawberry.field(description="The event's data, as documented per type.")

    @classmethod
    def of(cls, event: Event) -> LiveEvent:
        return cls(
            id=gid(event.id),
            seq=event.seq,
            type=event.type,
            occurred_at=event.occurred_at,
            network_id=event.network_id,
            station_id=event.station_id,
            location_id=_id(event.location_uuid),
            data=cast("JSON", event.data),
        )
