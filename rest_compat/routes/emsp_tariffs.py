"""/emsp/v1/tariffs: tariffs as drivers' apps see them. This reference quotes time and idle rates
per MINUTE, so the stored per-hour rates are divided by 60 here (and rounded only on the way out)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.models import Tariff
from domain.types import iso_z, money_out
from resolvers import tariffs
from rest_compat.endpoint import Call, Param, endpoint

RATE_PLACES = 4
FEE_PLACES = 2
MINUTES_PER_HOUR = Decimal(60)


def per_minute(per_hour: Decimal | None) -> float | None:
    return money_out(None if per_hour is None else per_hour / MINUTES_PER_HOUR, RATE_PLACES)


def _row(tariff: Tariff) -> dict[str, Any]:
    return {
        "id": str(tariff.uuid),
        "name": tariff.name,
        "description": tariff.description,
        "type": tariff.type,
        "currency": tariff.currency,
        "isFree": tariff.is_free,
        "energyRate": money_out(tariff.energy_rate, RATE_PLACES),
        "timeRate": per_minute(tariff.time_rate),
        "idleRate": per_minute(tariff.idle_rate),
        "sessionFee": money_out(tariff.session_fee, FEE_PLACES),
        "minimumSessionFee": money_out(tariff.minimum_session_fee, FEE_PLACES),
        "maximumSessionFee": money_out(tariff.maximum_session_fee, FEE_PLACES),
        "taxRate": money_out(tariff.tax_rate, FEE_PLACES),
        "effectiveFrom": iso_z(tariff.effective_from),
        "effectiveTo": iso_z(tariff.effective_to),
    }


@endpoint(
    "GET",
    "/emsp/v1/tariffs",
    summary="List available tariffs",
    params=[
        Param("activeOnly", "boolean"),
        Param("page", "integer", "int32"),
        Param("pageSize", "integer", "int32"),
    ],
)
async def list_tariffs(call: Call) -> list[dict[str, Any]]:
    page = await tariffs.list_tariffs(
        call.ctx, call.page_request(), active_only=bool(call.query_bool("activeOnly"))
    )
    return [_row(t) for t in page.items]


@endpoint("GET", "/emsp/v1/tariffs/{id}", summary="Get a tariff")
async def get_tariff(call: Call) -> dict[str, Any]:
    return _row(await tariffs.get_tariff(call.ctx, call.path_uuid("id")))
