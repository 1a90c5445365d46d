"""The documented response envelope, pagination shapes and error body."""

from __future__ import annotations

from typing import Any, Literal

from starlette.responses import JSONResponse

from domain.error_body import error_body as error_body  # re-exported: the REST routes import it from here
from domain.errors import DomainError, RateLimited
from domain.paging import Page
from domain.types import iso_z, utcnow

PaginationStyle = Literal["cpms", "emsp"]


def now_z() -> str:
    return iso_z(utcnow()) or ""


def pagination(page: Page[Any], style: PaginationStyle) -> dict[str, Any]:
    if style == "cpms":
        return {
            "page": page.request.page,
            "pageSize": page.request.page_size,
            "total": page.total,
            "totalPages": page.total_pages,
        }
    return {
        "totalCount": page.total,
        "page": page.request.page,
        "pageSize": page.request.page_size,
        "totalPages": page.total_pages,
        "hasNextPage": page.has_next,
        "hasPreviousPage": page.has_previous,
    }


def success(data: Any, status: int = 200, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"data": data, "success": True, "timestamp": now_z()}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status)


def failure(exc: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if exc.details is not None:
        extra["details"] = exc.details
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse(error_body(exc.error, exc.message, **extra), status_code=exc.status, headers=headers)
