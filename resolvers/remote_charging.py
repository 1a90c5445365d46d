"""Starting and stopping charging from the platform: operator remote start/stop and force-stop (cpms),
driver and eMSP start/stop (emsp). Each sends one command and returns the charger's verdict with the
session it concerns."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from pydantic import Field
from sqlmodel import col, select

from domain.commands import Verdict
from domain.errors import Conflict, Forbidden, ValidationFailed, not_found
from domain.models import Charger, ChargingSession
from domain.services import authorization, sessions
from domain.services.tenancy import reachable
from domain.types import utcnow
from resolvers.context import Context
from resolvers.inputs import Input
from resolvers.sessions import SessionView, load_view, view_of

CPMS_CONTROL = ("cpms:chargers:control",)
FORCE_STOP = ("cpms:sessions:control",)
EMSP_CONTROL = ("emsp:charging:control",)
MAX_ID_TAG = 20
"""OCPP 1.6 IdToken is at most 20 characters (2.0.1 takes 36): the common limit."""


class RemoteStartInput(Input):
    id_tag: str | None = Field(default=None, min_length=1, max_length=MAX_ID_TAG)
    connector_number: int | None = Field(default=None, ge=1, le=99)


class StartChargingInput(Input):
    charger_id: UUID
    connector_number: int = Field(ge=1, le=99)
    id_tag: str = Field(min_length=1, max_length=MAX_ID_TAG)


class StopChargingInput(Input):
    session_id: UUID


@dataclass(frozen=True)
class Outcome:
    """The charger's verdict on the command, and the session as it stands after it."""

    verdict: Verdict
    view: SessionView


async def _charger(ctx: Context, charger_uuid: UUID) -> Charger:
    async with ctx.db.session() as session:
        charger = (
            await session.exec(
                select(Charger).where(
                    Charger.uuid == charger_uuid,
                    reachable(ctx.principal, Charger.network_id),
                    col(Charger.deleted_at).is_(None),
                )
            )
        ).first()
    if charger is None or charger.id is None:
        raise not_found("Charger")
    return charger


def operator_tag() -> str:
    return f"OPERATOR-{secrets.token_hex(4).upper()}"


async def remote_start(ctx: Context, charger_uuid: UUID, data: RemoteStartInput) -> Outcome:
    """Operator remote start on connector ``connectorNumber`` (default 1) with ``idTag`` (default an
    operator tag). A tag that is one of the network's tokens charges to its driver."""
    ctx.principal.require(*CPMS_CONTROL)
    charger = await _charger(ctx, charger_uuid)
    id_tag = data.id_tag.strip() if data.id_tag else operator_tag()
    user_id = token_id = None
    async with ctx.db.session() as session:
        _, token = await authorization.token_status(session, charger.network_id, id_tag, utcnow())
    if token is not None:
        user_id, token_id, id_tag = token.user_id, token.id, token.uid
    done = await sessions.remote_start(
        ctx.db,
        ctx.services.commands,
        charger,
        connector_number=data.connector_number or 1,
        id_tag=id_tag,
        user_id=user_id,
        charging_token_id=token_id,
        auth_method="REMOTE" if token is None else "APP",
    )
    return Outcome(done.verdict, await view_of(ctx, done.session))


async def start_charging(ctx: Context, data: StartChargingInput) -> Outcome:
    """Driver / eMSP start with a charging token: a driver only with one of their own tokens, a key
    with any token of the charger's network. The token must be in good standing."""
    ctx.principal.require(*EMSP_CONTROL)
    charger = await _charger(ctx, data.charger_id)
    async with ctx.db.session() as session:
        verdict, token = await authorization.token_status(session, charger.network_id, data.id_tag, utcnow())
    driver_id = ctx.principal.driver_id
    if token is None or (driver_id is not None and token.user_id != driver_id):
        raise ValidationFailed("idTag: not one of your charging tokens", error="unknown_token")
    if verdict.status != "Accepted":
        raise Forbidden(f"This charging token is {verdict.status}", error="token_not_accepted")
    done = await sessions.remote_start(
        ctx.db,
        ctx.services.commands,
        charger,
        connector_number=data.connector_number,
        id_tag=token.uid,
        user_id=token.user_id,
        charging_token_id=token.id,
        auth_method="APP",
    )
    return Outcome(done.verdict, await view_of(ctx, done.session))


async def remote_stop(ctx: Context, charger_uuid: UUID) -> Outcome:
    """Operator remote stop of the charger's ACTIVE session (409 when there is none)."""
    ctx.principal.require(*CPMS_CONTROL)
    charger = await _charger(ctx, charger_uuid)
    async with ctx.db.session() as session:
        row = (
            await session.exec(
                select(ChargingSession)
                .where(ChargingSession.charger_id == charger.id, ChargingSession.status == "ACTIVE")
                .order_by(col(ChargingSession.started_at).desc(), col(ChargingSession.id).desc())
            )
        ).first()
    if row is None:
        raise Conflict("This charger has no active session", error="no_active_session")
    done = await sessions.remote_stop(ctx.db, ctx.services.commands, charger, row)
    return Outcome(done.verdict, await view_of(ctx, done.session))


async def stop_charging(ctx: Context, data: StopChargingInput) -> Outcome:
    """Driver / eMSP stop of one session (a driver only their own; others are 404)."""
    ctx.principal.require(*EMSP_CONTROL)
    async with ctx.db.session() as session:
        view = await load_view(session, ctx.principal, data.session_id)
    done = await sessions.remote_stop(ctx.db, ctx.services.commands, view.charger, view.session)
    return Outcome(done.verdict, await view_of(ctx, done.session))


async def force_stop(ctx: Context, session_uuid: UUID) -> tuple[SessionView, bool]:
    """Close a hung session locally (RemoteStop is sent too when the charger is connected)."""
    ctx.principal.require(*FORCE_STOP)
    async with ctx.db.session() as session:
        view = await load_view(session, ctx.principal, session_uuid)
    row, stopped = await sessions.force_stop(ctx.db, ctx.services.commands, view.charger, view.session)
    return await view_of(ctx, row), stopped
