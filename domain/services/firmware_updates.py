"""Firmware updates sent to chargers: the FirmwareUpdate row written before UpdateFirmware goes out, and
the charger's verdict recorded on it. Progress (FirmwareStatusNotification) is recorded by the OCPP core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.commands import Verdict
from domain.db import Database
from domain.models import Charger, FirmwareImage, FirmwareUpdate
from domain.types import utcnow


@dataclass(frozen=True)
class FirmwareTarget:
    """What to install: a catalogue image (its URL and version) or a raw location URL."""

    location: str
    image: FirmwareImage | None = None

    @property
    def version(self) -> str | None:
        return self.image.version if self.image is not None else None


async def create_update(
    session: AsyncSession,
    charger: Charger,
    target: FirmwareTarget,
    *,
    retrieve_at: datetime | None = None,
    retries: int | None = None,
    retry_interval_seconds: int | None = None,
    api_key_id: int | None = None,
) -> FirmwareUpdate:
    """A Requested row whose ``request_id`` (the OCPP requestId) is its own unique integer id."""
    assert charger.id is not None
    update = FirmwareUpdate(
        network_id=charger.network_id,
        charger_id=charger.id,
        firmware_image_id=target.image.id if target.image is not None else None,
        firmware_version=target.version,
        location_url=target.location,
        retrieve_at=retrieve_at or utcnow(),
        retries=retries,
        retry_interval_seconds=retry_interval_seconds,
        requested_by_api_key_id=api_key_id,
    )
    session.add(update)
    await session.flush()
    update.request_id = update.id
    session.add(update)
    return update


async def record_verdict(db: Database, update_id: int, verdict: Verdict) -> FirmwareUpdate:
    """The charger's answer: Requested stays (accepted) or the row becomes Rejected / Offline.

    A status notification that already arrived (the charger may report Downloading before its reply
    is processed) is not overwritten."""
    async with db.unit_of_work() as session:
        update = await session.get(FirmwareUpdate, update_id)
        assert update is not None
        update.accepted = verdict.accepted
        update.response_payload = verdict.payload or None
        if not verdict.accepted and update.status == "Requested":
            update.status = "Rejected" if not verdict.retryable else "NotSent"
            update.status_info = (verdict.reason or "")[:200] or None
            update.finished_at = utcnow()
        update.updated_at = utcnow()
        session.add(update)
    return update


async def latest_update(session: AsyncSession, charger_id: int) -> FirmwareUpdate | None:
    stmt = (
        select(FirmwareUpdate)
        .where(FirmwareUpdate.charger_id == charger_id)
        .order_by(col(FirmwareUpdate.requested_at).desc(), col(FirmwareUpdate.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


def payload_text(verdict: Verdict) -> str | None:
    """The charger's reply as the JSON text the references show, or None when it never answered."""
    if verdict.retryable and not verdict.payload:
        return None
    return json.dumps(verdict.payload, separators=(",", ":"), sort_keys=True)
