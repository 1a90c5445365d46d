"""The firmware catalogue: images for the models of the caller's chargers and private to its networks."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select

from domain.errors import not_found
from domain.models import Charger, ChargerModel, FirmwareImage
from domain.paging import Page, PageRequest, paginate
from domain.principal import Principal
from domain.services.tenancy import reachable
from resolvers.context import Context

READ = ("cpms:firmware:read", "cpms:chargers:read")


def _public_or_own(principal: Principal) -> ColumnElement[bool]:
    """Catalogue images (no network) or images private to a network the caller reaches."""
    return or_(col(FirmwareImage.network_id).is_(None), reachable(principal, FirmwareImage.network_id))


def applicable(principal: Principal) -> ColumnElement[bool]:
    """Images for the models of the caller's live chargers, plus images private to the caller's networks."""
    fleet_models = select(Charger.charger_model_id).where(
        reachable(principal, Charger.network_id),
        col(Charger.deleted_at).is_(None),
        col(Charger.charger_model_id).is_not(None),
    )
    private = (col(FirmwareImage.network_id).is_not(None)) & reachable(principal, FirmwareImage.network_id)
    return or_((col(FirmwareImage.charger_model_id).in_(fleet_models)) & _public_or_own(principal), private)


async def _page(
    ctx: Context, conditions: Sequence[ColumnElement[bool]], page: PageRequest
) -> Page[FirmwareImage]:
    async with ctx.db.session() as session:
        return await paginate(
            session,
            FirmwareImage,
            conditions,
            [
                col(FirmwareImage.is_latest).desc(),
                func.coalesce(FirmwareImage.released_at, FirmwareImage.created_at).desc(),
                col(FirmwareImage.id).desc(),
            ],
            page,
        )


async def list_firmware(
    ctx: Context, page: PageRequest, *, model_uuid: UUID | None = None
) -> Page[FirmwareImage]:
    """The images applicable to the caller's fleet, optionally for one charger model."""
    ctx.principal.require(*READ)
    conditions = [applicable(ctx.principal)]
    if model_uuid is not None:
        model_ids = select(ChargerModel.id).where(ChargerModel.uuid == model_uuid)
        conditions.append(col(FirmwareImage.charger_model_id).in_(model_ids))
    return await _page(ctx, conditions, page)


async def model_firmware(ctx: Context, model_uuid: UUID, page: PageRequest) -> Page[FirmwareImage]:
    """One charger model's images (404 if unknown): public, or private to the caller's networks."""
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        model = (await session.exec(select(ChargerModel).where(ChargerModel.uuid == model_uuid))).first()
    if model is None:
        raise not_found("Charger model")
    return await _page(
        ctx, [col(FirmwareImage.charger_model_id) == model.id, _public_or_own(ctx.principal)], page
    )


async def charger_models_by_id(ctx: Context, ids: Sequence[int]) -> list[ChargerModel | None]:
    """Charger models by internal id (the model catalogue is shared by every network)."""
    async with ctx.db.session() as session:
        rows = (await session.exec(select(ChargerModel).where(col(ChargerModel.id).in_(list(ids))))).all()
    by_id = {r.id: r for r in rows}
    return [by_id.get(i) for i in ids]
