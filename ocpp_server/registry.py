"""The connection registry: which chargers this process holds a socket for, and command dispatch."""

from __future__ import annotations

from domain.commands import Command, Verdict
from domain.config import OcppConfig


class ConnectionRegistry:
    """Implements ``domain.ports.ChargerCommands`` for the chargers connected to this process."""

    def __init__(self, config: OcppConfig) -> None:
        self.config = config

    async def send(self, charger_uid: str, command: Command, *, timeout: float | None = None) -> Verdict:
        return Verdict.offline()

    def ocpp_version(self, charger_uid: str) -> str | None:
        return None
