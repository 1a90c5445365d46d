"""Settings checked at start-up: a bad value stops ``chargegraph serve`` at once with a one-line message.

The form of a value (a log level uvicorn knows, a UUID) is checked when the settings are read; whether
the auto-registration network exists is checked by the lifespan, once the migrations have run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from chargegraph.settings import Settings, problems
from domain.db import Database
from domain.models import Network
from tests.conftest import BACKENDS
from tests.fresh import REPO, SECRET_KEY, chargegraph, fresh_database
from tests.live import free_port

STARTUP_LIMIT_SECONDS = 120
"""Only a safety net, so that a serve that does not stop cannot hang the suite."""


def test_log_level_is_one_of_uvicorns_in_any_case() -> None:
    assert Settings(CHARGEGRAPH_LOG_LEVEL=" WARNING ").log_level == "warning"
    with pytest.raises(ValidationError) as caught:
        Settings(CHARGEGRAPH_LOG_LEVEL="loud")
    assert problems(caught.value) == [
        "CHARGEGRAPH_LOG_LEVEL: Input should be 'critical', 'error', 'warning', 'info', 'debug' or 'trace'"
        " (got 'loud')"
    ]


def test_auto_register_is_empty_or_a_network_uuid() -> None:
    network = uuid.uuid4()
    assert Settings(CHARGEGRAPH_OCPP_AUTO_REGISTER="").ocpp_auto_register == ""
    assert Settings(CHARGEGRAPH_OCPP_AUTO_REGISTER=str(network).upper()).ocpp_auto_register == str(network)
    with pytest.raises(ValidationError) as caught:
        Settings(CHARGEGRAPH_OCPP_AUTO_REGISTER="isla-verde")
    assert problems(caught.value) == [
        "CHARGEGRAPH_OCPP_AUTO_REGISTER: should be a network UUID (got 'isla-verde')"
    ]


async def serve(
    url: str, cwd: Path, env: dict[str, str], port: int | None = None
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chargegraph.cli",
        "serve",
        "--port",
        str(port or free_port()),
        cwd=cwd,
        env={
            **os.environ,
            "DATABASE_URL": url,
            "CHARGEGRAPH_SECRET_KEY": SECRET_KEY,
            "PYTHONPATH": str(REPO),
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def exit_of(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """The exit status and stderr of a serve expected to stop by itself (killed if it does not)."""
    try:
        _, err = await asyncio.wait_for(process.communicate(), STARTUP_LIMIT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail("chargegraph serve kept running")
    assert process.returncode is not None
    return process.returncode, err.decode()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CHARGEGRAPH_LOG_LEVEL",
            "verbose",
            "chargegraph: CHARGEGRAPH_LOG_LEVEL: Input should be 'critical', 'error', 'warning', 'info',"
            " 'debug' or 'trace' (got 'verbose')",
        ),
        (
            "CHARGEGRAPH_OCPP_AUTO_REGISTER",
            "isla-verde",
            "chargegraph: CHARGEGRAPH_OCPP_AUTO_REGISTER: should be a network UUID (got 'isla-verde')",
        ),
    ],
)
async def test_a_malformed_setting_stops_serve_before_it_starts(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    database = tmp_path / "never.db"
    process = await serve(f"sqlite+aiosqlite:///{database}", tmp_path, {variable: value})
    code, stderr = await exit_of(process)
    assert code == 2
    assert stderr.strip() == message
    assert not database.exists()  # stopped before the migrations


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path) as url:
        yield url


async def test_an_unknown_auto_register_network_stops_serve(empty_database: str, tmp_path: Path) -> None:
    missing = uuid.uuid4()
    process = await serve(empty_database, tmp_path, {"CHARGEGRAPH_OCPP_AUTO_REGISTER": str(missing)})
    code, stderr = await exit_of(process)
    assert code != 0
    assert f"CHARGEGRAPH_OCPP_AUTO_REGISTER: no network has the UUID {missing}" in stderr
    assert "Application startup failed" in stderr


async def test_an_existing_auto_register_network_lets_serve_start(
    empty_database: str, tmp_path: Path
) -> None:
    migrate = await chargegraph(empty_database, "migrate", cwd=tmp_path)
    assert migrate.code == 0, migrate.stderr
    db = Database.from_url(empty_database)
    try:
        async with db.unit_of_work() as session:
            network = Network(name="Isla Verde", slug="isla-verde")
            session.add(network)
    finally:
        await db.dispose()
    port = free_port()
    # Upper case: the setting names the network, whatever the case of its UUID.
    process = await serve(
        empty_database, tmp_path, {"CHARGEGRAPH_OCPP_AUTO_REGISTER": str(network.uuid).upper()}, port
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(STARTUP_LIMIT_SECONDS * 10):
                if process.returncode is not None:
                    pytest.fail(f"chargegraph serve stopped: {(await exit_of(process))[1]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("chargegraph serve did not start")
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
