"""Live device commands: reset, unlock, availability, trigger message, configuration and variables.

Each resolver checks the caller's reach, validates the input against the charger (nothing is sent on a
bad input), sends one version-neutral command through ``ctx.services.commands`` and returns the
charger's verdict. An offline or silent charger is a verdict (``accepted`` false, ``retryable`` true),
not an error. Drivers may only act on a charger where they charge now or did in the last 15 minutes;
a driver's reset is always Soft and follows ``domain.services.driver_reset``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import commands
from domain.commands import Command, Verdict
from domain.errors import Forbidden, ValidationFailed, not_found
from domain.models import Charger, Connector, OcppMessage
from domain.services import driver_access, driver_reset
from domain.services.tenancy import reachable
from resolvers.context import Context
from resolvers.device_model import VariableSpec, key_of, variable_ref

CONTROL = ("cpms:chargers:control", "emsp:charging:control")
READ_CONFIG = ("cpms:chargers:read", "cpms:chargers:control")
V201 = "2.0.1"

TRIGGERABLE = (
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
)
_TRIGGER_ALIASES = {"LogStatusNotification": "DiagnosticsStatusNotification"}


@dataclass(frozen=True)
class Target:
    charger: Charger
    connector_numbers: frozenset[int]
    ocpp_version: str | None
    """The version the charger speaks now, else the one it last booted with."""


@dataclass(frozen=True)
class Dispatched:
    """A command sent to a charger and its verdict."""

    charger: Charger
    ocpp_version: str | None
    verdict: Verdict


@dataclass(frozen=True)
class ConfigurationRead:
    """``result`` is the charger's reply (configurationKey/unknownKey, getVariableResult) or, for a
    2.0.1 read without keys, the last report it sent (``source`` "report"); None when nothing is known.
    ``verdict`` is None when no command was sent."""

    charger: Charger
    ocpp_version: str | None
    result: dict[str, Any] | None
    verdict: Verdict | None
    source: Literal["charger", "report", "none"]


async def _active_connectors(session: AsyncSession, charger_id: int) -> frozenset[int]:
    stmt = select(Connector.connector_number).where(
        Connector.charger_id == charger_id, col(Connector.deleted_at).is_(None)
    )
    return frozenset((await session.exec(stmt)).all())


async def target(
    ctx: Context, charger_uuid: UUID, *scopes: str, driver_allowed: bool = True, reset: bool = False
) -> Target:
    """The charger the caller may command (another network's is a 404). ``reset``: a driver is held to
    the reset rule of ``domain.services.driver_reset`` instead of the recent-session one."""
    ctx.principal.require(*scopes)
    async with ctx.db.session() as session:
        stmt = select(Charger).where(
            Charger.uuid == charger_uuid,
            reachable(ctx.principal, Charger.network_id),
            col(Charger.deleted_at).is_(None),
        )
        charger = (await session.exec(stmt)).first()
        if charger is None or charger.id is None:
            raise not_found("Charger")
        driver_id = ctx.principal.driver_id
        if driver_id is not None:
            if not driver_allowed:
                raise Forbidden("Drivers may not send this command to a charger", error="forbidden")
            if reset:
                await driver_reset.check(session, driver_id, ctx.principal.driver_network_id, charger)
            elif not await driver_access.charges_there(session, driver_id, charger.id):
                raise Forbidden(
                    "You can only control a charger you are charging at or finished charging at "
                    "in the last 15 minutes",
                    error="forbidden",
                )
        numbers = await _active_connectors(session, charger.id)
    version = ctx.services.commands.ocpp_version(charger.uid) or charger.ocpp_version
    return Target(charger, numbers, version)


async def send(ctx: Context, found: Target, command: Command) -> Dispatched:
    verdict = await ctx.services.commands.send(found.charger.uid, command)
    version = ctx.services.commands.ocpp_version(found.charger.uid) or found.ocpp_version
    return Dispatched(found.charger, version, verdict)


def _choice(field: str, value: str | None, allowed: Sequence[str], default: str) -> str:
    if value is None or not value.strip():
        return default
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise ValidationFailed(f"{field}: must be one of {', '.join(allowed)}", error="validation_error")


def _connector(found: Target, number: int | None, *, allow_zero: bool, field: str = "connectorNumber") -> int:
    if number is None:
        raise ValidationFailed(f"{field}: is required", error="validation_error")
    if number == 0 and allow_zero:
        return 0
    if number not in found.connector_numbers:
        known = ", ".join(str(n) for n in sorted(found.connector_numbers)) or "none"
        raise ValidationFailed(
            f"{field}: this charger has no connector {number} (connectors: {known})", error="validation_error"
        )
    return number


def reset_kind(value: str | None) -> Literal["Soft", "Hard"]:
    return "Hard" if _choice("type", value, ("Soft", "Hard"), "Soft") == "Hard" else "Soft"


async def reset(ctx: Context, charger_uuid: UUID, kind: str | None = None) -> tuple[Dispatched, str]:
    """Soft or Hard reset; a signed-in driver's is always Soft. Returns the verdict and the kind sent."""
    found = await target(ctx, charger_uuid, *CONTROL, reset=True)
    chosen = reset_kind(kind)
    if ctx.principal.is_driver:
        chosen = driver_reset.DRIVER_RESET_KIND
    return await send(ctx, found, commands.Reset(chosen)), chosen


async def unlock_connector(
    ctx: Context, charger_uuid: UUID, connector_number: int | None = None
) -> tuple[Dispatched, int]:
    """Unlock connector ``connector_number`` (default 1). Returns the verdict and the connector."""
    found = await target(ctx, charger_uuid, *CONTROL)
    number = _connector(found, 1 if connector_number is None else connector_number, allow_zero=False)
    return await send(ctx, found, commands.UnlockConnector(number)), number


def availability(value: str | None) -> Literal["Operative", "Inoperative"]:
    if value is None or not value.strip():
        raise ValidationFailed("type: must be Operative or Inoperative", error="validation_error")
    chosen = _choice("type", value, ("Operative", "Inoperative"), "Operative")
    return "Operative" if chosen == "Operative" else "Inoperative"


async def change_availability(
    ctx: Context, charger_uuid: UUID, kind: str | None, connector_number: int | None = None
) -> tuple[Dispatched, int, str]:
    """Operative/Inoperative for connector ``connector_number`` (0, the default, is the charger)."""
    found = await target(ctx, charger_uuid, *CONTROL, driver_allowed=False)
    chosen = availability(kind)
    number = _connector(found, 0 if connector_number is None else connector_number, allow_zero=True)
    dispatched = await send(ctx, found, commands.ChangeAvailability(number, chosen == "Operative"))
    return dispatched, number, chosen


def trigger_name(value: str | None) -> str:
    if value is None or not value.strip():
        raise ValidationFailed("requestedMessage: is required", error="validation_error")
    name = _TRIGGER_ALIASES.get(value.strip(), value.strip())
    for option in TRIGGERABLE:
        if option.lower() == name.lower():
            return option
    raise ValidationFailed(
        f"requestedMessage: must be one of {', '.join(TRIGGERABLE)}", error="validation_error"
    )


async def trigger_message(
    ctx: Context, charger_uuid: UUID, message: str | None, connector_number: int | None = None
) -> tuple[Dispatched, str]:
    found = await target(ctx, charger_uuid, *CONTROL)
    name = trigger_name(message)
    number = None if connector_number is None else _connector(found, connector_number, allow_zero=False)
    return await send(ctx, found, commands.TriggerMessage(name, number)), name


def _keys(keys: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(k.strip() for k in keys)
    if any(not k for k in cleaned):
        raise ValidationFailed("keys: a key must not be empty", error="validation_error")
    if any(len(k) > 101 for k in cleaned):
        raise ValidationFailed("keys: a key is at most 101 characters", error="validation_error")
    return cleaned


def _reply(verdict: Verdict) -> dict[str, Any] | None:
    return None if verdict.retryable and not verdict.payload else dict(verdict.payload)


async def _last_report(ctx: Context, charger_id: int) -> dict[str, Any] | None:
    """The charger's last complete NotifyReport (its frames, in sequence), from the message log."""
    async with ctx.db.session() as session:
        latest = (
            await session.exec(
                select(OcppMessage)
                .where(
                    OcppMessage.charger_id == charger_id,
                    OcppMessage.action == "NotifyReport",
                    OcppMessage.direction == "incoming",
                    OcppMessage.message_type == "Call",
                )
                .order_by(col(OcppMessage.occurred_at).desc(), col(OcppMessage.id).desc())
                .limit(200)
            )
        ).all()
    frames = [m.payload for m in latest if isinstance(m.payload, dict)]
    if not frames:
        return None
    request_id = frames[0].get("requestId")
    same_report = [f for f in frames if f.get("requestId") == request_id]
    same_report.sort(key=lambda f: int(f.get("seqNo") or 0))
    by_seq = {int(f.get("seqNo") or 0): f for f in same_report}
    data = [item for seq in sorted(by_seq) for item in by_seq[seq].get("reportData") or []]
    return {
        "requestId": request_id,
        "generatedAt": same_report[-1].get("generatedAt"),
        "reportData": data,
    }


async def read_configuration(ctx: Context, charger_uuid: UUID, keys: Sequence[str] = ()) -> ConfigurationRead:
    """1.6: GetConfiguration (every key when none named). 2.0.1: GetVariables for the named keys
    (``Component.Variable``), else the last NotifyReport the charger sent (nothing is asked)."""
    found = await target(ctx, charger_uuid, *READ_CONFIG, driver_allowed=False)
    wanted = _keys(keys)
    charger = found.charger
    if found.ocpp_version == V201:
        if not wanted:
            assert charger.id is not None
            report = await _last_report(ctx, charger.id)
            return ConfigurationRead(
                charger, found.ocpp_version, report, None, "report" if report else "none"
            )
        command: Command = commands.GetVariables(tuple(variable_ref(k) for k in wanted))
    else:
        command = commands.GetConfiguration(wanted)
    dispatched = await send(ctx, found, command)
    return ConfigurationRead(
        charger, dispatched.ocpp_version, _reply(dispatched.verdict), dispatched.verdict, "charger"
    )


@dataclass(frozen=True)
class Change:
    dispatched: Dispatched
    key: str
    result: dict[str, Any] | None
    accepted: bool


def _all_set(payload: dict[str, Any], field: str) -> bool:
    results = payload.get(field)
    if not isinstance(results, list) or not results:
        return False
    return all(
        isinstance(r, dict) and r.get("attributeStatus", r.get("status")) in ("Accepted", "RebootRequired")
        for r in results
    )


async def change_configuration(
    ctx: Context, charger_uuid: UUID, key: str | None, value: str | None
) -> Change:
    """1.6: ChangeConfiguration. 2.0.1: SetVariables on ``Component.Variable``."""
    found = await target(ctx, charger_uuid, *CONTROL, driver_allowed=False)
    if key is None or not key.strip():
        raise ValidationFailed("key: must not be empty", error="validation_error")
    if value is None:
        raise ValidationFailed("value: is required", error="validation_error")
    if len(key.strip()) > 101 or len(value) > 1000:
        raise ValidationFailed("key or value is too long", error="validation_error")
    if found.ocpp_version == V201:
        ref = variable_ref(key)
        dispatched = await send(ctx, found, commands.SetVariables(((ref, value),)))
        verdict = dispatched.verdict
        accepted = verdict.accepted and _all_set(verdict.payload, "setVariableResult")
        return Change(dispatched, key_of(ref), _reply(verdict), accepted)
    dispatched = await send(ctx, found, commands.ChangeConfiguration(key.strip(), value))
    return Change(dispatched, key.strip(), _reply(dispatched.verdict), dispatched.verdict.accepted)


async def get_variables(
    ctx: Context, charger_uuid: UUID, variables: Sequence[VariableSpec]
) -> ConfigurationRead:
    """2.0.1 GetVariables; on a 1.6 charger the variable names are read with GetConfiguration."""
    found = await target(ctx, charger_uuid, *READ_CONFIG, driver_allowed=False)
    if not variables:
        raise ValidationFailed("variables: name at least one", error="validation_error")
    refs = tuple(v.ref() for v in variables)
    if found.ocpp_version == V201:
        command: Command = commands.GetVariables(refs)
    else:
        command = commands.GetConfiguration(
            tuple(v.key or v.variable or r.variable for v, r in zip(variables, refs, strict=True))
        )
    dispatched = await send(ctx, found, command)
    return ConfigurationRead(
        found.charger, dispatched.ocpp_version, _reply(dispatched.verdict), dispatched.verdict, "charger"
    )


async def set_variables(ctx: Context, charger_uuid: UUID, variables: Sequence[VariableSpec]) -> Change:
    """2.0.1 SetVariables. A 1.6 charger gets one ChangeConfiguration per variable (name = key);
    the result then lists each key's status."""
    found = await target(ctx, charger_uuid, *CONTROL, driver_allowed=False)
    if not variables:
        raise ValidationFailed("variables: name at least one", error="validation_error")
    if any(v.value is None for v in variables):
        raise ValidationFailed("variables: each variable needs a value", error="validation_error")
    refs = tuple(v.ref() for v in variables)
    keys = ", ".join(key_of(r) for r in refs)
    if found.ocpp_version == V201:
        pairs = tuple((r, str(v.value)) for r, v in zip(refs, variables, strict=True))
        dispatched = await send(ctx, found, commands.SetVariables(pairs))
        verdict = dispatched.verdict
        accepted = verdict.accepted and _all_set(verdict.payload, "setVariableResult")
        return Change(dispatched, keys, _reply(verdict), accepted)
    results: list[dict[str, Any]] = []
    last: Dispatched | None = None
    for spec, ref in zip(variables, refs, strict=True):
        name = spec.key or spec.variable or ref.variable
        last = await send(ctx, found, commands.ChangeConfiguration(name, str(spec.value)))
        results.append({"key": name, "status": last.verdict.status, "accepted": last.verdict.accepted})
        if last.verdict.retryable:
            break
    assert last is not None
    accepted = len(results) == len(refs) and all(r["accepted"] for r in results)
    offline = last.verdict.retryable and not last.verdict.payload
    return Change(last, keys, None if offline else {"results": results}, accepted)
