"""Firmware updates over the air: send a catalogue image or a raw URL to a charger, and its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse
from uuid import UUID

from pydantic import Field, model_validator
from sqlmodel import select

from domain import commands
from domain.errors import ValidationFailed, not_found
from domain.models import Charger, FirmwareImage, FirmwareUpdate
from domain.services import firmware_updates as service
from domain.services.charger_status import is_online
from domain.types import as_utc
from resolvers import charger_commands
from resolvers.context import Context
from resolvers.inputs import Input

READ = ("cpms:chargers:read",)
URL_SCHEMES = ("http", "https", "ftp", "ftps")


class FirmwareUpdateRequest(Input):
    """A catalogue image (``firmwareVersionId``) or a raw ``location`` URL, not both."""

    firmware_version_id: UUID | None = None
    location: str | None = Field(default=None, max_length=1000)
    retrieve_at: datetime | None = None
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval_seconds: int | None = Field(default=None, ge=0, le=86400)

    @model_validator(mode="after")
    def _one_source(self) -> FirmwareUpdateRequest:
        if (self.firmware_version_id is None) == (not self.location):
            raise ValueError("give either firmwareVersionId (a catalogue image) or location (a URL)")
        if self.location:
            parsed = urlparse(self.location)
            if parsed.scheme not in URL_SCHEMES or not parsed.netloc:
                raise ValueError("location must be an http(s) or ftp(s) URL")
        return self


@dataclass(frozen=True)
class FirmwareSent:
    update: FirmwareUpdate
    image: FirmwareImage | None
    dispatched: charger_commands.Dispatched


async def _image(ctx: Context, charger: Charger, image_uuid: UUID, version: str | None) -> FirmwareImage:
    """A catalogue image the caller reaches, built for this charger's model and OCPP version."""
    async with ctx.db.session() as session:
        image = (await session.exec(select(FirmwareImage).where(FirmwareImage.uuid == image_uuid))).first()
    if image is None or (image.network_id is not None and not ctx.principal.can_reach(image.network_id)):
        raise not_found("Firmware image")
    if image.network_id is not None and image.network_id != charger.network_id:
        raise ValidationFailed(
            "firmwareVersionId: this image is private to another network", error="firmware_incompatible"
        )
    if charger.charger_model_id is None or image.charger_model_id != charger.charger_model_id:
        raise ValidationFailed(
            "firmwareVersionId: this image is not built for the charger's model",
            error="firmware_incompatible",
        )
    supported = {v.strip() for v in image.ocpp_version_support.split(",") if v.strip()}
    if version and supported and version not in supported:
        raise ValidationFailed(
            f"firmwareVersionId: this image does not support OCPP {version}", error="firmware_incompatible"
        )
    return image


async def update_firmware(ctx: Context, charger_uuid: UUID, data: FirmwareUpdateRequest) -> FirmwareSent:
    """Write the FirmwareUpdate row (Requested), send UpdateFirmware, record the charger's verdict."""
    found = await charger_commands.target(ctx, charger_uuid, "cpms:chargers:control", driver_allowed=False)
    charger = found.charger
    image = None
    if data.firmware_version_id is not None:
        image = await _image(ctx, charger, data.firmware_version_id, found.ocpp_version)
        target = service.FirmwareTarget(image.file_url, image)
    else:
        assert data.location is not None
        target = service.FirmwareTarget(data.location)
    async with ctx.db.unit_of_work() as session:
        update = await service.create_update(
            session,
            charger,
            target,
            retrieve_at=as_utc(data.retrieve_at) if data.retrieve_at else None,
            retries=data.retries,
            retry_interval_seconds=data.retry_interval_seconds,
            api_key_id=ctx.principal.api_key_id,
        )
    assert update.id is not None and update.request_id is not None and update.retrieve_at is not None
    command = commands.UpdateFirmware(
        location=target.location,
        retrieve_at=update.retrieve_at,
        request_id=update.request_id,
        retries=data.retries,
        retry_interval_seconds=data.retry_interval_seconds,
        checksum=image.checksum if image is not None else None,
    )
    dispatched = await charger_commands.send(ctx, found, command)
    update = await service.record_verdict(ctx.db, update.id, dispatched.verdict)
    return FirmwareSent(update, image, dispatched)


@dataclass(frozen=True)
class FirmwareStatus:
    charger: Charger
    is_online: bool
    latest: FirmwareUpdate | None
    image: FirmwareImage | None


async def firmware_status(ctx: Context, charger_uuid: UUID) -> FirmwareStatus:
    """The firmware the charger last reported and its most recent update request, as it progressed."""
    found = await charger_commands.target(ctx, charger_uuid, *READ, driver_allowed=False)
    charger = found.charger
    assert charger.id is not None
    async with ctx.db.session() as session:
        latest = await service.latest_update(session, charger.id)
        image = None
        if latest is not None and latest.firmware_image_id is not None:
            image = await session.get(FirmwareImage, latest.firmware_image_id)
    return FirmwareStatus(charger, is_online(charger.last_heartbeat), latest, image)
