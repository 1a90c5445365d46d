"""Fixtures for the live device-control tests: the app served on a port known before the services are
built (so the upload links we hand chargers point at it), a short command timeout, uploads in tmp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chargegraph.settings import Settings
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.ocpp_wire import eventually
from tests.world import CHARGER_PASSWORD, Net

__all__ = ["VERSIONS", "actions", "charger", "eventually", "settings"]

VERSIONS = ["1.6", "2.0.1"]
COMMAND_TIMEOUT = 1.5


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


def actions(cp: SimulatedCharger) -> list[str]:
    return [action for action, _ in cp.received]
