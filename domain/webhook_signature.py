"""Webhook request signing: the exact body bytes and the ``X-Chargegraph-Signature`` header.

The header is ``t=<unix seconds>,v1=<hex HMAC-SHA256>``, the HMAC keyed with the subscription's
signing secret over ``f"{t}."`` followed by the raw request body. A receiver recomputes it over the
bytes it received (before parsing the JSON), compares in constant time, and refuses a ``t`` too far
from its own clock so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def payload_bytes(payload: dict[str, Any]) -> bytes:
    """The body sent for a stored payload: compact JSON (ASCII, non-ASCII escaped), keys in stored order."""
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={_digest(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]] | None:
    """``(timestamp, [v1 signatures])`` from a header value, or None when it is malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isdigit():
                return None
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and its timestamp is within the tolerance."""
    parsed = parse(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body)
    # Every candidate is compared (no early exit), each in constant time.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate)
    return matched
