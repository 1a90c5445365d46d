"""Firmware catalogue queries (the same resolver as GET /cpms/v1/firmware)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from domain.paging import PageRequest
from resolvers import firmware as ops
from schema.context import Info
from schema.permissions import requires
from schema.types.charger import FirmwareImage
from schema.types.page import Connection, PageInfo


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*ops.READ)],
        description="Firmware images for the caller's chargers' models and private to its networks.",
    )
    async def firmware_images(
        self, info: Info, model_id: UUID | None = None, page: int = 1, page_size: int = 50
    ) -> Connection[FirmwareImage]:
        result = await ops.list_firmware(info.context.ctx, PageRequest(page, page_size), model_uuid=model_id)
        return Connection(
            items=[FirmwareImage.from_row(r) for r in result.items], page_info=PageInfo.of(result)
        )
