"""The documented shapes of ``../shared/api/endpoints.json``, for checking responses field by field."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent.parent.parent / "shared" / "api" / "endpoints.json"


@lru_cache(maxsize=1)
def _endpoints() -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads(CATALOGUE.read_text())
    return {(e["method"].upper(), e["path"]): e for e in data["endpoints"]}


def documented(method: str, path: str) -> dict[str, Any]:
    return _endpoints()[(method.upper(), path)]


def _keys(value: Any) -> set[str]:
    if isinstance(value, list):
        return _keys(value[0]) if value else set()
    if isinstance(value, dict):
        return set(value)
    return set()


def assert_shape(method: str, path: str, body: dict[str, Any]) -> None:
    """The envelope and the data's field names are exactly those of the documented example."""
    example = documented(method, path)["exampleResponse"]
    assert set(body) == set(example), f"envelope keys {sorted(body)} != documented {sorted(example)}"
    assert body["success"] is True
    assert isinstance(body["timestamp"], str) and body["timestamp"].endswith("Z")
    want, got = _keys(example["data"]), _keys(body["data"])
    if got or not isinstance(body["data"], list):
        assert got == want, f"data fields differ: missing {sorted(want - got)}, extra {sorted(got - want)}"
    if "pagination" in example:
        assert set(body["pagination"]) == set(example["pagination"])


def assert_error(body: dict[str, Any], error: str | None = None) -> None:
    """The documented error body: error, message, code, timestamp."""
    assert {"error", "message", "code", "timestamp"} <= set(body), body
    assert body["timestamp"].endswith("Z")
    if error is not None:
        assert body["error"] == error, body
