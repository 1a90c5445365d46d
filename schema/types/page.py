"""Paginated lists: the items of one page and how many there are in all."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry

from domain.paging import Page

T = TypeVar("T")


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    page: int
    page_size: int
    total: int
    total_pages: int
    has_next_page: bool
    has_previous_page: bool

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            page=page.request.page,
            page_size=page.request.page_size,
            total=page.total,
            total_pages=page.total_pages,
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
        )


@strawberry.type
class Connection(Generic[T]):
    items: list[T]
    page_info: PageInfo
