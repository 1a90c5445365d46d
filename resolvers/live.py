"""Who sees which live events: the one rule GraphQL subscriptions and SSE streams share."""

from __future__ import annotations

from domain.errors import Unauthorized
from domain.event_hub import EventFilter
from domain.principal import Principal

DRIVER_VISIBLE = frozenset({"charger.*", "connector.*", "session.*", "reservation.*"})


def split_list(value: str | None) -> frozenset[str] | None:
    """``"a, b,,c"`` -> {"a", "b", "c"}; empty or missing -> None (no filter)."""
    if not value:
        return None
    items = frozenset(part.strip() for part in value.split(",") if part.strip())
    return items or None


def event_filter(
    principal: Principal,
    *,
    event_types: frozenset[str] | None = None,
    station_ids: frozenset[str] | None = None,
    charger_id: int | None = None,
    session_id: str | None = None,
) -> EventFilter:
    """The caller's view of the event stream: an API key sees its networks' events; a signed-in
    driver sees the status events of their network and only their own sessions and reservations."""
    if principal.is_driver:
        assert principal.driver_network_id is not None
        return EventFilter(
            network_ids=frozenset({principal.driver_network_id}),
            types=event_types,
            stations=station_ids,
            driver_id=principal.driver_id,
            charger_id=charger_id,
            session_id=session_id,
            visible_types=DRIVER_VISIBLE,
        )
    if principal.api_key_id is None:
        raise Unauthorized("An API key or a driver's bearer token is required")
    return EventFilter(
        network_ids=principal.network_ids,
        types=event_types,
        stations=station_ids,
        charger_id=charger_id,
        session_id=session_id,
    )
