"""Fixtures for the live device-control tests: the app served on a port known before the services are
built (so the upload links we hand chargers point at it), a short command timeout, uploads in tmp."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from chargegraph.settings import Settings
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer, Uvicorn, free_port
from tests.world import CHARGER_PASSWORD, Net

VERSIONS = ["1.6", "2.0.1"]
COMMAND_TIMEOUT = 1.5


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(smtp: tuple[int, Any], tmp_path: Path, port: int) -> Settings:
    return Settings(
        CHARGEGRAPH_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp[0],
        DATABASE_URL="sqlite+aiosqlite:///unused.db",
        CHARGEGRAPH_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        CHARGEGRAPH_UPLOAD_DIR=str(tmp_path / "uploads"),
        CHARGEGRAPH_OCPP_COMMAND_TIMEOUT_SECONDS=COMMAND_TIMEOUT,
    )


@pytest.fixture
async def server(app: Any, port: int) -> AsyncIterator[LiveServer]:
    runner = Uvicorn(app, port)
    live = await runner.start()
    yield live
    await runner.stop()


def charger(server: LiveServer, net: Net, version: str, **kwargs: Any) -> SimulatedCharger:
    """The simulator for ``net``'s charger (two connectors), speaking ``version``."""
    return SimulatedCharger(
        server.ocpp_url(),
        net.charger.uid,
        version=version,
        password=CHARGER_PASSWORD,
        connectors=2,
        serial=net.charger.serial_number,
        **kwargs,
    )


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll ``check`` until it holds (a short sleep between tries), failing after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def actions(cp: SimulatedCharger) -> list[str]:
    return [action for action, _ in cp.received]
