"""/cpms/v1 firmware catalogue: images for the operator's fleet and per charger model."""

from __future__ import annotations

from typing import Any

from domain.models import FirmwareImage
from domain.types import iso_z
from resolvers import firmware
from rest_compat.endpoint import Call, Paged, Param, endpoint

PAGE = [Param("page", "integer", "int32"), Param("pageSize", "integer", "int32")]


def _image(image: FirmwareImage) -> dict[str, Any]:
    return {
        "id": str(image.uuid),
        "version": image.version,
        "fileName": image.file_name,
        "fileUrl": image.file_url,
        "fileSizeBytes": image.file_size_bytes,
        "releaseNotes": image.release_notes,
        "ocppVersionSupport": image.ocpp_version_support,
        "checksum": image.checksum,
        "isLatest": image.is_latest,
        "releasedAt": iso_z(image.released_at),
        "createdAt": iso_z(image.created_at),
    }


@endpoint(
    "GET",
    "/cpms/v1/firmware",
    summary="Catalog of firmware images applicable to the operator's chargers",
    params=[*PAGE, Param("modelId", "string", "uuid")],
)
async def list_firmware(call: Call) -> Paged:
    page = await firmware.list_firmware(call.ctx, call.page_request(), model_uuid=call.query_uuid("modelId"))
    return Paged(page, [_image(i) for i in page.items], "cpms")


@endpoint(
    "GET",
    "/cpms/v1/charger-models/{modelId}/firmware",
    summary="Catalog of firmware images available for a charger model",
    params=PAGE,
)
async def model_firmware(call: Call) -> Paged:
    page = await firmware.model_firmware(call.ctx, call.path_uuid("modelId"), call.page_request())
    return Paged(page, [_image(i) for i in page.items], "cpms")
