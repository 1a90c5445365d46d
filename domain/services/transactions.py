"""What chargers report about charging, in version-neutral form: authorize, transaction start,
updates and meter values, transaction end. The OCPP 1.6 and 2.0.1 handlers both call these.

Each function runs in one unit of work and is idempotent: a replayed or duplicated message (same
charger, same transaction id or same start facts) changes nothing more and returns the same answer.
Times are the charger's own (a transaction queued offline is recorded at its own times).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from domain.db import Database

TokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid", "Unknown", "ConcurrentTx"]
"""2.0.1 vocabulary plus ConcurrentTx; the 1.6 handler maps Unknown to Invalid."""


@dataclass(frozen=True)
class Sample:
    """One sampled value. ``measurand`` as OCPP names it (Energy.Active.Import.Register, Power.Active.Import,
    SoC, Current.Import, Voltage, ...); ``unit`` as sent (Wh, kWh, W, kW, Percent, A, V) or None for the
    measurand's default."""

    measurand: str
    value: Decimal
    sampled_at: datetime
    unit: str | None = None
    phase: str | None = None
    location: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class TokenVerdict:
    status: TokenStatus
    expires_at: datetime | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True)
class Started:
    transaction_id: str
    """1.6: the integer id we assigned (as text); 2.0.1: the charger's own id, echoed."""
    token: TokenVerdict
    session_uuid: UUID


async def authorize(db: Database, charger_id: int, id_tag: str) -> TokenVerdict:
    """Is ``id_tag`` allowed to charge on this charger: a known, active, unexpired token of the
    charger's network whose driver is not on a fraud hold (Blocked)."""
    raise NotImplementedError


async def transaction_started(
    db: Database,
    charger_id: int,
    *,
    connector_number: int,
    id_tag: str | None,
    started_at: datetime,
    meter_start_wh: int | None = None,
    transaction_id: str | None = None,
    remote_start_id: int | None = None,
    reservation_id: int | None = None,
    reason: str | None = None,
    samples: tuple[Sample, ...] = (),
) -> Started:
    """The charger started a transaction (1.6 StartTransaction: ``transaction_id`` None, we assign
    one; 2.0.1 TransactionEvent Started: the charger's id). Activates the matching PENDING session
    of a remote start (by ``remote_start_id``, else charger + connector + id tag) or creates one."""
    raise NotImplementedError


async def transaction_updated(
    db: Database,
    charger_id: int,
    *,
    transaction_id: str,
    at: datetime,
    samples: tuple[Sample, ...] = (),
    charging_state: str | None = None,
    id_tag: str | None = None,
) -> TokenVerdict | None:
    """2.0.1 TransactionEvent Updated (also a late Started for an unknown id): meter values,
    charging state. Returns the token verdict when ``id_tag`` was given."""
    raise NotImplementedError


async def meter_values(
    db: Database,
    charger_id: int,
    *,
    connector_number: int,
    samples: tuple[Sample, ...],
    transaction_id: str | None = None,
) -> None:
    """MeterValues: stored as samples; with a transaction, the session's energy, power and state of
    charge are updated live. Hot path: one short unit of work."""
    raise NotImplementedError


async def transaction_ended(
    db: Database,
    charger_id: int,
    *,
    transaction_id: str,
    ended_at: datetime,
    meter_stop_wh: int | None = None,
    reason: str | None = None,
    id_tag: str | None = None,
    samples: tuple[Sample, ...] = (),
) -> TokenVerdict | None:
    """1.6 StopTransaction / 2.0.1 TransactionEvent Ended: the session COMPLETES (costed with its
    tariff, a CDR row written). An unknown id is recorded as a completed session of its own so no
    energy is lost. Returns the token verdict when ``id_tag`` was given."""
    raise NotImplementedError
