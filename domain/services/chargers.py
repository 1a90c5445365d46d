"""Registering a charger: its OCPP identity must be free, its EVSE id and lookup code are generated.

Used by the operator API (``resolvers.chargers.create_charger``, after the caller's scope and tenancy
checks) and by OCPP auto-registration (``ocpp_server.handshake``, into the configured network).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.db import Database
from domain.errors import Conflict, not_found
from domain.models import Charger, ChargerModel, Network
from domain.secrets import random_code

CODE_ATTEMPTS = 8


def uid_taken(uid: str) -> Conflict:
    return Conflict(f"A charger with uid {uid!r} already exists", error="charger_exists")


async def unused_code(session: AsyncSession, column: Any, make: Callable[[], str]) -> str:
    """A fresh random code not yet in ``column`` (``make`` builds one candidate)."""
    for _ in range(CODE_ATTEMPTS):
        candidate = make()
        taken = (await session.exec(select(func.count()).where(col(column) == candidate))).one()
        if not taken:
            return candidate
    raise Conflict("Could not allocate a unique identifier, retry", error="identifier_exhausted")


async def register(
    session: AsyncSession,
    network: Network,
    uid: str,
    *,
    location_id: int | None = None,
    model: ChargerModel | None = None,
    status: str | None = None,
    firmware_version: str | None = None,
    ocpp_version: str | None = None,
) -> Charger:
    """A new charger in ``network`` whose OCPP identity (and serial) is ``uid``, in the caller's unit of
    work. A live charger with that uid is a 409; a concurrent registration of the same uid fails at
    commit with an ``IntegrityError`` (see ``uid_taken``)."""
    clash = (
        await session.exec(
            select(func.count())
            .select_from(Charger)
            .where(Charger.uid == uid, col(Charger.deleted_at).is_(None))
        )
    ).one()
    if clash:
        raise uid_taken(uid)
    assert network.id is not None
    prefix = (network.country or "CG")[:2].upper()
    evse_id = await unused_code(session, Charger.evse_id, lambda: f"{prefix}-{random_code(6)}")
    lookup_code = await unused_code(session, Charger.lookup_code, lambda: random_code(8))
    charger = Charger(
        network_id=network.id,
        location_id=location_id,
        charger_model_id=model.id if model is not None else None,
        uid=uid,
        evse_id=evse_id,
        lookup_code=lookup_code,
        serial_number=uid,
        status=status or "UNKNOWN",
        firmware_version=firmware_version,
        ocpp_version=ocpp_version,
        max_power_kw=model.max_power_kw if model is not None else None,
        vendor=model.manufacturer if model is not None else None,
        model_name=model.name if model is not None else None,
    )
    session.add(charger)
    await session.flush()
    return charger


async def auto_register(db: Database, network_uuid: UUID, uid: str) -> Charger:
    """OCPP auto-registration: the charge point presenting the unknown identity ``uid`` joins the
    network ``network_uuid`` (a deleted or unknown network is a 404)."""
    try:
        async with db.unit_of_work() as session:
            network = (
                await session.exec(
                    select(Network).where(Network.uuid == network_uuid, col(Network.deleted_at).is_(None))
                )
            ).first()
            if network is None or network.id is None:
                raise not_found("Network")
            charger = await register(session, network, uid)
    except IntegrityError as exc:  # a concurrent registration of the same uid
        raise uid_taken(uid) from exc
    return charger
