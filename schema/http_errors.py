"""GraphQL requests refused before they run: the error body, and telling a request error from the rest.

A refusal before execution (bad JSON, no credential, too large...) is answered with
:func:`graphql_error_body`. A *request error* (GraphQL over HTTP's term) is one the operation raised
before it started executing: the document did not parse or validate (graphql-core's rules, the depth,
alias and token limits, ``schema.document_guards``), or its variables did not coerce. Such a result has
no data and its errors point at no field (no ``path``); a field error, even one that nulls the whole
``data`` through a non-null root field, has a path; and a failure of the server is not the request's
fault: an error masked as ``internal_error``, or an exception Strawberry caught around the operation
(a non-GraphQL ``original_error`` pointing at no node of the document).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def graphql_error_body(message: str, code: str, status: int) -> dict[str, Any]:
    """``{"errors": [{"message", "extensions": {"code", "status"}}]}``, the shape of every GraphQL error."""
    return {"errors": [{"message": message, "extensions": {"code": code, "status": status}}]}


def is_request_error(result: ExecutionResult) -> bool:
    """Whether ``result`` is a request error: no data, and errors raised before execution started."""
    if result.data is not None or not result.errors:
        return False
    return all(error.path is None and not _server_fault(error) for error in result.errors)


def _server_fault(error: GraphQLError) -> bool:
    if (error.extensions or {}).get("code") == "internal_error":
        return True
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError) and not error.nodes
