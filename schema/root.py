"""The one schema: root Query/Mutation/Subscription merged from ``schema.operations`` modules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.document_guards import DocumentGuards
from schema.error_log import Schema
from schema.errors import DomainErrors
from schema.execution import PerEventMemoExecutionContext
from schema.operations import modules
from schema.scalars import UTCDateTime


def _merged(name: str) -> type[Any] | None:
    parts = tuple(getattr(m, name) for m in modules() if hasattr(m, name))
    return merge_types(name, parts) if parts else None


def build_schema(*, max_depth: int = 10, max_aliases: int = 30, max_tokens: int = 2000) -> strawberry.Schema:
    query = _merged("Query")
    if query is None:
        raise RuntimeError("the schema has no Query fields")
    # Factories, so that each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        DomainErrors,
        DocumentGuards,
    ]
    return Schema(
        query=query,
        mutation=_merged("Mutation"),
        subscription=_merged("Subscription"),
        extensions=extensions,
        config=StrawberryConfig(scalar_map={datetime: UTCDateTime}),
        execution_context_class=PerEventMemoExecutionContext,
    )
