"""The body of a GraphQL request refused before it runs (bad JSON, no credential, too large...)."""

from __future__ import annotations

from typing import Any

HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def graphql_error_body(message: str, code: str, status: int) -> dict[str, Any]:
    """``{"errors": [{"message", "extensions": {"code", "status"}}]}``, the shape of every GraphQL error."""
    return {"errors": [{"message": message, "extensions": {"code": code, "status": status}}]}
