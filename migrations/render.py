"""How Alembic writes chargegraph's column types into migration scripts (as plain SQLAlchemy types)."""

from __future__ import annotations

from typing import Any

from domain.types import Amount, UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Amount):
        return "sa.BigInteger()"
    if type_ == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        return "sa.String()" if obj.__class__.__name__ == "AutoString" else False
    return False
