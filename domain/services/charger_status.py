"""Charger liveness (heartbeat within five minutes) and the OCPP spelling of stored statuses."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.types import as_utc, utcnow

ONLINE_WINDOW = timedelta(minutes=5)

# Stored statuses are uppercase; the references show them in OCPP's own spelling.
_OCPP_CASE = {
    "AVAILABLE": "Available",
    "PREPARING": "Preparing",
    "CHARGING": "Charging",
    "SUSPENDEDEVSE": "SuspendedEVSE",
    "SUSPENDEDEV": "SuspendedEV",
    "FINISHING": "Finishing",
    "RESERVED": "Reserved",
    "UNAVAILABLE": "Unavailable",
    "FAULTED": "Faulted",
    "OCCUPIED": "Occupied",
    "UNKNOWN": "UNKNOWN",  # not an OCPP status: the references spell "never reported" in capitals
}

CHARGER_STATUSES = frozenset(_OCPP_CASE)
"""The statuses a charger may be given (stored uppercase)."""

CONNECTOR_STATUSES = CHARGER_STATUSES | {"OUTOFORDER", "BLOCKED", "INOPERATIVE"}
"""Connector statuses also include the provisioning states an operator sets by hand."""


def is_online(last_heartbeat: datetime | None, now: datetime | None = None) -> bool:
    """True only if a heartbeat arrived within the last five minutes."""
    if last_heartbeat is None:
        return False
    return (now or utcnow()) - as_utc(last_heartbeat) <= ONLINE_WINDOW


def ocpp_case(status: str | None) -> str | None:
    """``SUSPENDEDEV`` -> ``SuspendedEV``; unknown values are returned unchanged."""
    if status is None:
        return None
    return _OCPP_CASE.get(status.upper(), status)


def normalize(status: str) -> str:
    """The stored form of a status given in any case: ``Suspended_EV`` -> ``SUSPENDEDEV``."""
    return status.replace("_", "").replace(" ", "").upper()
