"""Errors in GraphQL answers: domain errors keep their slug and status; anything unexpected is masked."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from domain.errors import DomainError, RateLimited


def _shape(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, DomainError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions={
                "code": original.error,
                "status": original.status,
                **({"retryAfter": original.retry_after} if isinstance(original, RateLimited) else {}),
                **(error.extensions or {}),
            },
        )
    if isinstance(original, PermissionError):
        return error
    # Logged (with its traceback) by the schema's process_errors, see schema/error_log.py.
    return GraphQLError(
        "Unexpected error.",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "internal_error"},
    )


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_shape(e) for e in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Over a websocket each result is sent before the operation ends: shape it on its way out."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [_shape(e) for e in errors]  # type: ignore[union-attr]
        yield
