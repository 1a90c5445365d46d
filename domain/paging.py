"""Page requests and pages: 1-based pages of 1 to 100 items, page numbers up to 2,147,483,647."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import BadRequest

T = TypeVar("T")

MAX_PAGE_SIZE = 100
MAX_PAGE = 2_147_483_647
"""The highest page number: the references type ``page`` as int32 (GraphQL's Int is 32-bit too), and
the offset it gives, at most ``MAX_PAGE * MAX_PAGE_SIZE``, fits the 64-bit OFFSET of either database."""


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.page <= MAX_PAGE:
            raise BadRequest(f"page must be between 1 and {MAX_PAGE}", error="invalid_page")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise BadRequest(f"pageSize must be between 1 and {MAX_PAGE_SIZE}", error="invalid_page_size")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    request: PageRequest

    @property
    def total_pages(self) -> int:
        size = self.request.page_size
        return (self.total + size - 1) // size

    @property
    def has_next(self) -> bool:
        return self.request.page < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.request.page > 1


async def paginate(
    session: AsyncSession,
    model: type[T],
    conditions: Sequence[Any],
    order_by: Sequence[Any],
    request: PageRequest,
) -> Page[T]:
    """One page of ``model`` rows matching ``conditions``, and how many match in all."""
    count = select(func.count()).select_from(model).where(*conditions)
    total = (await session.exec(count)).one()
    rows = (
        select(model).where(*conditions).order_by(*order_by).offset(request.offset).limit(request.page_size)
    )
    return Page(list((await session.exec(rows)).all()), int(total), request)
