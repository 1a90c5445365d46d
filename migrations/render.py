"""How Alembic writes chargegraph's column types into migration scripts (as plain SQLAlchemy types)."""

from __future__ import annotations

from typing import Any, Literal

from domain.types import Amount, UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, Amount):
        return "sa.BigInteger()"
    if obj.__class__.__module__.startswith("sqlmodel"):
        if obj.__class__.__name__ != "AutoString":
            return False
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False
