"""OCPP load: N simulated chargers against chargegraph, with a raw websockets JSON echo server as baseline.

    .venv/bin/python -m bench.ocpp_load --spawn --chargers 1000
    .venv/bin/python -m bench.ocpp_load --url ws://127.0.0.1:8000/ocpp --password PW --prefix CP-

Each charger connects (HTTP Basic), then sends a fixed script: BootNotification, StatusNotification,
``--heartbeats`` Heartbeats and ``--meter-values`` MeterValues, one CALL at a time, and disconnects.
The same client code (``ocpp_server.simulator.link.Link``) then drives an echo server that answers
every CALL with an empty CALLRESULT. Reported: messages per second over the message phase (after
every charger is connected) and the p50/p99 round trip of each CALL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from ocpp_server.simulator import outgoing
from ocpp_server.simulator.link import Link

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"


@dataclass
class Result:
    target: str
    chargers: int
    connected: int
    messages: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def pct(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


def script(version: str, heartbeats: int, meter_values: int) -> list[tuple[str, dict[str, object]]]:
    steps = [
        outgoing.boot(version, "ChargeGraph", "Bench", "SN-BENCH", "1.0.0"),
        outgoing.status(version, 1, "Available", "NoError", timestamp=None, info=None),
    ]
    steps += [outgoing.heartbeat(version)] * heartbeats
    for n in range(meter_values):
        value = outgoing.meter_value(version, energy_wh=1000 * (n + 1), power_w=7200)
        if version == "1.6":
            steps.append(outgoing.meter_values_16(1, value, None))
        else:
            steps.append(outgoing.meter_values_201(1, value))
    return steps


async def drive(url: str, uids: list[str], args: argparse.Namespace, password: str, label: str) -> Result:
    version, heartbeats, meter_values = args.version, args.heartbeats, args.meter_values
    links = [
        Link(f"{url}/{uid}", uid, version, password=password, validate=False, open_timeout=300)
        for uid in uids
    ]
    gate = asyncio.Semaphore(100)

    async def open_one(link: Link) -> bool:
        async with gate:
            try:
                await link.open()
                return True
            except Exception as error:  # noqa: BLE001 - the benchmark reports every charger that failed
                print(f"  {link.uid}: {error!r}", file=sys.stderr)
                return False

    opened = await asyncio.gather(*(open_one(link) for link in links))
    live = [link for link, ok in zip(links, opened, strict=True) if ok]
    steps = script(version, heartbeats, meter_values)

    async def run(link: Link) -> None:
        for action, payload in steps:
            await link.call(action, payload)

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(run(link) for link in live), return_exceptions=True)
    seconds = time.perf_counter() - started
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        print(f"  {len(failures)} chargers failed mid-script, e.g. {failures[0]!r}", file=sys.stderr)
    await asyncio.gather(*(link.close() for link in live), return_exceptions=True)
    latencies = [value for link in live for value in link.latencies]
    return Result(label, len(uids), len(live), sum(link.sent for link in live), seconds, latencies)


@contextlib.asynccontextmanager
async def echo_server() -> AsyncIterator[str]:
    async def answer(ws: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                message = json.loads(frame)
                if message[0] == 2:
                    await ws.send(json.dumps([3, message[1], {}]))

    protocols = [Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")]
    async with serve(answer, "127.0.0.1", 0, subprotocols=protocols, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def spawned_server(workdir: Path) -> Iterator[str]:
    """chargegraph on a fresh SQLite file, seeded, auto-registering chargers into the first demo network."""
    database = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": database, "PYTHONPATH": str(REPO)}
    env.setdefault("CHARGEGRAPH_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256")
    cli = [sys.executable, "-m", "chargegraph.cli"]
    seeded = subprocess.run(
        [*cli, "seed", "--demo", "--json"], env=env, cwd=workdir, capture_output=True, text=True
    )
    if seeded.returncode != 0:
        raise RuntimeError(seeded.stderr)
    env["CHARGEGRAPH_OCPP_AUTO_REGISTER"] = json.loads(seeded.stdout)["networks"][0]["uuid"]
    env["CHARGEGRAPH_LOG_LEVEL"] = "warning"
    port = free_port()
    process = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=workdir)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield f"ws://127.0.0.1:{port}/ocpp"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def register(url: str, uids: list[str], version: str, password: str) -> None:
    """Connect each charger once (auto-registration, and the server's credential cache), untimed."""
    gate = asyncio.Semaphore(4)

    async def once(uid: str) -> None:
        async with gate:
            link = Link(f"{url}/{uid}", uid, version, password=password, validate=False, open_timeout=300)
            with contextlib.suppress(Exception):
                await link.open()
                await link.close()

    await asyncio.gather(*(once(uid) for uid in uids))


def table(results: list[Result]) -> str:
    base = results[-1]
    rows = [
        "| target | chargers | connected | messages | seconds | msg/s | p50 ms | p99 ms | msg/s vs echo |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.rate / base.rate if base.rate else float("nan")
        rows.append(
            f"| {r.target} | {r.chargers} | {r.connected} | {r.messages} | {r.seconds:.2f} | {r.rate:.0f} | "
            f"{r.pct(50):.1f} | {r.pct(99):.1f} | {ratio:.2f} |"
        )
    return "\n".join(rows)


async def main_async(args: argparse.Namespace) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, args.chargers * 2 + 256))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    uids = [f"{args.prefix}{n:05d}" for n in range(1, args.chargers + 1)]
    password = args.password or PASSWORD
    results: list[Result] = []
    with contextlib.ExitStack() as stack:
        url = args.url
        if args.spawn:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cg-bench-")))
            url = stack.enter_context(spawned_server(workdir))
        assert url, "give --url or --spawn"
        print(f"registering/warming {len(uids)} chargers at {url} ...", file=sys.stderr)
        await register(url, uids, args.version, password)
        print("chargegraph run ...", file=sys.stderr)
        results.append(await drive(url, uids, args, password, "chargegraph"))
    async with echo_server() as echo:
        print("echo baseline run ...", file=sys.stderr)
        results.append(await drive(echo, uids, args, password, "echo"))
    print(
        f"OCPP {args.version}, {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(table(results))
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--url", default=None, help="a running server's OCPP endpoint, e.g. ws://127.0.0.1:8000/ocpp"
    )
    p.add_argument("--spawn", action="store_true", help="start chargegraph itself on a temporary SQLite")
    p.add_argument("--chargers", type=int, default=1000)
    p.add_argument("--version", choices=["1.6", "2.0.1"], default="1.6")
    p.add_argument("--prefix", default="BENCH-")
    p.add_argument("--password", default=None, help=f"chargers' password (default {PASSWORD})")
    p.add_argument("--heartbeats", type=int, default=3)
    p.add_argument("--meter-values", type=int, default=3)
    args = p.parse_args()
    if not args.url and not args.spawn:
        p.error("give --url or --spawn")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
