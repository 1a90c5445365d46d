"""A real HTTP + websocket server for end-to-end tests: uvicorn serving the test app on a free port."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def ocpp_url(self, charge_point_id: str = "") -> str:
        """The OCPP endpoint; with an id, that charge point's own URL."""
        base = f"{self.ws_url}/ocpp"
        return f"{base}/{charge_point_id}" if charge_point_id else base


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Uvicorn:
    """Runs an ASGI app in this event loop until :meth:`stop`."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        # As `chargegraph serve` runs it: the app decides the client address, no Server banner.
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            proxy_headers=False,
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> LiveServer:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        return LiveServer("127.0.0.1", self.port)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
