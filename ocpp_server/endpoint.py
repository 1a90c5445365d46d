"""The websocket endpoint ``/ocpp/{charge_point_id}``: handshake, one connection's life, its events."""

from __future__ import annotations

import logging

from starlette.responses import Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from domain.container import Services
from domain.services import charge_point, charger_presence
from domain.services.charge_point import ChargerIdentity
from ocpp_server.connection import OcppConnection
from ocpp_server.handshake import SUBPROTOCOLS, Gatekeeper, Refusal, negotiate
from ocpp_server.registry import ConnectionRegistry
from ocpp_server.socket import StarletteSocket
from ocpp_server.v16 import ChargePoint16
from ocpp_server.v201 import ChargePoint201

log = logging.getLogger("chargegraph.ocpp")

_CLASSES: dict[str, type[OcppConnection]] = {"1.6": ChargePoint16, "2.0.1": ChargePoint201}
POLICY_VIOLATION = 1008
DENIAL_EXTENSION = "websocket.http.response"
"""Lets the handshake be refused with a status of our own (429 + Retry-After) instead of 403."""


class OcppEndpoint:
    def __init__(self, services: Services, registry: ConnectionRegistry) -> None:
        self.services = services
        self.registry = registry
        self.gatekeeper = Gatekeeper(services)

    def route(self, path: str = "/ocpp/{charge_point_id}") -> WebSocketRoute:
        return WebSocketRoute(path, self.handle)

    async def handle(self, websocket: WebSocket) -> None:
        uid = str(websocket.path_params.get("charge_point_id", ""))
        ip = websocket.client.host if websocket.client is not None else None
        protocol = negotiate(list(websocket.scope.get("subprotocols") or []))
        if protocol is None or not uid:
            # Closing before accepting refuses the handshake (HTTP 403).
            await websocket.close(POLICY_VIOLATION)
            return
        version = SUBPROTOCOLS[protocol]
        admitted = await self.gatekeeper.admit(uid, websocket.headers.get("authorization"), ip)
        if isinstance(admitted, Refusal):
            log.info("refused charge point %s from %s: %s", uid, ip, admitted.reason)
            if admitted.charger is not None:
                await self._event(admitted.charger, "Rejected", ip, version, reason=admitted.reason)
            if admitted.retry_after is not None and DENIAL_EXTENSION in websocket.scope.get("extensions", {}):
                headers = {"Retry-After": str(admitted.retry_after)}
                await websocket.send_denial_response(Response(admitted.reason, 429, headers))
                return
            await websocket.close(POLICY_VIOLATION)
            return
        await websocket.accept(subprotocol=protocol)
        await self._serve(websocket, admitted, version, ip)

    async def _serve(
        self, websocket: WebSocket, charger: ChargerIdentity, version: str, ip: str | None
    ) -> None:
        socket = StarletteSocket(websocket)
        connection = _CLASSES[version](
            socket,
            charger,
            db=self.services.db,
            config=self.services.ocpp,
            messages=self.registry.messages,
        )
        previous = self.registry.register(connection)
        if previous is not None:
            await previous.close(1000, "Replaced by a new connection")
        await self._event(charger, "Connected", ip, version)
        await self.registry.announce(charger.uid, version)
        try:
            await connection.serve()
        finally:
            # Replaced by a newer socket here, moved to another instance or already declared silent
            # (charger_presence.detect_offline): the charger did not disconnect from this instance.
            if self.registry.unregister(connection) and await self._still_held(charger):
                await self._event(charger, "Disconnected", ip, version, close_code=socket.close_code)
                await self.registry.announce(charger.uid, None)

    async def _still_held(self, charger: ChargerIdentity) -> bool:
        try:
            holder = await charger_presence.holder_of(self.services.db, charger.id)
        except Exception:
            log.exception("could not look up who holds %s", charger.uid)
            return True
        return holder is not None and holder.instance_id == self.registry.instance_id

    async def _event(
        self,
        charger: ChargerIdentity,
        status: str,
        ip: str | None,
        version: str,
        *,
        close_code: int | None = None,
        reason: str | None = None,
    ) -> None:
        try:
            await charge_point.connection_event(
                self.services.db,
                charger,
                status,
                ip_address=ip,
                ocpp_version=version,
                close_code=close_code,
                reason=reason,
                instance_id=self.registry.instance_id,
            )
        except Exception:
            log.exception("could not record the %s event of %s", status, charger.uid)
