"""Version-neutral commands to OCPP calls (1.6 and 2.0.1), and the charger's reply to a verdict.

Connector numbers map to 2.0.1 EVSE ids one to one (each EVSE has one connector, number 1); connector
0 is the whole charger. Every time sent is UTC with a ``Z`` suffix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.commands import (
    CancelReservation,
    ChangeAvailability,
    ChangeConfiguration,
    ChargingProfile,
    ClearChargingProfile,
    Command,
    GetCompositeSchedule,
    GetConfiguration,
    GetDiagnostics,
    GetVariables,
    RemoteStart,
    RemoteStop,
    ReserveNow,
    Reset,
    SetChargingProfile,
    SetVariables,
    TriggerMessage,
    UnlockConnector,
    UpdateFirmware,
    VariableRef,
    Verdict,
)
from domain.types import iso_z, utcnow
from ocpp_server.connection import Reply


@dataclass(frozen=True)
class Outgoing:
    action: str
    payload: dict[str, Any]


class Unsupported(Exception):
    """The command has no equivalent in the charger's OCPP version."""


def _limit(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


_HEX_UID = re.compile(r"^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20})$")


def id_token(tag: str) -> dict[str, str]:
    """A 2.0.1 IdToken: RFID-looking hex uids are ISO14443, anything else a Central token."""
    return {"idToken": tag, "type": "ISO14443" if _HEX_UID.match(tag) else "Central"}


def _schedule_16(profile: ChargingProfile) -> dict[str, Any]:
    return {
        "chargingRateUnit": profile.unit,
        "startSchedule": iso_z(utcnow()),
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": _limit(profile.limit)}],
    }


def _profile_16(profile: ChargingProfile) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chargingProfileId": profile.profile_id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": profile.purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": _schedule_16(profile),
    }
    if profile.purpose == "TxProfile" and profile.transaction_id and profile.transaction_id.isdigit():
        body["transactionId"] = int(profile.transaction_id)
    return body


def _profile_201(profile: ChargingProfile, *, purpose: str | None = None) -> dict[str, Any]:
    purpose = purpose or (
        "ChargingStationMaxProfile" if profile.purpose == "ChargePointMaxProfile" else profile.purpose
    )
    body: dict[str, Any] = {
        "id": profile.profile_id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": profile.profile_id,
                "startSchedule": iso_z(utcnow()),
                "chargingRateUnit": profile.unit,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": _limit(profile.limit)}],
            }
        ],
    }
    if purpose == "TxProfile" and profile.transaction_id:
        body["transactionId"] = profile.transaction_id
    return body


def to_v16(command: Command) -> Outgoing:  # noqa: C901 - one flat case per command
    match command:
        case RemoteStart():
            payload: dict[str, Any] = {"idTag": command.id_tag}
            if command.connector_number > 0:
                payload["connectorId"] = command.connector_number
            if command.profile is not None:
                tx_profile = ChargingProfile(
                    command.profile.profile_id, command.profile.stack_level, command.profile.unit,
                    command.profile.limit, purpose="TxProfile",
                )  # fmt: skip
                payload["chargingProfile"] = _profile_16(tx_profile)
            return Outgoing("RemoteStartTransaction", payload)
        case RemoteStop():
            if not command.transaction_id.isdigit():
                raise Unsupported(
                    f"Transaction {command.transaction_id!r} is not an OCPP 1.6 transaction id."
                )
            return Outgoing("RemoteStopTransaction", {"transactionId": int(command.transaction_id)})
        case Reset():
            return Outgoing("Reset", {"type": command.kind})
        case UnlockConnector():
            return Outgoing("UnlockConnector", {"connectorId": command.connector_number})
        case ChangeAvailability():
            kind = "Operative" if command.operative else "Inoperative"
            return Outgoing("ChangeAvailability", {"connectorId": command.connector_number, "type": kind})
        case TriggerMessage():
            message = {"LogStatusNotification": "DiagnosticsStatusNotification"}.get(
                command.message, command.message
            )
            payload = {"requestedMessage": message}
            if command.connector_number is not None:
                payload["connectorId"] = command.connector_number
            return Outgoing("TriggerMessage", payload)
        case GetConfiguration():
            return Outgoing("GetConfiguration", {"key": list(command.keys)} if command.keys else {})
        case ChangeConfiguration():
            return Outgoing("ChangeConfiguration", {"key": command.key, "value": command.value})
        case GetVariables() | SetVariables():
            raise Unsupported("Use configuration keys on OCPP 1.6.")
        case UpdateFirmware():
            payload = {"location": command.location, "retrieveDate": iso_z(command.retrieve_at)}
            if command.retries is not None:
                payload["retries"] = command.retries
            if command.retry_interval_seconds is not None:
                payload["retryInterval"] = command.retry_interval_seconds
            return Outgoing("UpdateFirmware", payload)
        case GetDiagnostics():
            payload = {"location": command.location}
            if command.start is not None:
                payload["startTime"] = iso_z(command.start)
            if command.stop is not None:
                payload["stopTime"] = iso_z(command.stop)
            return Outgoing("GetDiagnostics", payload)
        case SetChargingProfile():
            connector = 0 if command.profile.purpose == "ChargePointMaxProfile" else command.connector_number
            return Outgoing(
                "SetChargingProfile",
                {"connectorId": connector, "csChargingProfiles": _profile_16(command.profile)},
            )
        case ClearChargingProfile():
            payload = {}
            if command.profile_id is not None:
                payload["id"] = command.profile_id
            if command.connector_number is not None:
                payload["connectorId"] = command.connector_number
            return Outgoing("ClearChargingProfile", payload)
        case GetCompositeSchedule():
            payload = {"connectorId": command.connector_number, "duration": command.duration_seconds}
            if command.unit is not None:
                payload["chargingRateUnit"] = command.unit
            return Outgoing("GetCompositeSchedule", payload)
        case ReserveNow():
            return Outgoing(
                "ReserveNow",
                {
                    "connectorId": command.connector_number,
                    "expiryDate": iso_z(command.expires_at),
                    "idTag": command.id_tag,
                    "reservationId": command.reservation_id,
                },
            )
        case CancelReservation():
            return Outgoing("CancelReservation", {"reservationId": command.reservation_id})
    raise Unsupported(f"{type(command).__name__} is not an OCPP 1.6 command.")


def _component(ref: VariableRef) -> dict[str, Any]:
    component: dict[str, Any] = {"name": ref.component}
    if ref.instance:
        component["instance"] = ref.instance
    if ref.evse_id is not None:
        evse: dict[str, Any] = {"id": ref.evse_id}
        if ref.connector_id is not None:
            evse["connectorId"] = ref.connector_id
        component["evse"] = evse
    return component


def _variable_data(ref: VariableRef) -> dict[str, Any]:
    data: dict[str, Any] = {"component": _component(ref), "variable": {"name": ref.variable}}
    if ref.attribute_type:
        data["attributeType"] = ref.attribute_type
    return data


def to_v201(command: Command) -> Outgoing:  # noqa: C901 - one flat case per command
    match command:
        case RemoteStart():
            payload: dict[str, Any] = {
                "idToken": id_token(command.id_tag),
                "remoteStartId": command.remote_start_id,
            }
            if command.connector_number > 0:
                payload["evseId"] = command.connector_number
            if command.profile is not None:
                payload["chargingProfile"] = _profile_201(command.profile, purpose="TxProfile")
            return Outgoing("RequestStartTransaction", payload)
        case RemoteStop():
            return Outgoing("RequestStopTransaction", {"transactionId": command.transaction_id})
        case Reset():
            return Outgoing("Reset", {"type": "Immediate" if command.kind == "Hard" else "OnIdle"})
        case UnlockConnector():
            return Outgoing("UnlockConnector", {"evseId": command.connector_number, "connectorId": 1})
        case ChangeAvailability():
            payload = {"operationalStatus": "Operative" if command.operative else "Inoperative"}
            if command.connector_number > 0:
                payload["evse"] = {"id": command.connector_number}
            return Outgoing("ChangeAvailability", payload)
        case TriggerMessage():
            message = {"DiagnosticsStatusNotification": "LogStatusNotification"}.get(
                command.message, command.message
            )
            payload = {"requestedMessage": message}
            if command.connector_number:
                evse: dict[str, Any] = {"id": command.connector_number}
                if message == "StatusNotification":
                    evse["connectorId"] = 1
                payload["evse"] = evse
            return Outgoing("TriggerMessage", payload)
        case GetConfiguration() | ChangeConfiguration():
            raise Unsupported("Use variables on OCPP 2.0.1")
        case GetVariables():
            return Outgoing(
                "GetVariables", {"getVariableData": [_variable_data(v) for v in command.variables]}
            )
        case SetVariables():
            return Outgoing(
                "SetVariables",
                {
                    "setVariableData": [
                        {**_variable_data(ref), "attributeValue": value} for ref, value in command.values
                    ]
                },
            )
        case UpdateFirmware():
            payload = {
                "requestId": command.request_id,
                "firmware": {"location": command.location, "retrieveDateTime": iso_z(command.retrieve_at)},
            }
            if command.retries is not None:
                payload["retries"] = command.retries
            if command.retry_interval_seconds is not None:
                payload["retryInterval"] = command.retry_interval_seconds
            return Outgoing("UpdateFirmware", payload)
        case GetDiagnostics():
            log: dict[str, Any] = {"remoteLocation": command.location}
            if command.start is not None:
                log["oldestTimestamp"] = iso_z(command.start)
            if command.stop is not None:
                log["latestTimestamp"] = iso_z(command.stop)
            return Outgoing(
                "GetLog", {"log": log, "logType": command.log_type, "requestId": command.request_id}
            )
        case SetChargingProfile():
            station = command.profile.purpose == "ChargePointMaxProfile"
            return Outgoing(
                "SetChargingProfile",
                {
                    "evseId": 0 if station else command.connector_number,
                    "chargingProfile": _profile_201(command.profile),
                },
            )
        case ClearChargingProfile():
            payload = {}
            if command.profile_id is not None:
                payload["chargingProfileId"] = command.profile_id
            if command.connector_number is not None:
                payload["chargingProfileCriteria"] = {"evseId": command.connector_number}
            return Outgoing("ClearChargingProfile", payload)
        case GetCompositeSchedule():
            payload = {"evseId": command.connector_number, "duration": command.duration_seconds}
            if command.unit is not None:
                payload["chargingRateUnit"] = command.unit
            return Outgoing("GetCompositeSchedule", payload)
        case ReserveNow():
            payload = {
                "id": command.reservation_id,
                "expiryDateTime": iso_z(command.expires_at),
                "idToken": id_token(command.id_tag),
            }
            if command.connector_number > 0:
                payload["evseId"] = command.connector_number
            return Outgoing("ReserveNow", payload)
        case CancelReservation():
            return Outgoing("CancelReservation", {"reservationId": command.reservation_id})
    raise Unsupported(f"{type(command).__name__} is not an OCPP 2.0.1 command.")


def to_call(version: str, command: Command) -> Outgoing:
    return to_v16(command) if version == "1.6" else to_v201(command)


_ACCEPTED = {
    "Accepted": None,
    "Unlocked": None,
    "Scheduled": "Scheduled: the charger applies it once it is idle.",
    "RebootRequired": "Accepted; takes effect after the charger reboots.",
    "AcceptedCanceled": "Accepted; the charger cancelled its earlier request.",
}
_VARIABLE_OK = {"Accepted", "RebootRequired"}


def _status_info(payload: dict[str, Any]) -> str | None:
    info = payload.get("statusInfo")
    if not isinstance(info, dict):
        return None
    parts = [str(info[k]) for k in ("reasonCode", "additionalInfo") if info.get(k)]
    return ": ".join(parts) or None


def _variable_name(result: dict[str, Any]) -> str:
    component = result.get("component") or {}
    variable = result.get("variable") or {}
    return f"{component.get('name')}.{variable.get('name')}"


def _variables_verdict(payload: dict[str, Any], key: str) -> Verdict:
    results = payload.get(key)
    results = results if isinstance(results, list) else []
    failed = [r for r in results if isinstance(r, dict) and r.get("attributeStatus") not in _VARIABLE_OK]
    if key == "getVariableResult":
        return Verdict(True, None, status="Accepted", payload=payload)
    if failed:
        names = ", ".join(_variable_name(r) + f": {r.get('attributeStatus')}" for r in failed)
        return Verdict(False, f"The charger refused {names}", status="Rejected", payload=payload)
    reboot = any(isinstance(r, dict) and r.get("attributeStatus") == "RebootRequired" for r in results)
    return Verdict(True, _ACCEPTED["RebootRequired"] if reboot else None, status="Accepted", payload=payload)


def verdict(action: str, reply: Reply) -> Verdict:
    """The charger's reply to ``action`` as a verdict (accepted per that action's status words)."""
    if not reply.ok:
        reason = f"The charger answered {reply.error_code}"
        if reply.error_description:
            reason += f": {reply.error_description}"
        return Verdict(False, reason, retryable=False, status=reply.error_code, payload=reply.payload)
    payload = reply.payload
    if action == "GetVariables":
        return _variables_verdict(payload, "getVariableResult")
    if action == "SetVariables":
        return _variables_verdict(payload, "setVariableResult")
    status = payload.get("status")
    if status is None:  # GetConfiguration, 1.6 UpdateFirmware / GetDiagnostics: no status word
        return Verdict(True, None, status="Accepted", payload=payload)
    status = str(status)
    if status in _ACCEPTED:
        return Verdict(True, _ACCEPTED[status] or _status_info(payload), status=status, payload=payload)
    reason = _status_info(payload) or f"The charger answered {status}."
    return Verdict(False, reason, retryable=False, status=status, payload=payload)
