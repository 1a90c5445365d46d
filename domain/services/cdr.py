"""Closing a session: its cost under its tariff and the charge detail record (CDR), written once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Charger, ChargingSession, Location, Tariff, Transaction
from domain.services import pricing
from domain.types import as_utc, utcnow

HOUR = Decimal(3600)


async def close(
    session: AsyncSession,
    row: ChargingSession,
    *,
    ended_at: datetime,
    status: str = "COMPLETED",
    stop_reason: str | None = None,
    meter_stop_wh: int | None = None,
) -> Transaction:
    """End ``row`` at ``ended_at`` (the charger's time), cost it and write its CDR. A session that is
    already closed is left as it is and its existing CDR returned."""
    if row.id is not None and row.ended_at is not None:
        existing = await cdr_of(session, row.id)
        if existing is not None:
            return existing
    ended_at = as_utc(ended_at)
    started_at = as_utc(row.started_at) if row.started_at is not None else ended_at
    if meter_stop_wh is not None:
        row.meter_stop_wh = meter_stop_wh
        row.current_meter_wh = meter_stop_wh
        if row.meter_start_wh is None:
            row.meter_start_wh = meter_stop_wh
        row.energy_wh = max(0, meter_stop_wh - row.meter_start_wh)
    elif row.meter_stop_wh is None:
        row.meter_stop_wh = row.current_meter_wh
    if row.idle_started_at is not None:
        row.idle_seconds += max(0, int((ended_at - as_utc(row.idle_started_at)).total_seconds()))
        row.idle_started_at = None
    row.status = status
    row.ended_at = ended_at
    row.started_at = started_at
    row.stop_reason = stop_reason or row.stop_reason
    row.current_power_w = None  # not charging any more
    row.updated_at = utcnow()
    tariff = await session.get(Tariff, row.tariff_id) if row.tariff_id is not None else None
    cost = pricing.price(
        tariff,
        energy_wh=row.energy_wh,
        started_at=started_at,
        ended_at=ended_at,
        idle_seconds=row.idle_seconds,
        currency=row.currency,
    )
    row.currency = cost.currency
    row.is_free = cost.is_free
    row.energy_cost, row.time_cost, row.session_fee = cost.energy_cost, cost.time_cost, cost.session_fee
    row.idle_fee, row.subtotal, row.tax_rate = cost.idle_fee, cost.subtotal, cost.tax_rate
    row.tax_amount, row.total, row.costed_at = cost.tax_amount, cost.total, utcnow()
    session.add(row)
    await session.flush()
    assert row.id is not None
    existing = await cdr_of(session, row.id)
    if existing is not None:
        return existing
    charger = await session.get(Charger, row.charger_id)
    location = await session.get(Location, row.location_id) if row.location_id is not None else None
    seconds = Decimal(str((ended_at - started_at).total_seconds()))
    record = Transaction(
        network_id=row.network_id,
        session_id=row.id,
        user_id=row.user_id,
        charger_id=row.charger_id,
        connector_id=row.connector_id,
        location_id=row.location_id,
        tariff_id=row.tariff_id,
        charger_uid=charger.uid if charger is not None else None,
        connector_number=row.connector_number,
        location_name=location.name if location is not None else None,
        location_address=location.address if location is not None else None,
        tariff_name=tariff.name if tariff is not None else None,
        id_tag=row.id_tag,
        auth_method=row.auth_method,
        authorization_reference=str(row.correlation_id) if row.correlation_id else None,
        start_time=started_at,
        end_time=ended_at,
        energy_wh=row.energy_wh,
        total_time_hours=max(Decimal(0), seconds) / HOUR,
        idle_time_hours=Decimal(row.idle_seconds) / HOUR,
        currency=cost.currency,
        is_free=cost.is_free,
        energy_cost=cost.energy_cost,
        time_cost=cost.time_cost,
        session_fee=cost.session_fee,
        idle_fee=cost.idle_fee,
        subtotal=cost.subtotal,
        tax_rate=cost.tax_rate,
        tax_amount=cost.tax_amount,
        total=cost.total,
        payment_status=row.payment_status,
    )
    session.add(record)
    await session.flush()
    return record


async def cdr_of(session: AsyncSession, session_id: int) -> Transaction | None:
    return (await session.exec(select(Transaction).where(Transaction.session_id == session_id))).first()
