"""The price of a charging session under its tariff, exact in ``Decimal`` (rounded only at the edge).

energy: ``energy_rate`` per kWh; time: ``time_rate`` per hour of the session; a ``session_fee``; idle:
``idle_rate`` per hour parked after charging ended, beyond ``idle_grace_period_minutes``, when
``idle_fee_enabled`` (capped by ``idle_fee_maximum``). Energy and time are multiplied by
``peak_multiplier`` when the session starts within the peak hours and by ``weekend_multiplier`` on a
Saturday or Sunday (UTC). The subtotal (all of the above) is held between the minimum and maximum
session fee; ``tax_rate`` is a percent of the subtotal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from domain.models import Tariff
from domain.types import as_utc

ZERO = Decimal(0)
HOUR = Decimal(3600)
KWH = Decimal(1000)


@dataclass(frozen=True)
class Cost:
    currency: str
    is_free: bool
    energy_cost: Decimal = ZERO
    time_cost: Decimal = ZERO
    session_fee: Decimal = ZERO
    idle_fee: Decimal = ZERO
    subtotal: Decimal = ZERO
    tax_rate: Decimal | None = None
    tax_amount: Decimal = ZERO
    total: Decimal = ZERO


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _in_peak(tariff: Tariff, at: datetime) -> bool:
    if not (tariff.peak_hours_start and tariff.peak_hours_end):
        return False
    start, end, now = _hhmm(tariff.peak_hours_start), _hhmm(tariff.peak_hours_end), at.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # a window across midnight


def multiplier(tariff: Tariff, started_at: datetime) -> Decimal:
    at = as_utc(started_at)
    factor = Decimal(1)
    if tariff.peak_multiplier is not None and _in_peak(tariff, at):
        factor *= tariff.peak_multiplier
    if tariff.weekend_multiplier is not None and at.weekday() >= 5:
        factor *= tariff.weekend_multiplier
    return factor


def price(
    tariff: Tariff | None,
    *,
    energy_wh: int,
    started_at: datetime,
    ended_at: datetime,
    idle_seconds: int = 0,
    currency: str = "USD",
) -> Cost:
    """The cost of ``energy_wh`` delivered from ``started_at`` to ``ended_at``; free without a tariff."""
    if tariff is None:
        return Cost(currency=currency, is_free=True)
    if tariff.is_free:
        return Cost(currency=tariff.currency, is_free=True)
    seconds = max(Decimal(0), Decimal(str((as_utc(ended_at) - as_utc(started_at)).total_seconds())))
    factor = multiplier(tariff, started_at)
    energy = (Decimal(max(energy_wh, 0)) / KWH) * (tariff.energy_rate or ZERO) * factor
    timed = (seconds / HOUR) * (tariff.time_rate or ZERO) * factor
    fee = tariff.session_fee or ZERO
    idle = ZERO
    if tariff.idle_fee_enabled and tariff.idle_rate:
        billable = max(0, idle_seconds - tariff.idle_grace_period_minutes * 60)
        idle = Decimal(billable) / HOUR * tariff.idle_rate
        if tariff.idle_fee_maximum is not None:
            idle = min(idle, tariff.idle_fee_maximum)
    subtotal = energy + timed + fee + idle
    if tariff.minimum_session_fee is not None:
        subtotal = max(subtotal, tariff.minimum_session_fee)
    if tariff.maximum_session_fee is not None:
        subtotal = min(subtotal, tariff.maximum_session_fee)
    tax = subtotal * tariff.tax_rate / Decimal(100) if tariff.tax_rate else ZERO
    return Cost(
        currency=tariff.currency,
        is_free=False,
        energy_cost=energy,
        time_cost=timed,
        session_fee=fee,
        idle_fee=idle,
        subtotal=subtotal,
        tax_rate=tariff.tax_rate,
        tax_amount=tax,
        total=subtotal + tax,
    )
