"""/emsp/v1 remote control of a charger: reboot, unlock a connector, re-send a message, reset.

An emsp key acts on chargers of its networks; a signed-in driver only on a charger where they charge
now or finished in the last 15 minutes. A driver's reset (both paths) is always Soft, on a public
charger of their network or the one they charge on, while nobody else charges there (409 otherwise;
``domain.services.driver_reset``); the answer reports the type actually issued.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from domain.commands import Verdict
from resolvers import charger_commands as ops
from resolvers.inputs import Input
from rest_compat.endpoint import Call, endpoint
from rest_compat.routes.cpms_charger_commands import message


class ResetBody(Input):
    type: str | None = Field(default=None, max_length=10)


class UnlockBody(Input):
    connector_number: int | None = None


class TriggerBody(Input):
    message: str | None = Field(default=None, max_length=50)
    connector_number: int | None = None


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {"accepted": verdict.accepted, "reason": verdict.reason, "retryable": verdict.retryable}


@endpoint("POST", "/emsp/v1/chargers/{id}/reboot", body=ResetBody)
async def reboot(call: Call) -> dict[str, Any]:
    """Reboot a charger"""
    body = await call.body(ResetBody)
    dispatched, kind = await ops.reset(call.ctx, call.path_uuid("id"), body.type)
    verdict = dispatched.verdict
    return {
        "chargerId": str(dispatched.charger.uuid),
        "status": verdict.status or ("Accepted" if verdict.accepted else "Rejected"),
        "message": message(verdict, f"{kind} reset"),
    }


@endpoint("POST", "/emsp/v1/remote-control/{chargerId}/unlock", body=UnlockBody)
async def unlock(call: Call) -> dict[str, Any]:
    """Unlock a connector"""
    body = await call.body(UnlockBody)
    dispatched, number = await ops.unlock_connector(
        call.ctx, call.path_uuid("chargerId"), body.connector_number
    )
    return {
        "chargerId": str(dispatched.charger.uuid),
        "connectorNumber": number,
        **_verdict(dispatched.verdict),
    }


@endpoint("POST", "/emsp/v1/remote-control/{chargerId}/trigger", body=TriggerBody)
async def trigger(call: Call) -> dict[str, Any]:
    """Ask the charger to re-send a message"""
    body = await call.body(TriggerBody)
    dispatched, name = await ops.trigger_message(
        call.ctx, call.path_uuid("chargerId"), body.message or "StatusNotification", body.connector_number
    )
    return {"chargerId": str(dispatched.charger.uuid), "message": name, **_verdict(dispatched.verdict)}


@endpoint("POST", "/emsp/v1/remote-control/{chargerId}/reset", body=ResetBody)
async def reset(call: Call) -> dict[str, Any]:
    """Reset a charger"""
    body = await call.body(ResetBody)
    dispatched, kind = await ops.reset(call.ctx, call.path_uuid("chargerId"), body.type)
    return {"chargerId": str(dispatched.charger.uuid), "type": kind, **_verdict(dispatched.verdict)}
