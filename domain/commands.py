"""Commands to chargers, independent of the OCPP version, and the charger's verdict on each.

The OCPP server translates each command to its 1.6 or 2.0.1 call (``ocpp_server.translate``) and the
charger's reply back to a :class:`Verdict`. Connector numbers are 1-based; 0 means the whole charger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

ChargingRateUnit = Literal["A", "W"]


@dataclass(frozen=True)
class Verdict:
    """What the charger answered. ``accepted`` false with ``retryable`` true means it could not be
    reached (offline, or silent until the timeout); ``payload`` is the charger's reply as sent
    (camelCase), for commands that return data (configuration, variables, schedules, file names)."""

    accepted: bool
    reason: str | None = None
    retryable: bool = False
    status: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def offline(cls) -> Verdict:
        return cls(False, "The charger is not connected.", retryable=True, status="Offline")

    @classmethod
    def timed_out(cls) -> Verdict:
        return cls(False, "The charger did not answer in time.", retryable=True, status="Timeout")


@dataclass(frozen=True)
class RemoteStart:
    connector_number: int
    id_tag: str
    remote_start_id: int
    """2.0.1 ``remoteStartId``; 1.6 has none (the session is matched by charger, connector and tag)."""
    profile: ChargingProfile | None = None


@dataclass(frozen=True)
class RemoteStop:
    transaction_id: str


@dataclass(frozen=True)
class Reset:
    kind: Literal["Hard", "Soft"] = "Soft"


@dataclass(frozen=True)
class UnlockConnector:
    connector_number: int


@dataclass(frozen=True)
class ChangeAvailability:
    connector_number: int
    operative: bool


@dataclass(frozen=True)
class TriggerMessage:
    """``message`` in 1.6 vocabulary: BootNotification, DiagnosticsStatusNotification,
    FirmwareStatusNotification, Heartbeat, MeterValues, StatusNotification (2.0.1 maps
    DiagnosticsStatusNotification to LogStatusNotification)."""

    message: str
    connector_number: int | None = None


@dataclass(frozen=True)
class GetConfiguration:
    """1.6 GetConfiguration; an empty ``keys`` asks for every key."""

    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeConfiguration:
    key: str
    value: str


@dataclass(frozen=True)
class VariableRef:
    component: str
    variable: str
    attribute_type: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    instance: str | None = None


@dataclass(frozen=True)
class GetVariables:
    """2.0.1 GetVariables."""

    variables: tuple[VariableRef, ...]


@dataclass(frozen=True)
class SetVariables:
    """2.0.1 SetVariables: (variable, value) pairs."""

    values: tuple[tuple[VariableRef, str], ...]


@dataclass(frozen=True)
class UpdateFirmware:
    location: str
    retrieve_at: datetime
    request_id: int
    retries: int | None = None
    retry_interval_seconds: int | None = None
    checksum: str | None = None


@dataclass(frozen=True)
class GetDiagnostics:
    """1.6 GetDiagnostics / 2.0.1 GetLog: the charger uploads a file to ``location``."""

    location: str
    request_id: int
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    start: datetime | None = None
    stop: datetime | None = None


@dataclass(frozen=True)
class ChargingProfile:
    """A TxDefaultProfile/ChargePointMaxProfile-style cap: one period from now, ``limit`` in ``unit``."""

    profile_id: int
    stack_level: int
    unit: ChargingRateUnit
    limit: Decimal
    purpose: Literal["TxDefaultProfile", "TxProfile", "ChargePointMaxProfile"] = "TxDefaultProfile"
    transaction_id: str | None = None


@dataclass(frozen=True)
class SetChargingProfile:
    connector_number: int
    profile: ChargingProfile


@dataclass(frozen=True)
class ClearChargingProfile:
    profile_id: int | None = None
    connector_number: int | None = None


@dataclass(frozen=True)
class GetCompositeSchedule:
    connector_number: int
    duration_seconds: int
    unit: ChargingRateUnit | None = None


@dataclass(frozen=True)
class ReserveNow:
    connector_number: int
    expires_at: datetime
    id_tag: str
    reservation_id: int


@dataclass(frozen=True)
class CancelReservation:
    reservation_id: int


Command = (
    RemoteStart
    | RemoteStop
    | Reset
    | UnlockConnector
    | ChangeAvailability
    | TriggerMessage
    | GetConfiguration
    | ChangeConfiguration
    | GetVariables
    | SetVariables
    | UpdateFirmware
    | GetDiagnostics
    | SetChargingProfile
    | ClearChargingProfile
    | GetCompositeSchedule
    | ReserveNow
    | CancelReservation
)
