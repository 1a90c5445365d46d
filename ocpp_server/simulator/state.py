"""What a simulated charge point remembers: connectors, configuration keys, variables, profiles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Connector:
    number: int
    status: str = "Available"
    """The last status sent, in 1.6 words (Available, Preparing, Charging, Finishing, Reserved, ...)."""
    error_code: str = "NoError"
    transaction_id: str | None = None
    id_tag: str | None = None
    meter_wh: int = 0
    soc: float | None = None
    seq_no: int = 0
    """2.0.1 TransactionEvent sequence number of the running transaction."""
    reservation_id: int | None = None
    reserved_for: str | None = None
    operative: bool = True


@dataclass
class Setting:
    value: str
    readonly: bool = False
    numeric: bool = False


@dataclass
class Profile:
    """A charging profile as the charger stores it (one period: its first)."""

    profile_id: int
    stack_level: int
    purpose: str
    connector: int
    unit: str
    limit: float
    transaction_id: str | None = None


@dataclass
class Reservation:
    reservation_id: int
    connector: int
    id_tag: str
    expires_at: str


def configuration_keys(connectors: int) -> dict[str, Setting]:
    """The 1.6 configuration keys a plain Core + SmartCharging charger exposes."""
    return {
        "HeartbeatInterval": Setting("300", numeric=True),
        "MeterValueSampleInterval": Setting("60", numeric=True),
        "ClockAlignedDataInterval": Setting("0", numeric=True),
        "ConnectionTimeOut": Setting("60", numeric=True),
        "AuthorizeRemoteTxRequests": Setting("false"),
        "LocalAuthorizeOffline": Setting("true"),
        "LocalPreAuthorize": Setting("false"),
        "StopTransactionOnEVSideDisconnect": Setting("true"),
        "MeterValuesSampledData": Setting("Energy.Active.Import.Register,Power.Active.Import,SoC"),
        "NumberOfConnectors": Setting(str(connectors), readonly=True, numeric=True),
        "ChargeProfileMaxStackLevel": Setting("10", readonly=True, numeric=True),
        "ChargingScheduleAllowedChargingRateUnit": Setting("Current,Power", readonly=True),
        "SupportedFeatureProfiles": Setting(
            "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
            readonly=True,
        ),
    }


def variables(uid: str) -> dict[tuple[str, str], Setting]:
    """The 2.0.1 (component, variable) pairs this station reports; readonly ones refuse SetVariables."""
    return {
        ("OCPPCommCtrlr", "HeartbeatInterval"): Setting("300", numeric=True),
        ("SampledDataCtrlr", "TxUpdatedInterval"): Setting("60", numeric=True),
        ("SampledDataCtrlr", "TxUpdatedMeasurands"): Setting(
            "Energy.Active.Import.Register,Power.Active.Import"
        ),
        ("AuthCtrlr", "AuthorizeRemoteStart"): Setting("false"),
        ("AuthCtrlr", "LocalPreAuthorize"): Setting("false"),
        ("TxCtrlr", "EVConnectionTimeOut"): Setting("60", numeric=True),
        ("SmartChargingCtrlr", "Enabled"): Setting("true"),
        ("ReservationCtrlr", "Enabled"): Setting("true"),
        ("ClockCtrlr", "TimeSource"): Setting("Heartbeat"),
        ("ChargingStation", "AvailabilityState"): Setting("Available", readonly=True),
        ("SecurityCtrlr", "Identity"): Setting(uid, readonly=True),
        ("SecurityCtrlr", "SecurityProfile"): Setting("1", readonly=True, numeric=True),
    }


@dataclass
class Memory:
    connectors: dict[int, Connector] = field(default_factory=dict)
    configuration: dict[str, Setting] = field(default_factory=dict)
    variables: dict[tuple[str, str], Setting] = field(default_factory=dict)
    profiles: list[Profile] = field(default_factory=list)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
