"""The connection registry: which chargers this process holds a socket for, and command dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ocpp.exceptions import OCPPError

from domain.commands import Command, Verdict
from domain.config import OcppConfig
from domain.db import Database
from ocpp_server.connection import CallTimeout, OcppConnection
from ocpp_server.message_log import MessageLog
from ocpp_server.socket import Disconnected
from ocpp_server.translate import Unsupported, to_call, verdict

log = logging.getLogger("chargegraph.ocpp")


class ConnectionRegistry:
    """Implements ``domain.ports.ChargerCommands`` for the chargers connected to this process.

    One live connection per OCPP identity: a reconnect replaces the old socket (which is then closed),
    and the old socket's end never unregisters its successor.
    """

    def __init__(self, config: OcppConfig, db: Database) -> None:
        self.config = config
        self.messages = MessageLog(db)
        self._connections: dict[str, OcppConnection] = {}

    def register(self, connection: OcppConnection) -> OcppConnection | None:
        """Make ``connection`` the charger's live one; returns the one it replaces, if any."""
        previous = self._connections.get(connection.id)
        self._connections[connection.id] = connection
        return previous if previous is not connection else None

    def unregister(self, connection: OcppConnection) -> bool:
        """Forget ``connection`` if it is still the charger's live one."""
        if self._connections.get(connection.id) is connection:
            del self._connections[connection.id]
            return True
        return False

    def get(self, charger_uid: str) -> OcppConnection | None:
        return self._connections.get(charger_uid)

    def connected(self) -> list[str]:
        return sorted(self._connections)

    def ocpp_version(self, charger_uid: str) -> str | None:
        connection = self._connections.get(charger_uid)
        return connection.version if connection is not None else None

    async def send(self, charger_uid: str, command: Command, *, timeout: float | None = None) -> Verdict:
        connection = self._connections.get(charger_uid)
        if connection is None or connection.closed:
            return Verdict.offline()
        try:
            outgoing = to_call(connection.version, command)
        except Unsupported as exc:
            return Verdict(False, str(exc), status="NotSupported")
        wait = timeout if timeout is not None else self.config.command_timeout_seconds
        try:
            reply = await connection.request(outgoing.action, outgoing.payload, wait)
        except CallTimeout:
            return Verdict.timed_out()
        except Disconnected:
            return Verdict.offline()
        except OCPPError as exc:  # our payload failed the version's schema
            log.error("%s: %s payload rejected by the schema: %s", charger_uid, outgoing.action, exc)
            return Verdict(
                False, f"The command could not be sent: {exc.description}", status="FormationViolation"
            )
        return verdict(outgoing.action, reply)

    async def close(self) -> None:
        """Close every socket (going away) and write the message log that is still queued."""
        connections = list(self._connections.values())
        self._connections.clear()
        for connection in connections:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(1001, "Server shutting down"), 2)
        await self.messages.close()
