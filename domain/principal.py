"""Who is calling: an API key, a signed-in driver, or both; with scopes and reachable networks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.errors import Forbidden
from domain.scopes import grants


@dataclass(frozen=True)
class Principal:
    family: str | None = None
    api_key_id: int | None = None
    key_visibility: str | None = None
    key_environment: str = "live"
    scopes: frozenset[str] = field(default_factory=frozenset)
    network_ids: frozenset[int] | None = None
    """The networks this caller may reach; ``None`` means every network (unrestricted keys)."""
    driver_id: int | None = None
    driver_network_id: int | None = None
    client_ip: str | None = None
    """The caller's address as resolved for the request (for throttling sign-in attempts)."""

    @property
    def unrestricted(self) -> bool:
        return self.network_ids is None

    @property
    def is_driver(self) -> bool:
        return self.driver_id is not None

    def has_scope(self, scope: str) -> bool:
        return grants(self.scopes, scope)

    def has_any_scope(self, scopes: Iterable[str]) -> bool:
        return any(self.has_scope(s) for s in scopes)

    def require(self, *scopes: str) -> None:
        """Pass when the caller holds at least one of ``scopes``."""
        if not self.has_any_scope(scopes):
            raise Forbidden(
                f"This credential lacks the scope {' or '.join(scopes)}", error="insufficient_scope"
            )

    def can_reach(self, network_id: int) -> bool:
        return self.network_ids is None or network_id in self.network_ids


ANONYMOUS = Principal()
