"""The events the domain services record, built in one place so each type has one data shape.

Each function runs inside the caller's unit of work and calls :func:`domain.events.record`; the event
reaches the bus after that transaction commits. Shapes are listed in the README's event catalogue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain import events
from domain.models import Charger, ChargingSession, OperatorAlert, Reservation
from domain.services.charger_status import ocpp_case
from domain.types import iso_z

SESSION_STATUS = {
    "PENDING": "Pending",
    "ACTIVE": "Active",
    "STOPPING": "Stopping",
    "COMPLETED": "Completed",
    "FAULTED": "Faulted",
}


async def _charger_ref(session: AsyncSession, charger_id: int) -> dict[str, Any]:
    charger = await session.get(Charger, charger_id)
    if charger is None:
        return {"chargerId": None, "stationId": None}
    return {"chargerId": str(charger.uuid), "stationId": charger.uid}


async def charger_connection(
    session: AsyncSession,
    network_id: int,
    charger_id: int,
    status: str,
    *,
    ocpp_version: str | None = None,
    close_code: int | None = None,
    reason: str | None = None,
) -> None:
    """``Connected`` / ``Disconnected`` websocket events (a refused handshake is not an event)."""
    ref = await _charger_ref(session, charger_id)
    if status == "Connected":
        await events.record(
            session,
            "charger.connected",
            network_id=network_id,
            charger_id=charger_id,
            data={**ref, "ocppVersion": ocpp_version},
        )
    elif status == "Disconnected":
        await events.record(
            session,
            "charger.disconnected",
            network_id=network_id,
            charger_id=charger_id,
            data={**ref, "closeCode": close_code, "reason": reason},
        )


async def status_changed(
    session: AsyncSession,
    network_id: int,
    charger_id: int,
    connector_number: int,
    *,
    status: str,
    previous: str | None,
    error_code: str | None,
) -> None:
    """Connector 0 is the charger itself (``charger.status_changed``)."""
    data = {
        **(await _charger_ref(session, charger_id)),
        "status": ocpp_case(status),
        "previousStatus": ocpp_case(previous),
        "errorCode": error_code,
    }
    if connector_number == 0:
        await events.record(
            session, "charger.status_changed", network_id=network_id, charger_id=charger_id, data=data
        )
        return
    await events.record(
        session,
        "connector.status_changed",
        network_id=network_id,
        charger_id=charger_id,
        data={**data, "connectorId": connector_number},
    )


def _kwh(wh: int | None) -> float | None:
    return None if wh is None else round(wh / 1000, 3)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def session_event(session: AsyncSession, event_type: str, row: ChargingSession) -> None:
    """``session.started`` / ``updated`` / ``completed`` / ``failed`` with the session's live values."""
    data = {
        "sessionId": str(row.uuid),
        **(await _charger_ref(session, row.charger_id)),
        "connectorId": row.connector_number,
        "status": SESSION_STATUS.get(row.status, row.status),
        "energyKwh": _kwh(row.energy_wh),
        "powerKw": None if row.current_power_w is None else round(row.current_power_w / 1000, 3),
        "soc": _number(row.current_soc_percent),
        "cost": None if row.total is None else str(row.total.quantize(Decimal("0.01"))),
        "currency": row.currency,
        "startedAt": iso_z(row.started_at),
        "endedAt": iso_z(row.ended_at),
        "stopReason": row.stop_reason,
    }
    await events.record(
        session,
        event_type,
        network_id=row.network_id,
        charger_id=row.charger_id,
        user_id=row.user_id,
        data=data,
    )


async def reservation_event(session: AsyncSession, event_type: str, row: Reservation) -> None:
    """``reservation.created`` / ``cancelled`` / ``expired`` / ``used``."""
    ref = await _charger_ref(session, row.charger_id)
    await events.record(
        session,
        event_type,
        network_id=row.network_id,
        charger_id=row.charger_id,
        user_id=row.user_id,
        data={
            "reservationId": str(row.uuid),
            **ref,
            "connectorId": row.connector_number,
            "status": row.status,
            "expiresAt": iso_z(row.expires_at),
        },
    )


async def progress_event(
    session: AsyncSession,
    event_type: str,
    network_id: int,
    charger_id: int,
    status: str,
    **extra: Any,
) -> None:
    """``firmware.status_changed`` (extra: firmwareVersion) / ``diagnostics.status_changed`` (fileName)."""
    await events.record(
        session,
        event_type,
        network_id=network_id,
        charger_id=charger_id,
        data={**(await _charger_ref(session, charger_id)), "status": status, **extra},
    )


async def alert_raised(session: AsyncSession, alert: OperatorAlert) -> None:
    """Call after the alert row is flushed (it needs its UUID, which it has from creation)."""
    charger = await _charger_ref(session, alert.charger_id) if alert.charger_id is not None else {}
    await events.record(
        session,
        "alert.raised",
        network_id=alert.network_id,
        charger_id=alert.charger_id,
        data={
            "alertId": str(alert.uuid),
            "category": alert.category,
            "severity": alert.severity,
            "title": alert.title,
            "message": alert.message,
            "chargerId": charger.get("chargerId"),
        },
    )
