"""Settings for live-event tests: the bus under test (``bus_url``: memory, Redis, PostgreSQL) on
channels unique to the test, a known port, short command timeouts, private webhook receivers allowed.

A test module imports ``settings`` from here to override the default fixture, and serves the app with
``bus_server`` so the bus is connected as in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chargegraph.settings import Settings

__all__ = ["settings"]


@pytest.fixture
def settings(smtp: tuple[int, Any], tmp_path: Path, port: int, bus_url: str, bus_prefix: str) -> Settings:
    return Settings(
        CHARGEGRAPH_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp[0],
        DATABASE_URL="sqlite+aiosqlite:///unused.db",
        BROADCAST_URL=bus_url,
        BROADCAST_CHANNEL_PREFIX=bus_prefix,
        CHARGEGRAPH_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        CHARGEGRAPH_UPLOAD_DIR=str(tmp_path / "uploads"),
        CHARGEGRAPH_OCPP_COMMAND_TIMEOUT_SECONDS=1.5,
        CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE=True,
        CHARGEGRAPH_WEBHOOK_BACKOFF_BASE_SECONDS=0.2,
        CHARGEGRAPH_WEBHOOK_POLL_SECONDS=0.1,
        CHARGEGRAPH_SSE_KEEPALIVE_SECONDS=1.0,
    )
