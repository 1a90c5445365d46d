"""Real ``chargegraph serve`` processes for multi-instance tests: started with the environment a
deployment would give them, ready once ``/health`` answers (migrations, bus and workers up), and
always killed when the block ends. Each process's output goes to a log file shown when it fails."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live import LiveServer, free_port

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60.0


@dataclass
class Instance:
    """One running ``chargegraph serve``."""

    name: str
    server: LiveServer
    process: asyncio.subprocess.Process
    log_path: Path

    def log(self, last: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-last:]
        except OSError:
            return ""

    async def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), SIGKILL if it takes more than 10 s."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def start(name: str, env: Mapping[str, str], workdir: Path) -> Instance:
    """Start ``chargegraph serve`` on a free port with ``env`` added to this process's environment."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chargegraph.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": str(REPO), **env},
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    instance = Instance(name, LiveServer("127.0.0.1", port), process, log_path)
    try:
        await _ready(instance)
    except BaseException:
        await instance.stop()
        raise
    return instance


async def _ready(instance: Instance) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
    async with httpx.AsyncClient(base_url=instance.server.http_url, timeout=2) as http:
        while True:
            if instance.process.returncode is not None:
                raise AssertionError(
                    f"{instance.name} exited ({instance.process.returncode}):\n{instance.log()}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/health")).status_code == 200:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{instance.name} not ready in {STARTUP_SECONDS}s:\n{instance.log()}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def running(names: list[str], env: Mapping[str, str], workdir: Path) -> AsyncIterator[list[Instance]]:
    """Start one instance per name (in parallel); every one is stopped when the block ends."""
    started: list[Instance] = []

    async def one(name: str) -> None:
        started.append(await start(name, env, workdir))

    try:
        results = await asyncio.gather(*(one(name) for name in names), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        yield sorted(started, key=lambda instance: names.index(instance.name))
    finally:
        await asyncio.gather(*(instance.stop() for instance in started))
