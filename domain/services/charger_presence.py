"""Which instance holds a charger's websocket, and chargers that went silent without closing it.

The truth is the ``charger_connection`` history: an instance writes a Connected row (with its
instance id) when a charger's socket opens there and a Disconnected row when it closes. A charger is
held by the instance of its latest Connected row, unless that same instance wrote a Disconnected
row after it (a Disconnected written by another instance is a socket that instance lost after the
charger had already moved, and says nothing about the new one).

An instance that dies writes nothing; a charger whose socket died silently says nothing either.
:func:`detect_offline` closes such connections once the charger has been silent (no heartbeat, boot
or any message) for three heartbeat intervals (at least five minutes), with a Disconnected row
"No heartbeat" in the holder's name, recorded like any other disconnect.

Instances also announce presence changes on the bus (:data:`PRESENCE_CHANNEL`), so each one knows,
without a query, which chargers the others hold and which OCPP version they speak.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from domain import claims
from domain.db import Database
from domain.models import Charger, ChargerConnection, OcppMessage
from domain.ports import MessageBus
from domain.services import charge_point
from domain.services.charge_point import ChargerIdentity
from domain.types import utcnow

log = logging.getLogger("chargegraph.presence")

CONNECTED = "Connected"
DISCONNECTED = "Disconnected"
NO_HEARTBEAT = "No heartbeat"
PRESENCE_CHANNEL = "presence"
DETECT_OFFLINE = "chargers.detect_offline"
MIN_SILENCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Holder:
    """The instance holding a charger's socket, and the OCPP version the charger speaks there."""

    instance_id: str
    ocpp_version: str | None


@dataclass(frozen=True)
class Announcement:
    """A charger's socket opened (``ocpp_version`` set) or closed (None) on ``instance_id``."""

    uid: str
    instance_id: str
    ocpp_version: str | None

    def to_json(self) -> str:
        return json.dumps({"uid": self.uid, "instance": self.instance_id, "version": self.ocpp_version})

    @classmethod
    def from_json(cls, text: str) -> Announcement:
        raw: Any = json.loads(text)
        uid, instance, version = raw["uid"], raw["instance"], raw.get("version")
        if not isinstance(uid, str) or not isinstance(instance, str):
            raise ValueError("an announcement names a charger and an instance")
        if version is not None and not isinstance(version, str):
            raise ValueError("an announcement's version is a string")
        return cls(uid, instance, version)


def _ended(connected: type[ChargerConnection]) -> ColumnElement[bool]:
    """Whether the instance of the ``connected`` row has since written a Disconnected row."""
    later = aliased(ChargerConnection)
    return exists().where(
        col(later.charger_id) == col(connected.charger_id),
        col(later.id) > col(connected.id),
        col(later.status) == DISCONNECTED,
        col(later.instance_id) == col(connected.instance_id),
    )


async def holder(db: Database, charger_uid: str) -> Holder | None:
    """The instance holding the live charger ``charger_uid``'s socket, or None (connected nowhere)."""
    return await _holder(db, col(Charger.uid) == charger_uid, col(Charger.deleted_at).is_(None))


async def holder_of(db: Database, charger_id: int) -> Holder | None:
    """The instance holding the socket of the charger with internal id ``charger_id``, or None."""
    return await _holder(db, col(Charger.id) == charger_id)


async def _holder(db: Database, *charger: ColumnElement[bool]) -> Holder | None:
    stmt = (
        select(ChargerConnection.instance_id, ChargerConnection.ocpp_version, _ended(ChargerConnection))
        .join(Charger, col(Charger.id) == col(ChargerConnection.charger_id))
        .where(*charger, col(ChargerConnection.status) == CONNECTED)
        .order_by(col(ChargerConnection.id).desc())
        .limit(1)
    )
    async with db.session() as session:
        row = (await session.exec(stmt)).first()
    if row is None:
        return None
    instance_id, version, ended = row
    return None if instance_id is None or ended else Holder(instance_id, version)


def _live_connections() -> Any:
    """Each charger's latest Connected row that its instance has not closed, with the charger."""
    latest = (
        select(ChargerConnection.charger_id, func.max(ChargerConnection.id).label("id"))
        .where(col(ChargerConnection.status) == CONNECTED)
        .group_by(col(ChargerConnection.charger_id))
        .subquery()
    )
    return (
        select(ChargerConnection, Charger)
        .join(latest, col(ChargerConnection.id) == latest.c.id)
        .join(Charger, col(Charger.id) == col(ChargerConnection.charger_id))
        .where(col(ChargerConnection.instance_id).is_not(None), ~_ended(ChargerConnection))
    )


async def held(db: Database) -> dict[str, Holder]:
    """Every live charger held by some instance, by OCPP identity."""
    stmt = _live_connections().where(col(Charger.deleted_at).is_(None))
    async with db.session() as session:
        rows = (await session.exec(stmt)).all()
    return {charger.uid: Holder(row.instance_id, row.ocpp_version) for row, charger in rows}


def silence_allowed(heartbeat_interval_seconds: float) -> timedelta:
    """How long a connected charger may say nothing: three heartbeat intervals, at least 5 minutes."""
    return max(timedelta(seconds=3 * heartbeat_interval_seconds), MIN_SILENCE)


async def silent(db: Database, now: datetime, allowed: timedelta) -> list[tuple[ChargerIdentity, Holder]]:
    """Connected chargers with no sign of life (connect, boot, heartbeat, any message) since
    ``now - allowed``."""
    cutoff = now - allowed
    spoke = exists().where(
        col(OcppMessage.charger_id) == col(ChargerConnection.charger_id),
        col(OcppMessage.direction) == "incoming",
        col(OcppMessage.occurred_at) >= cutoff,
    )
    stmt = _live_connections().where(
        col(ChargerConnection.occurred_at) < cutoff,
        or_(col(Charger.last_heartbeat).is_(None), col(Charger.last_heartbeat) < cutoff),
        or_(col(Charger.last_boot_at).is_(None), col(Charger.last_boot_at) < cutoff),
        ~spoke,
    )
    async with db.session() as session:
        rows = (await session.exec(stmt)).all()
    found = []
    for row, charger in rows:
        assert charger.id is not None and row.instance_id is not None
        identity = ChargerIdentity(
            charger.id, charger.network_id, charger.uid, charger.password_hash, charger.location_id
        )
        found.append((identity, Holder(row.instance_id, row.ocpp_version)))
    return found


async def detect_offline(
    db: Database,
    *,
    heartbeat_interval_seconds: float,
    now: datetime | None = None,
    bus: MessageBus | None = None,
) -> int:
    """Close the connections of silent chargers (see the module notes); one instance at a time.
    Returns how many chargers were marked disconnected."""
    async with claims.claimed(db, DETECT_OFFLINE) as mine:
        if not mine:
            return 0
        found = await silent(db, now or utcnow(), silence_allowed(heartbeat_interval_seconds))
        for charger, holding in found:
            log.info("%s: no sign of life on %s, marked disconnected", charger.uid, holding.instance_id)
            await charge_point.connection_event(
                db,
                charger,
                DISCONNECTED,
                ocpp_version=holding.ocpp_version,
                reason=NO_HEARTBEAT,
                instance_id=holding.instance_id,
            )
            if bus is not None:
                await announce(bus, Announcement(charger.uid, holding.instance_id, None))
        return len(found)


async def announce(bus: MessageBus, announcement: Announcement) -> None:
    """Tell every instance (best effort: the connection history stays the truth)."""
    try:
        await bus.send(PRESENCE_CHANNEL, announcement.to_json())
    except Exception:
        log.warning("could not announce %s on the bus", announcement, exc_info=True)
