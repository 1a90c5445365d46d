"""Permission classes by scope: a field names the scopes any one of which lets the caller through.

Strawberry builds one permission object per field and reuses it for every request, so these classes
hold no per-request state: an anonymous caller is refused by raising its own error, a caller without
the scope by the class's fixed ``message`` and ``error_extensions``.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from domain.errors import Unauthorized
from domain.principal import ANONYMOUS
from schema.context import Info

AUTHENTICATION_REQUIRED = "Authentication required: send X-API-Key or a driver bearer token"


def requires(*scopes: str) -> type[BasePermission]:
    """A permission class passing callers that hold at least one of ``scopes``."""

    class HasScope(BasePermission):
        message = f"This credential lacks the scope {' or '.join(scopes)}"
        error_extensions = {"code": "insufficient_scope", "status": 403}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            if principal == ANONYMOUS:
                raise Unauthorized(AUTHENTICATION_REQUIRED)
            return principal.has_any_scope(scopes)

    HasScope.__name__ = "Requires_" + "_".join(
        s.replace(":", "_").replace("-", "_").replace("*", "all") for s in scopes
    )
    return HasScope
