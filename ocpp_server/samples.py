"""Meter values as the charger sends them (after the library's snake_casing) to domain samples."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.services.transactions import Sample
from domain.types import as_utc, utcnow

ENERGY = "Energy.Active.Import.Register"


def when(value: Any) -> datetime:
    """A charger timestamp (ISO 8601, usually with Z) as aware UTC; now when missing or unreadable."""
    if isinstance(value, str) and value:
        try:
            return as_utc(datetime.fromisoformat(value.replace("z", "Z")))
        except ValueError:
            pass
    return utcnow()


def _value(sampled: dict[str, Any]) -> Decimal | None:
    if sampled.get("format") == "SignedData":
        return None
    try:
        value = Decimal(str(sampled.get("value")))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    unit = sampled.get("unit_of_measure")  # 2.0.1: {unit, multiplier}
    if isinstance(unit, dict) and unit.get("multiplier"):
        value = value.scaleb(int(unit["multiplier"]))
    return value


def _unit(sampled: dict[str, Any]) -> str | None:
    unit = sampled.get("unit")
    if unit is None and isinstance(sampled.get("unit_of_measure"), dict):
        unit = sampled["unit_of_measure"].get("unit")
    return str(unit) if unit else None


def samples(meter_values: list[dict[str, Any]] | None) -> tuple[Sample, ...]:
    """Every readable sampled value; the measurand defaults to the energy register, as OCPP says."""
    out: list[Sample] = []
    for meter_value in meter_values or []:
        at = when(meter_value.get("timestamp"))
        for sampled in meter_value.get("sampled_value") or []:
            value = _value(sampled)
            if value is None:
                continue
            out.append(
                Sample(
                    measurand=str(sampled.get("measurand") or ENERGY),
                    value=value,
                    sampled_at=at,
                    unit=_unit(sampled),
                    phase=sampled.get("phase"),
                    location=sampled.get("location"),
                    context=sampled.get("context"),
                )
            )
    return tuple(out)


def energy_wh(values: tuple[Sample, ...], context: str | None = None) -> int | None:
    """The (last) energy register reading in Wh, of ``context`` when given (Transaction.Begin/End)."""
    found: int | None = None
    for sample in values:
        if sample.measurand != ENERGY or sample.phase:
            continue
        if context is not None and sample.context not in (context, None):
            continue
        factor = Decimal(1000) if (sample.unit or "Wh").lower() == "kwh" else Decimal(1)
        found = int(sample.value * factor)
    return found
