"""/cpms/v1 live control of a charger: reboot, unlock, availability, trigger, configuration, variables.

The charger's verdict is the answer: an offline or rejecting charger is a 200 with ``accepted`` false.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from domain.commands import Verdict
from resolvers import charger_commands as ops
from resolvers.device_model import VariableList
from resolvers.inputs import Input
from rest_compat.endpoint import Call, Param, endpoint


class ResetBody(Input):
    type: str | None = Field(default=None, max_length=10)
    reset_type: str | None = Field(default=None, max_length=10)


class UnlockBody(Input):
    connector_number: int | None = None


class AvailabilityBody(Input):
    connector_number: int | None = None
    type: str | None = Field(default=None, max_length=20)


class TriggerBody(Input):
    requested_message: str | None = Field(default=None, max_length=50)
    connector_number: int | None = None


class ConfigurationBody(Input):
    key: str = Field(max_length=101)
    value: str = Field(max_length=1000)


def message(verdict: Verdict, what: str) -> str:
    """``<what> command sent successfully``, else why not (offline, rejected, timed out)."""
    if verdict.accepted:
        return f"{what} command sent successfully"
    if verdict.retryable:
        return f"{what} command not delivered: {verdict.reason or 'the charger is unreachable'}"
    detail = f" ({verdict.status})" if verdict.status else ""
    reason = f": {verdict.reason}" if verdict.reason else ""
    return f"The charger rejected the {what} command{detail}{reason}"


def _identity(dispatched: ops.Dispatched) -> dict[str, Any]:
    return {
        "chargerId": str(dispatched.charger.uuid),
        "chargePointId": dispatched.charger.uid,
        "ocppVersion": dispatched.ocpp_version,
    }


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/reboot", body=ResetBody)
async def reboot(call: Call) -> dict[str, Any]:
    """Operator reboot (Soft/Hard reset) one of the operator's own chargers (live control)"""
    body = await call.body(ResetBody)
    dispatched, kind = await ops.reset(call.ctx, call.path_uuid("chargerUuid"), body.type or body.reset_type)
    return {
        "chargerId": str(dispatched.charger.uuid),
        "resetType": kind,
        "accepted": dispatched.verdict.accepted,
        "message": message(dispatched.verdict, f"{kind} reset"),
    }


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/unlock-connector", body=UnlockBody)
async def unlock_connector(call: Call) -> dict[str, Any]:
    """Operator unlock a connector on one of the operator's own chargers (live control)"""
    body = await call.body(UnlockBody)
    dispatched, number = await ops.unlock_connector(
        call.ctx, call.path_uuid("chargerUuid"), body.connector_number
    )
    return {
        "chargerId": str(dispatched.charger.uuid),
        "connectorNumber": number,
        "accepted": dispatched.verdict.accepted,
        "message": message(dispatched.verdict, "Unlock"),
    }


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/change-availability", body=AvailabilityBody)
async def change_availability(call: Call) -> dict[str, Any]:
    """Operator change a charger/connector availability on the device (Operative/Inoperative, live control)"""
    body = await call.body(AvailabilityBody)
    dispatched, number, kind = await ops.change_availability(
        call.ctx, call.path_uuid("chargerUuid"), body.type, body.connector_number
    )
    return {
        "chargerId": str(dispatched.charger.uuid),
        "connectorNumber": number,
        "type": kind,
        "accepted": dispatched.verdict.accepted,
        "message": message(dispatched.verdict, f"ChangeAvailability ({kind})"),
    }


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/trigger-message", body=TriggerBody)
async def trigger_message(call: Call) -> dict[str, Any]:
    """Operator trigger an OCPP message on one of the operator's own chargers (live control)"""
    body = await call.body(TriggerBody)
    dispatched, name = await ops.trigger_message(
        call.ctx, call.path_uuid("chargerUuid"), body.requested_message, body.connector_number
    )
    return {
        "chargerId": str(dispatched.charger.uuid),
        "requestedMessage": name,
        "connectorNumber": body.connector_number,
        "accepted": dispatched.verdict.accepted,
        "message": message(dispatched.verdict, f"TriggerMessage ({name})"),
    }


def _read(read: ops.ConfigurationRead) -> dict[str, Any]:
    return {
        "chargerId": str(read.charger.uuid),
        "chargePointId": read.charger.uid,
        "ocppVersion": read.ocpp_version,
        "result": read.result,
    }


@endpoint(
    "GET",
    "/cpms/v1/chargers/{chargerUuid}/configuration",
    params=[Param("keys", description="Comma-separated keys (2.0.1: Component.Variable); none = all")],
)
async def read_configuration(call: Call) -> dict[str, Any]:
    """Read a charger's OCPP configuration (1.6 GetConfiguration / 2.0.1 GetVariables)"""
    raw = call.request.query_params.get("keys")
    keys = [] if raw is None else raw.split(",")
    if raw is not None and not raw.strip():
        keys = [""]
    return _read(await ops.read_configuration(call.ctx, call.path_uuid("chargerUuid"), keys))


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/configuration", body=ConfigurationBody)
async def change_configuration(call: Call) -> dict[str, Any]:
    """Change a charger's OCPP configuration key (1.6 ChangeConfiguration / 2.0.1 SetVariables)"""
    charger_uuid = call.path_uuid("chargerUuid")
    body = await call.body(ConfigurationBody)
    change = await ops.change_configuration(call.ctx, charger_uuid, body.key, body.value)
    return {
        **_identity(change.dispatched),
        "key": change.key,
        "accepted": change.accepted,
        "result": change.result,
    }


async def _variables(call: Call) -> VariableList:
    return await call.body(VariableList)


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/variables/get", body=VariableList)
async def get_variables(call: Call) -> dict[str, Any]:
    """OCPP 2.0.1: read device-model variables (GetVariables)"""
    charger_uuid = call.path_uuid("chargerUuid")
    body = await _variables(call)
    return _read(await ops.get_variables(call.ctx, charger_uuid, body.variables))


@endpoint("POST", "/cpms/v1/chargers/{chargerUuid}/variables/set", body=VariableList)
async def set_variables(call: Call) -> dict[str, Any]:
    """OCPP 2.0.1: write device-model variables (SetVariables, live control)"""
    charger_uuid = call.path_uuid("chargerUuid")
    body = await _variables(call)
    change = await ops.set_variables(call.ctx, charger_uuid, body.variables)
    return {**_identity(change.dispatched), "accepted": change.accepted, "result": change.result}
