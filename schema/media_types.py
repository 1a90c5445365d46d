"""The media type of a GraphQL HTTP response, chosen from the request's ``Accept`` header.

GraphQL over HTTP (the current draft) names two: ``application/graphql-response+json``, whose status
code tells a request error (4xx, no ``data``) from an executed operation (200), and the legacy
``application/json``, answered 200 whatever the GraphQL errors. The one the client ranks higher (q
value, then the more specific range, then the order written) wins; ``application/json`` is the answer
to no ``Accept``, ``*/*`` or ``application/*`` (what legacy clients send, and what graphql-http's audit
expects) and to an ``Accept`` naming neither type (the spec's "disregard the header" option: an older
client still gets a readable answer rather than 406).
"""

from __future__ import annotations

from typing import Final

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
APPLICATION_JSON: Final = "application/json"
SUPPORTED: Final = (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON)
"""In the order that breaks a tie between equally ranked wildcard matches: the legacy type first."""

CONTENT_TYPES: Final = {
    GRAPHQL_RESPONSE_JSON: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8",
    APPLICATION_JSON: APPLICATION_JSON,  # the header every answer had before: unchanged
}


def _quality(params: list[str]) -> float | None:
    """The ``q`` parameter of one range (1 when absent); None when it is not a number in 0..1."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0


def _specificity(media_range: str, media_type: str) -> int | None:
    """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``; None when the range does not cover it."""
    if media_range == media_type:
        return 2
    kind, _, subtype = media_range.partition("/")
    if subtype == "*" and kind == media_type.partition("/")[0]:
        return 1
    if media_range == "*/*":
        return 0
    return None


def negotiate(accept: str | None) -> str:
    """The supported media type ``accept`` ranks highest (RFC 9110 §12.5.1): each type takes the
    ``q`` of the most specific range covering it; ``application/json`` when none is acceptable."""
    ranked: list[tuple[float, int, int, int, str]] = []
    ranges = [part.split(";") for part in (accept or "").split(",") if part.strip()]
    for preference, media_type in enumerate(SUPPORTED):
        best: tuple[int, float, int] | None = None  # specificity, q, position in the header
        for position, (media_range, *params) in enumerate(ranges):
            specificity = _specificity(media_range.strip().lower(), media_type)
            quality = _quality(params)
            if specificity is None or quality is None:
                continue
            if best is None or specificity > best[0]:
                best = (specificity, quality, position)
        if best is not None and best[1] > 0:
            specificity, quality, position = best
            ranked.append((quality, specificity, -position, -preference, media_type))
    return max(ranked)[-1] if ranked else APPLICATION_JSON
