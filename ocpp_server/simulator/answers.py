"""How a simulated charge point answers each command of the central system, and what it then does.

Each answer returns the reply payload and, optionally, the follow-up the charger runs once the reply
is sent (start the transaction after a remote start, report firmware progress, upload a log file...).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from ocpp.exceptions import NotImplementedError as OcppNotImplemented

from ocpp_server.simulator import outgoing
from ocpp_server.simulator.link import FollowUp, Payload
from ocpp_server.simulator.state import Profile, Reservation

if TYPE_CHECKING:
    from ocpp_server.simulator.charger import SimulatedCharger

Handler = Callable[["SimulatedCharger", Payload], Awaitable[tuple[Payload, FollowUp | None]]]
HANDLERS: dict[str, Handler] = {}
VOLTS_THREE_PHASE = 230 * 3
MAX_CURRENT_A = 32.0


def handles(*actions: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for action in actions:
            HANDLERS[action] = handler
        return handler

    return register


async def answer(cp: SimulatedCharger, action: str, payload: Payload) -> tuple[Payload, FollowUp | None]:
    handler = HANDLERS.get(action)
    if handler is None:
        raise OcppNotImplemented(details={"cause": f"The simulator does not implement {action}."})
    return await handler(cp, payload)


def _free_connector(cp: SimulatedCharger, wanted: int | None, id_tag: str | None = None) -> int | None:
    if wanted:
        return wanted if wanted in cp.connectors else None
    for state in cp.connectors.values():
        if state.reserved_for is not None and state.reserved_for == id_tag and state.transaction_id is None:
            return state.number
    for state in cp.connectors.values():
        if state.transaction_id is None and state.operative and state.status in {"Available", "Preparing"}:
            return state.number
    return None


async def _status_if_changed(cp: SimulatedCharger, connector: int, status: str) -> None:
    state = cp.connectors.get(connector)
    if state is not None and cp.version != "1.6":
        same = outgoing.STATUS_201.get(state.status, state.status) == outgoing.STATUS_201.get(status, status)
        if same:
            state.status = status
            return
    await cp.status(connector, status)


# -- transactions ----------------------------------------------------------------------------------


async def _remote_start(
    cp: SimulatedCharger, connector: int, id_tag: str, token_type: str, remote_start_id: int | None
) -> None:
    state = cp.connector(connector)
    reservation = state.reservation_id if state.reserved_for == id_tag else None
    await _status_if_changed(cp, connector, "Preparing")
    await asyncio.sleep(cp.step_delay)
    await cp.start_transaction(
        connector,
        id_tag,
        meter_start_wh=state.meter_wh,
        reservation_id=reservation,
        remote_start_id=remote_start_id,
        token_type=token_type,
    )
    await _status_if_changed(cp, connector, "Charging")
    cp.start_metering(connector)


@handles("RemoteStartTransaction")
async def remote_start_16(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    id_tag = str(payload["idTag"])
    connector = _free_connector(cp, payload.get("connectorId"), id_tag)
    if connector is None or cp.connector(connector).transaction_id is not None:
        return {"status": "Rejected"}, None
    return {"status": "Accepted"}, lambda: _remote_start(cp, connector, id_tag, "ISO14443", None)


@handles("RequestStartTransaction")
async def request_start_201(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    token = payload["idToken"]
    id_tag, token_type = str(token["idToken"]), str(token.get("type", "ISO14443"))
    connector = _free_connector(cp, payload.get("evseId"), id_tag)
    if connector is None or cp.connector(connector).transaction_id is not None:
        return {"status": "Rejected"}, None
    remote_start_id = int(payload["remoteStartId"])
    return {"status": "Accepted"}, lambda: _remote_start(cp, connector, id_tag, token_type, remote_start_id)


async def _stop(cp: SimulatedCharger, transaction_id: str, reason: str, *, unlock: bool = False) -> None:
    state = next((c for c in cp.connectors.values() if c.transaction_id == transaction_id), None)
    if state is None:
        return
    meter = state.meter_wh + (round(cp.charge_power_w * cp.step_delay / 3600) if cp.meter_interval else 0)
    await cp.stop_transaction(transaction_id, meter_stop_wh=meter, reason=reason, id_tag=state.id_tag)
    await _status_if_changed(cp, state.number, "Finishing")
    await asyncio.sleep(cp.step_delay)
    await cp.status(state.number, "Available" if state.operative else "Unavailable")


@handles("RemoteStopTransaction", "RequestStopTransaction")
async def remote_stop(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    transaction_id = str(payload["transactionId"])
    if not any(c.transaction_id == transaction_id for c in cp.connectors.values()):
        return {"status": "Rejected"}, None
    return {"status": "Accepted"}, lambda: _stop(cp, transaction_id, "Remote")


# -- reset, unlock, availability, trigger --------------------------------------------------------


async def _reboot(cp: SimulatedCharger, reason: str) -> None:
    for state in list(cp.connectors.values()):
        if state.transaction_id is not None:
            await cp.stop_transaction(state.transaction_id, meter_stop_wh=state.meter_wh, reason=reason)
    await asyncio.sleep(cp.step_delay)
    await cp.reconnect(boot=True)
    for state in cp.connectors.values():
        await cp.status(state.number, "Available" if state.operative else "Unavailable")


@handles("Reset")
async def reset(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if not cp.reboot_on_reset:
        return {"status": "Accepted"}, None
    kind = str(payload.get("type", "Soft"))
    reason = {"Hard": "HardReset", "Soft": "SoftReset"}.get(kind, "ImmediateReset")
    return {"status": "Accepted"}, lambda: _reboot(cp, reason)


@handles("UnlockConnector")
async def unlock(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    number = int(payload.get("evseId") or payload.get("connectorId") or 0)
    if number not in cp.connectors:
        return {"status": "UnknownConnector" if cp.version != "1.6" else "NotSupported"}, None
    transaction_id = cp.connector(number).transaction_id
    if transaction_id is None:
        return {"status": "Unlocked"}, None
    return {"status": "Unlocked"}, lambda: _stop(cp, transaction_id, "UnlockCommand")


async def _availability(cp: SimulatedCharger, numbers: list[int], operative: bool) -> None:
    for number in numbers:
        state = cp.connector(number)
        state.operative = operative
        if state.transaction_id is None:
            await cp.status(number, "Available" if operative else "Unavailable")


@handles("ChangeAvailability")
async def change_availability(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        number, kind = int(payload["connectorId"]), str(payload["type"])
    else:
        number, kind = int((payload.get("evse") or {}).get("id", 0)), str(payload["operationalStatus"])
    if number and number not in cp.connectors:
        return {"status": "Rejected"}, None
    numbers = [number] if number else list(cp.connectors)
    operative = kind == "Operative"
    busy = not operative and any(cp.connector(n).transaction_id for n in numbers)
    return {"status": "Scheduled" if busy else "Accepted"}, lambda: _availability(cp, numbers, operative)


async def _trigger(cp: SimulatedCharger, message: str, connector: int | None) -> None:
    numbers = [connector] if connector else list(cp.connectors)
    if message == "BootNotification":
        await cp.boot()
    elif message == "Heartbeat":
        await cp.heartbeat()
    elif message == "StatusNotification":
        for number in numbers:
            await cp.status(number, cp.connector(number).status, cp.connector(number).error_code)
    elif message == "MeterValues":
        for number in numbers:
            state = cp.connector(number)
            await cp.meter_values(
                number, energy_wh=state.meter_wh, soc=state.soc, trigger_reason="Trigger", context="Trigger"
            )
    elif message == "TransactionEvent":
        for number in numbers:
            state = cp.connector(number)
            if state.transaction_id is not None:
                await cp.meter_values(
                    number, energy_wh=state.meter_wh, trigger_reason="Trigger", context="Trigger"
                )
    elif message == "FirmwareStatusNotification":
        await cp.firmware_status(cp.memory.firmware_status)
    elif message in {"DiagnosticsStatusNotification", "LogStatusNotification"}:
        await cp.diagnostics_status(cp.memory.diagnostics_status)


TRIGGERABLE = {
    "1.6": {
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    },
    "2.0.1": {
        "BootNotification",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
        "TransactionEvent",
    },
}


@handles("TriggerMessage")
async def trigger_message(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    message = str(payload["requestedMessage"])
    connector = payload.get("connectorId") if cp.version == "1.6" else (payload.get("evse") or {}).get("id")
    if message not in TRIGGERABLE[cp.version]:
        return {"status": "NotImplemented"}, None
    if connector and connector not in cp.connectors:
        return {"status": "Rejected"}, None
    return {"status": "Accepted"}, lambda: _trigger(cp, message, connector)


# -- configuration and variables -------------------------------------------------------------------


@handles("GetConfiguration")
async def get_configuration(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    keys = payload.get("key") or list(cp.memory.configuration)
    known = [
        {
            "key": key,
            "readonly": cp.memory.configuration[key].readonly,
            "value": cp.memory.configuration[key].value,
        }
        for key in keys
        if key in cp.memory.configuration
    ]
    unknown = [key for key in keys if key not in cp.memory.configuration]
    reply: Payload = {"configurationKey": known}
    if unknown:
        reply["unknownKey"] = unknown
    return reply, None


@handles("ChangeConfiguration")
async def change_configuration(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    setting = cp.memory.configuration.get(str(payload["key"]))
    value = str(payload["value"])
    if setting is None:
        return {"status": "NotSupported"}, None
    if setting.readonly or (setting.numeric and not value.lstrip("-").isdigit()):
        return {"status": "Rejected"}, None
    setting.value = value
    return {"status": "Accepted"}, None


def _lookup(cp: SimulatedCharger, item: Payload) -> tuple[str, Any]:
    component, variable = str(item["component"]["name"]), str(item["variable"]["name"])
    if not any(name == component for name, _ in cp.memory.variables):
        return "UnknownComponent", None
    setting = cp.memory.variables.get((component, variable))
    if setting is None:
        return "UnknownVariable", None
    if item.get("attributeType", "Actual") != "Actual":
        return "NotSupportedAttributeType", None
    return "Accepted", setting


@handles("GetVariables")
async def get_variables(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    results = []
    for item in payload["getVariableData"]:
        status, setting = _lookup(cp, item)
        result: Payload = {
            "attributeStatus": status,
            "component": item["component"],
            "variable": item["variable"],
        }
        if "attributeType" in item:
            result["attributeType"] = item["attributeType"]
        if setting is not None:
            result["attributeValue"] = setting.value
        results.append(result)
    return {"getVariableResult": results}, None


@handles("SetVariables")
async def set_variables(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    results = []
    for item in payload["setVariableData"]:
        status, setting = _lookup(cp, item)
        value = str(item["attributeValue"])
        if setting is not None:
            if setting.readonly or (setting.numeric and not value.lstrip("-").isdigit()):
                status = "Rejected"
            else:
                setting.value = value
        result: Payload = {
            "attributeStatus": status,
            "component": item["component"],
            "variable": item["variable"],
        }
        if "attributeType" in item:
            result["attributeType"] = item["attributeType"]
        results.append(result)
    return {"setVariableResult": results}, None


@handles("GetBaseReport")
async def get_base_report(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    request_id = int(payload["requestId"])

    async def report() -> None:
        await cp.notify_report(request_id)

    return {"status": "Accepted"}, report


# -- firmware and diagnostics -------------------------------------------------------------------


async def _firmware(cp: SimulatedCharger, request_id: int | None) -> None:
    for status in ("Downloading", "Downloaded", "Installing", "Installed"):
        await asyncio.sleep(cp.step_delay)
        await cp.firmware_status(status, request_id)


@handles("UpdateFirmware")
async def update_firmware(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        return {}, lambda: _firmware(cp, None)
    request_id = int(payload["requestId"])
    return {"status": "Accepted"}, lambda: _firmware(cp, request_id)


async def upload(location: str, filename: str, content: bytes) -> bool:
    """Upload like a charger: POST multipart (field ``file``), PUT when POST is not allowed."""
    if not location.startswith(("http://", "https://")):
        return False
    url = location if location.endswith(filename) or not location.endswith("/") else f"{location}{filename}"
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.post(url, files={"file": (filename, content, "text/plain")})
            if response.status_code == 405:
                response = await client.put(url, content=content, headers={"Content-Type": "text/plain"})
            return response.is_success
    except httpx.HTTPError:
        return False


def _log_file(cp: SimulatedCharger, kind: str) -> tuple[str, bytes]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{kind.lower()}-{cp.uid}-{stamp}.txt"
    lines = [f"{kind} of {cp.uid} ({cp.vendor} {cp.model}, firmware {cp.firmware}, OCPP {cp.version})"]
    lines += [
        f"connector {c.number}: {c.status} {c.error_code} meter {c.meter_wh} Wh"
        for c in cp.connectors.values()
    ]
    lines += [f"{action}: {payload}" for action, payload in cp.received[-20:]]
    return name, ("\n".join(lines) + "\n").encode()


async def _upload_log(
    cp: SimulatedCharger, location: str, name: str, content: bytes, request_id: int | None
) -> None:
    await cp.diagnostics_status("Uploading", request_id)
    ok = await upload(location, name, content)
    await asyncio.sleep(cp.step_delay)
    await cp.diagnostics_status("Uploaded" if ok else "UploadFailed", request_id)


@handles("GetDiagnostics")
async def get_diagnostics(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    name, content = _log_file(cp, "Diagnostics")
    location = str(payload["location"])
    return {"fileName": name}, lambda: _upload_log(cp, location, name, content, None)


@handles("GetLog")
async def get_log(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    name, content = _log_file(cp, str(payload["logType"]))
    location, request_id = str(payload["log"]["remoteLocation"]), int(payload["requestId"])
    return {"status": "Accepted", "filename": name}, lambda: _upload_log(
        cp, location, name, content, request_id
    )


# -- smart charging --------------------------------------------------------------------------------


def _to_unit(limit: float, unit: str, wanted: str) -> float:
    if unit == wanted:
        return limit
    return limit * VOLTS_THREE_PHASE if wanted == "W" else limit / VOLTS_THREE_PHASE


@handles("SetChargingProfile")
async def set_charging_profile(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        connector, profile = int(payload["connectorId"]), payload["csChargingProfiles"]
        profile_id, schedule = int(profile["chargingProfileId"]), profile["chargingSchedule"]
    else:
        connector, profile = int(payload["evseId"]), payload["chargingProfile"]
        profile_id, schedule = int(profile["id"]), profile["chargingSchedule"][0]
    if connector and connector not in cp.connectors:
        return {"status": "Rejected"}, None
    periods = schedule["chargingSchedulePeriod"]
    stored = Profile(
        profile_id=profile_id,
        stack_level=int(profile["stackLevel"]),
        purpose=str(profile["chargingProfilePurpose"]),
        connector=connector,
        unit=str(schedule["chargingRateUnit"]),
        limit=float(periods[0]["limit"]),
        transaction_id=str(profile["transactionId"]) if profile.get("transactionId") is not None else None,
    )
    cp.memory.profiles = [
        p
        for p in cp.memory.profiles
        if p.profile_id != stored.profile_id
        and not (
            p.stack_level == stored.stack_level and p.purpose == stored.purpose and p.connector == connector
        )
    ]
    cp.memory.profiles.append(stored)
    return {"status": "Accepted"}, None


@handles("ClearChargingProfile")
async def clear_charging_profile(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        profile_id, criteria = payload.get("id"), payload
        connector = payload.get("connectorId")
    else:
        profile_id, criteria = payload.get("chargingProfileId"), payload.get("chargingProfileCriteria") or {}
        connector = criteria.get("evseId")
    purpose, stack_level = criteria.get("chargingProfilePurpose"), criteria.get("stackLevel")

    def matches(p: Profile) -> bool:
        if profile_id is not None:
            return p.profile_id == int(profile_id)
        return (
            (connector is None or p.connector == connector)
            and (purpose is None or p.purpose == purpose)
            and (stack_level is None or p.stack_level == stack_level)
        )

    kept = [p for p in cp.memory.profiles if not matches(p)]
    cleared = len(kept) != len(cp.memory.profiles)
    cp.memory.profiles = kept
    return {"status": "Accepted" if cleared else "Unknown"}, None


def composite_limit(cp: SimulatedCharger, connector: int, unit: str) -> float:
    """The lowest of the limits in force: per purpose, the profile with the highest stack level."""
    best: dict[str, Profile] = {}
    for p in cp.memory.profiles:
        if p.connector not in (0, connector):
            continue
        purpose = "Tx" if p.purpose in {"TxProfile", "TxDefaultProfile"} else p.purpose
        current = best.get(purpose)
        tx_over_default = (
            current is not None and p.purpose == "TxProfile" and current.purpose == "TxDefaultProfile"
        )
        if (
            current is None
            or tx_over_default
            or (p.purpose == current.purpose and p.stack_level > current.stack_level)
        ):
            best[purpose] = p
    limits = [_to_unit(p.limit, p.unit, unit) for p in best.values()]
    limits.append(_to_unit(MAX_CURRENT_A, "A", unit))
    return round(min(limits), 1)


@handles("GetCompositeSchedule")
async def get_composite_schedule(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    connector = int(payload.get("connectorId") or payload.get("evseId") or 0)
    if connector and connector not in cp.connectors:
        return {"status": "Rejected"}, None
    duration = int(payload["duration"])
    own_units = {p.unit for p in cp.memory.profiles}
    unit = str(payload.get("chargingRateUnit") or (own_units.pop() if len(own_units) == 1 else "A"))
    limit = composite_limit(cp, connector, unit)
    start = outgoing.iso()
    periods = [{"startPeriod": 0, "limit": limit}]
    if cp.version == "1.6":
        schedule = {
            "duration": duration,
            "startSchedule": start,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }
        return {
            "status": "Accepted",
            "connectorId": connector,
            "scheduleStart": start,
            "chargingSchedule": schedule,
        }, None
    composite = {
        "evseId": connector,
        "duration": duration,
        "scheduleStart": start,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": periods,
    }
    return {"status": "Accepted", "schedule": composite}, None


# -- reservations ----------------------------------------------------------------------------------


@handles("ReserveNow")
async def reserve_now(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        reservation_id, number = int(payload["reservationId"]), int(payload["connectorId"])
        id_tag, expires = str(payload["idTag"]), str(payload["expiryDate"])
    else:
        reservation_id, number = int(payload["id"]), int(payload.get("evseId") or 0)
        id_tag, expires = str(payload["idToken"]["idToken"]), str(payload["expiryDateTime"])
    if number == 0:
        number = _free_connector(cp, None) or 0
        if number == 0:
            return {"status": "Occupied"}, None
    if number not in cp.connectors:
        return {"status": "Rejected"}, None
    state = cp.connector(number)
    if not state.operative or state.status == "Unavailable":
        return {"status": "Unavailable"}, None
    if state.status == "Faulted":
        return {"status": "Faulted"}, None
    if state.transaction_id is not None or (
        state.reserved_for is not None and state.reservation_id != reservation_id
    ):
        return {"status": "Occupied"}, None
    if state.status not in {"Available", "Reserved"}:
        return {"status": "Occupied"}, None

    async def reserve() -> None:
        cp.memory.reservations[reservation_id] = Reservation(reservation_id, number, id_tag, expires)
        state.reservation_id, state.reserved_for = reservation_id, id_tag
        await cp.status(number, "Reserved")

    cp.memory.reservations[reservation_id] = Reservation(reservation_id, number, id_tag, expires)
    state.reservation_id, state.reserved_for = reservation_id, id_tag
    return {"status": "Accepted"}, reserve


@handles("CancelReservation")
async def cancel_reservation(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    reservation = cp.memory.reservations.pop(int(payload["reservationId"]), None)
    if reservation is None:
        return {"status": "Rejected"}, None
    state = cp.connector(reservation.connector)
    state.reservation_id = state.reserved_for = None

    async def release() -> None:
        if state.transaction_id is None and state.status == "Reserved":
            await cp.status(state.number, "Available")

    return {"status": "Accepted"}, release


# -- the rest a charger answers ------------------------------------------------------------------


@handles("DataTransfer")
async def data_transfer(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if payload.get("vendorId") == cp.vendor:
        return {"status": "Accepted", "data": "ok"}, None
    return {"status": "UnknownVendorId"}, None


@handles("ClearCache")
async def clear_cache(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    return {"status": "Accepted"}, None


@handles("GetLocalListVersion")
async def get_local_list_version(cp: SimulatedCharger, payload: Payload) -> tuple[Payload, FollowUp | None]:
    if cp.version == "1.6":
        return {"listVersion": 0}, None
    return {"versionNumber": 0}, None
