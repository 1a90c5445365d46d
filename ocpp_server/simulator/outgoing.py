"""The payloads a charge point sends, per OCPP version, built from the ``ocpp`` library's call dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

Payload = dict[str, Any]

STATUS_201 = {
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "SuspendedEV": "Occupied",
    "SuspendedEVSE": "Occupied",
    "Finishing": "Occupied",
    "Occupied": "Occupied",
    "Reserved": "Reserved",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}
"""1.6 connector status words → 2.0.1 ``connectorStatus``."""

LOG_STATUS_201 = {"UploadFailed": "UploadFailure"}
"""1.6 DiagnosticsStatus words that 2.0.1 LogStatusNotification spells differently."""

STOP_REASON_201 = {"HardReset": "ImmediateReset", "SoftReset": "ImmediateReset", "UnlockCommand": "Local"}


def iso(moment: datetime | None = None) -> str:
    """UTC with a ``Z`` suffix, as chargers send it."""
    value = (moment or datetime.now(UTC)).astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_payload(message: Any) -> tuple[str, Payload]:
    """(action, camelCase payload) of a call dataclass, serialized the way ``ocpp`` does it."""
    payload: Payload = snake_to_camel_case(remove_nones(serialize_as_dict(message)))
    return type(message).__name__, payload


def boot(version: str, vendor: str, model: str, serial: str, firmware: str) -> tuple[str, Payload]:
    if version == "1.6":
        return as_payload(
            call16.BootNotification(
                charge_point_model=model,
                charge_point_vendor=vendor,
                charge_point_serial_number=serial,
                firmware_version=firmware,
            )
        )
    station = {"model": model, "vendorName": vendor, "serialNumber": serial, "firmwareVersion": firmware}
    return as_payload(call201.BootNotification(charging_station=station, reason="PowerUp"))


def heartbeat(version: str) -> tuple[str, Payload]:
    return as_payload(call16.Heartbeat() if version == "1.6" else call201.Heartbeat())


def status(
    version: str,
    connector: int,
    status: str,
    error_code: str,
    *,
    timestamp: datetime | None,
    info: str | None,
) -> tuple[str, Payload]:
    if version == "1.6":
        return as_payload(
            call16.StatusNotification(
                connector_id=connector,
                error_code=error_code,
                status=status,
                timestamp=iso(timestamp),
                info=info,
            )
        )
    word = STATUS_201.get(status, status)
    return as_payload(
        call201.StatusNotification(
            timestamp=iso(timestamp),
            connector_status=word,
            evse_id=connector,
            connector_id=1 if connector else 0,
        )
    )


def id_token(id_tag: str, kind: str = "ISO14443") -> Payload:
    return {"idToken": id_tag, "type": kind}


def authorize(version: str, id_tag: str, token_type: str) -> tuple[str, Payload]:
    if version == "1.6":
        return as_payload(call16.Authorize(id_tag=id_tag))
    return as_payload(call201.Authorize(id_token=id_token(id_tag, token_type)))


def _number(value: float | int | Decimal) -> float | int:
    return value if isinstance(value, int) else float(value)


def sampled_values(
    version: str,
    *,
    energy_wh: float | int,
    power_w: float | int | None,
    soc: float | int | None,
    context: str,
) -> list[Payload]:
    rows: list[tuple[str, float | int | None, str]] = [
        ("Energy.Active.Import.Register", energy_wh, "Wh"),
        ("Power.Active.Import", power_w, "W"),
        ("SoC", soc, "Percent"),
    ]
    values: list[Payload] = []
    for measurand, value, unit in rows:
        if value is None:
            continue
        if version == "1.6":
            values.append(
                {"value": str(_number(value)), "context": context, "measurand": measurand, "unit": unit}
            )
        else:
            values.append(
                {
                    "value": _number(value),
                    "context": context,
                    "measurand": measurand,
                    "unitOfMeasure": {"unit": unit},
                }
            )
    return values


def meter_value(
    version: str,
    *,
    energy_wh: float | int,
    power_w: float | int | None = None,
    soc: float | int | None = None,
    timestamp: datetime | None = None,
    context: str = "Sample.Periodic",
) -> Payload:
    sampled = sampled_values(version, energy_wh=energy_wh, power_w=power_w, soc=soc, context=context)
    return {"timestamp": iso(timestamp), "sampledValue": sampled}


def meter_values_16(connector: int, value: Payload, transaction_id: str | None) -> tuple[str, Payload]:
    tx = int(transaction_id) if transaction_id is not None else None
    return as_payload(call16.MeterValues(connector_id=connector, meter_value=[value], transaction_id=tx))


def meter_values_201(evse: int, value: Payload) -> tuple[str, Payload]:
    return as_payload(call201.MeterValues(evse_id=evse, meter_value=[value]))


def start_16(
    connector: int, id_tag: str, meter_start_wh: int, timestamp: datetime | None, reservation_id: int | None
) -> tuple[str, Payload]:
    return as_payload(
        call16.StartTransaction(
            connector_id=connector,
            id_tag=id_tag,
            meter_start=meter_start_wh,
            timestamp=iso(timestamp),
            reservation_id=reservation_id,
        )
    )


def stop_16(
    transaction_id: str, meter_stop_wh: int, reason: str, timestamp: datetime | None, id_tag: str | None
) -> tuple[str, Payload]:
    return as_payload(
        call16.StopTransaction(
            meter_stop=meter_stop_wh,
            timestamp=iso(timestamp),
            transaction_id=int(transaction_id),
            reason=reason,
            id_tag=id_tag,
        )
    )


def transaction_event(
    *,
    event_type: str,
    trigger_reason: str,
    seq_no: int,
    transaction: Payload,
    timestamp: datetime | None,
    evse: int | None = None,
    token: Payload | None = None,
    meter: Payload | None = None,
    reservation_id: int | None = None,
    offline: bool | None = None,
) -> tuple[str, Payload]:
    return as_payload(
        call201.TransactionEvent(
            event_type=event_type,
            timestamp=iso(timestamp),
            trigger_reason=trigger_reason,
            seq_no=seq_no,
            transaction_info=transaction,
            meter_value=[meter] if meter is not None else None,
            offline=offline,
            reservation_id=reservation_id,
            evse={"id": evse, "connectorId": 1} if evse is not None else None,
            id_token=token,
        )
    )


def firmware_status(version: str, status: str, request_id: int | None) -> tuple[str, Payload]:
    if version == "1.6":
        return as_payload(call16.FirmwareStatusNotification(status=status))
    return as_payload(call201.FirmwareStatusNotification(status=status, request_id=request_id))


def diagnostics_status(version: str, status: str, request_id: int | None) -> tuple[str, Payload]:
    if version == "1.6":
        return as_payload(call16.DiagnosticsStatusNotification(status=status))
    word = LOG_STATUS_201.get(status, status)
    return as_payload(call201.LogStatusNotification(status=word, request_id=request_id))


def data_transfer(version: str, vendor_id: str, message_id: str | None, data: Any) -> tuple[str, Payload]:
    module: Any = call16 if version == "1.6" else call201
    return as_payload(module.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data))


def security_event(
    version: str, kind: str, tech_info: str | None, timestamp: datetime | None
) -> tuple[str, Payload]:
    module: Any = call16 if version == "1.6" else call201
    return as_payload(
        module.SecurityEventNotification(type=kind, timestamp=iso(timestamp), tech_info=tech_info)
    )


def notify_report(
    request_id: int, seq_no: int, report: list[Payload], tbc: bool = False
) -> tuple[str, Payload]:
    return as_payload(
        call201.NotifyReport(
            request_id=request_id, generated_at=iso(), seq_no=seq_no, report_data=report, tbc=tbc
        )
    )
