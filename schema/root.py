"""The one schema: root Query/Mutation/Subscription merged from ``schema.operations`` modules."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.errors import DomainErrors
from schema.operations import modules


def _merged(name: str) -> type[Any] | None:
    parts = tuple(getattr(m, name) for m in modules() if hasattr(m, name))
    return merge_types(name, parts) if parts else None


def build_schema(*, max_depth: int = 10, max_aliases: int = 30, max_tokens: int = 2000) -> strawberry.Schema:
    query = _merged("Query")
    if query is None:
        raise RuntimeError("the schema has no Query fields")
    # Strawberry takes extension instances as well as classes, though its annotation names only classes.
    extensions: list[Any] = [
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=max_aliases),
        MaxTokensLimiter(max_token_count=max_tokens),
        DomainErrors(),
    ]
    return strawberry.Schema(
        query=query,
        mutation=_merged("Mutation"),
        subscription=_merged("Subscription"),
        extensions=extensions,
    )
