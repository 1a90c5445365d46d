"""The adapter that gives an OCPP connection ``recv()`` / ``send()`` over a Starlette websocket."""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState


class Disconnected(Exception):
    """The charger's socket is gone; ``code`` is the websocket close code when known."""

    def __init__(self, code: int | None = None) -> None:
        super().__init__(f"socket closed ({code})")
        self.code = code


class StarletteSocket:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.close_code: int | None = None

    @property
    def client_ip(self) -> str | None:
        client = self.websocket.client
        return client.host if client is not None else None

    async def recv(self) -> str:
        """The next text frame (a binary frame is decoded as UTF-8); raises :class:`Disconnected`."""
        try:
            message = await self.websocket.receive()
        except RuntimeError as exc:  # receive after a disconnect
            raise Disconnected(self.close_code) from exc
        if message["type"] == "websocket.disconnect":
            self.close_code = int(message.get("code") or 1005)
            raise Disconnected(self.close_code)
        text = message.get("text")
        if text is not None:
            return str(text)
        data = message.get("bytes") or b""
        return bytes(data).decode("utf-8", errors="replace")

    async def send(self, text: str) -> None:
        if self.websocket.application_state != WebSocketState.CONNECTED:
            raise Disconnected(self.close_code)
        try:
            await self.websocket.send_text(text)
        except (RuntimeError, OSError, WebSocketDisconnect) as exc:
            raise Disconnected(self.close_code) from exc

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await self.websocket.close(code, reason)
        if self.close_code is None:
            self.close_code = code
