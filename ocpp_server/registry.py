"""The connection registry: which chargers this instance holds a socket for, and command dispatch.

A command for a charger held here goes down its socket. A charger held by another instance (its
latest connection row says so) gets the command through that instance: the request travels over the
message bus and the verdict comes back the same way (``ocpp_server.routing``). A charger held
nowhere is offline at once; an instance that does not answer in time is a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ocpp.exceptions import OCPPError

from domain.commands import Command, Verdict
from domain.config import OcppConfig
from domain.db import Database
from domain.instance import INSTANCE_ID
from domain.ports import MessageBus
from domain.services import charger_presence
from domain.services.charger_presence import Announcement, Holder
from ocpp_server.connection import CallTimeout, OcppConnection
from ocpp_server.message_log import MessageLog
from ocpp_server.routing import Router
from ocpp_server.socket import Disconnected
from ocpp_server.translate import Unsupported, to_call, verdict

log = logging.getLogger("chargegraph.ocpp")


class ConnectionRegistry:
    """Implements ``domain.ports.ChargerCommands`` for every charger of the deployment.

    One live connection per OCPP identity: a reconnect replaces the old socket (which is then closed),
    and the old socket's end never unregisters its successor. ``instance_id`` is this instance's
    name in the connection rows and on the bus (the process's ``INSTANCE_ID`` unless given).
    Commands reach other instances' chargers only while :meth:`routing` runs.
    """

    def __init__(
        self,
        config: OcppConfig,
        db: Database,
        bus: MessageBus | None = None,
        *,
        instance_id: str = INSTANCE_ID,
    ) -> None:
        self.config = config
        self.db = db
        self.bus = bus
        self.instance_id = instance_id
        self.messages = MessageLog(db)
        self._connections: dict[str, OcppConnection] = {}
        self._elsewhere: dict[str, Holder] = {}
        """Chargers other instances hold, as last announced or looked up."""
        self._router: Router | None = None

    def register(self, connection: OcppConnection) -> OcppConnection | None:
        """Make ``connection`` the charger's live one; returns the one it replaces, if any."""
        previous = self._connections.get(connection.id)
        self._connections[connection.id] = connection
        self._elsewhere.pop(connection.id, None)
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
        """The version the charger speaks on its socket, here or on another instance; None when it
        is connected nowhere we know of."""
        connection = self._connections.get(charger_uid)
        if connection is not None:
            return connection.version
        remote = self._elsewhere.get(charger_uid)
        return remote.ocpp_version if remote is not None else None

    async def send(self, charger_uid: str, command: Command, *, timeout: float | None = None) -> Verdict:
        wait = timeout if timeout is not None else self.config.command_timeout_seconds
        connection = self._connections.get(charger_uid)
        if connection is not None and not connection.closed:
            return await self._send_here(connection, command, wait)
        router = self._router
        if router is None:
            return Verdict.offline()
        holder = await charger_presence.holder(self.db, charger_uid)
        if holder is None or holder.instance_id == self.instance_id:
            self._elsewhere.pop(charger_uid, None)
            return Verdict.offline()
        self._elsewhere[charger_uid] = holder
        return await router.request(holder.instance_id, charger_uid, command, wait)

    async def _answer(self, charger_uid: str, command: Command, timeout: float) -> Verdict:
        """A command another instance routed here: offline unless the charger's socket is here."""
        connection = self._connections.get(charger_uid)
        if connection is None or connection.closed:
            return Verdict.offline()
        return await self._send_here(connection, command, timeout)

    async def _send_here(self, connection: OcppConnection, command: Command, wait: float) -> Verdict:
        charger_uid = connection.id
        try:
            outgoing = to_call(connection.version, command)
        except Unsupported as exc:
            return Verdict(False, str(exc), status="NotSupported")
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

    async def announce(self, charger_uid: str, ocpp_version: str | None) -> None:
        """Tell the other instances a charger's socket opened (its version) or closed (None) here."""
        if self._router is not None:
            await self._router.announce(Announcement(charger_uid, self.instance_id, ocpp_version))

    def _heard(self, announcement: Announcement) -> None:
        if announcement.ocpp_version is not None:
            self._elsewhere[announcement.uid] = Holder(announcement.instance_id, announcement.ocpp_version)
            return
        known = self._elsewhere.get(announcement.uid)
        if known is not None and known.instance_id == announcement.instance_id:
            del self._elsewhere[announcement.uid]

    @contextlib.asynccontextmanager
    async def routing(self) -> AsyncIterator[None]:
        """While serving: answer the commands other instances route to the chargers held here, and
        route ours to theirs. Without a bus, this instance reaches only its own chargers."""
        if self.bus is None:
            yield
            return
        async with Router(self.bus, self.instance_id, self._answer, self._heard).listening() as router:
            self._router = router
            try:
                held = await charger_presence.held(self.db)
            except Exception:
                log.exception("could not load which instances hold which chargers")
            else:
                self._elsewhere = {
                    uid: holder for uid, holder in held.items() if holder.instance_id != self.instance_id
                }
            try:
                yield
            finally:
                self._router = None
