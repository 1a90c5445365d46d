"""The documented error body every HTTP answer uses: ``{"error", "message", "code", "timestamp"}``.

Plain data, so that each transport (the REST routes, the charger upload route, the app's own refusals)
answers the same shape without importing another transport.
"""

from __future__ import annotations

from typing import Any

from domain.types import iso_z, utcnow


def error_body(error: str, message: str, **extra: Any) -> dict[str, Any]:
    """``error`` and ``code`` are the same slug; ``extra`` adds e.g. ``details``."""
    return {"error": error, "message": message, "code": error, "timestamp": iso_z(utcnow()) or "", **extra}
