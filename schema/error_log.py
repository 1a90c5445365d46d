"""How GraphQL errors are logged: what the caller got wrong in one INFO line, what broke with a traceback.

Strawberry logs every error of a result at ERROR with its traceback (``Schema.process_errors``), so any
anonymous caller could fill the log with ~1.7 KB per bad request. Expected errors (a domain error such
as ``not_found`` or ``insufficient_scope``, a refused permission, a syntax, validation or input
coercion error: anything GraphQL itself raised) are logged at INFO without a traceback; anything else
is a bug and keeps ERROR with its traceback. This is the one place GraphQL errors are logged.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from domain.errors import DomainError

log = logging.getLogger("chargegraph.graphql")


def expected(error: GraphQLError) -> bool:
    """An error the caller caused (answered with its own message), not one of ours (masked)."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError | DomainError | PermissionError)


def _code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, DomainError):
        return original.error
    code = (error.extensions or {}).get("code")
    if code is None and isinstance(original, GraphQLError):
        code = (original.extensions or {}).get("code")
    return str(code or "graphql_error")


def _where(error: GraphQLError) -> str:
    return ".".join(str(part) for part in error.path) if error.path else "-"


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
    operation = execution_context.operation_name if execution_context is not None else None
    for error in errors:
        if expected(error):
            # %r keeps a message quoting the caller's input on one line.
            log.info(
                "graphql error %s at %s (operation %r): %r",
                _code(error),
                _where(error),
                operation,
                error.message,
            )
        else:
            log.error(
                "unexpected error in GraphQL resolver at %s (operation %r)",
                _where(error),
                operation,
                exc_info=error.original_error,
            )


class Schema(strawberry.Schema):
    """The schema, logging its errors by :func:`log_errors` instead of Strawberry's ERROR-for-all."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors, execution_context)


__all__ = ["Schema", "expected", "log_errors"]
