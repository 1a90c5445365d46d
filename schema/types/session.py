"""The ChargingSession type and the payloads of the session mutations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from resolvers.remote_charging import Outcome
from resolvers.sessions import SessionView, duration_seconds, is_idle, kwh
from schema.scalars import dec, gid, money
from schema.types.charger import Charger, Connector
from schema.types.command import CommandResult


@strawberry.type(description="What a session costs (exact decimals; null until it is costed at its end).")
class SessionCost:
    currency: str
    is_free: bool
    energy_cost: Decimal | None
    time_cost: Decimal | None
    session_fee: Decimal | None
    idle_fee: Decimal | None
    subtotal: Decimal | None
    tax_rate: Decimal | None = strawberry.field(description="Percent.")
    tax_amount: Decimal | None
    total: Decimal | None


@strawberry.type(description="One charge on one connector, from remote start or plug-in to its final cost.")
class ChargingSession:
    id: strawberry.ID
    database_id: int
    status: str = strawberry.field(description="PENDING, ACTIVE, STOPPING, COMPLETED or FAULTED.")
    correlation_id: str | None = strawberry.field(description="Set when started from the platform.")
    transaction_id: str | None = strawberry.field(description="The charger's OCPP transaction id.")
    connector_number: int
    id_tag: str | None
    auth_method: str | None
    start_reason: str | None
    stop_reason: str | None
    created_at: datetime
    started_at: datetime | None = strawberry.field(description="The charger's start time.")
    ended_at: datetime | None
    duration_seconds: int | None
    energy_kwh: Decimal = strawberry.field(description="Energy delivered so far, in kWh.")
    power_kw: Decimal | None = strawberry.field(description="Instantaneous power, in kW.")
    max_power_kw: Decimal | None
    soc_percent: Decimal | None = strawberry.field(description="The car's state of charge, percent.")
    start_soc_percent: Decimal | None
    meter_start_kwh: Decimal | None
    meter_stop_kwh: Decimal | None
    last_meter_at: datetime | None
    meter_anomaly: str | None = strawberry.field(
        description="Set when the charger's energy register went backwards (e.g. a meter stop below the "
        "last reading): what it reported; the highest reading is kept and billed, and an alert raised."
    )
    idle_seconds: int
    is_idle: bool
    cost: SessionCost
    payment_status: str | None
    charger: Charger
    connector: Connector | None
    location_id: strawberry.ID | None
    location_name: str | None

    @classmethod
    def of(cls, view: SessionView) -> ChargingSession:
        row = view.session
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            status=row.status,
            correlation_id=str(row.correlation_id) if row.correlation_id else None,
            transaction_id=row.ocpp_transaction_id,
            connector_number=row.connector_number,
            id_tag=row.id_tag,
            auth_method=row.auth_method,
            start_reason=row.start_reason,
            stop_reason=row.stop_reason,
            created_at=row.created_at,
            started_at=row.started_at,
            ended_at=row.ended_at,
            duration_seconds=duration_seconds(row),
            energy_kwh=dec(kwh(row.energy_wh)) or Decimal(0),
            power_kw=dec(kwh(row.current_power_w)),
            max_power_kw=dec(kwh(row.max_power_w)),
            soc_percent=dec(row.current_soc_percent),
            start_soc_percent=dec(row.start_soc_percent),
            meter_start_kwh=dec(kwh(row.meter_start_wh)),
            meter_stop_kwh=dec(kwh(row.meter_stop_wh)),
            last_meter_at=row.last_meter_at,
            meter_anomaly=row.meter_anomaly,
            idle_seconds=row.idle_seconds,
            is_idle=is_idle(row),
            cost=SessionCost(
                currency=row.currency,
                is_free=row.is_free,
                energy_cost=money(row.energy_cost),
                time_cost=money(row.time_cost),
                session_fee=money(row.session_fee),
                idle_fee=money(row.idle_fee),
                subtotal=money(row.subtotal),
                tax_rate=dec(row.tax_rate),
                tax_amount=money(row.tax_amount),
                total=money(row.total),
            ),
            payment_status=row.payment_status,
            charger=Charger.from_row(view.charger),
            connector=Connector.from_row(view.connector) if view.connector is not None else None,
            location_id=gid(view.location.uuid) if view.location is not None else None,
            location_name=view.location.name if view.location is not None else None,
        )


@strawberry.type(description="The charger's verdict on a start or stop, and the session as it stands.")
class SessionCommandPayload:
    result: CommandResult
    session: ChargingSession

    @classmethod
    def of(cls, outcome: Outcome) -> SessionCommandPayload:
        return cls(result=CommandResult.of(outcome.verdict), session=ChargingSession.of(outcome.view))


@strawberry.type(description="A force-stopped session; stopped is false when it had already ended.")
class ForceStopPayload:
    stopped: bool
    session: ChargingSession
