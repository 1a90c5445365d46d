"""Live fan-out: one charger's StatusNotification → N GraphQL subscribers, against a bare broadcast baseline.

    .venv/bin/python bench/fanout.py --spawn --subscribers 1000
    .venv/bin/python bench/fanout.py --spawn --subscribers 1000 --bus redis://127.0.0.1:6379/0
    .venv/bin/python bench/fanout.py --url http://127.0.0.1:8000 --api-key KEY --station CP-1 --password PW

N websocket clients (graphql-transport-ws, authenticated with ``{"apiKey": ...}`` in connection_init)
each subscribe to ``connectorStatus(stationIds: [<station>])``. Once every one of them has received a
warm-up event, one simulated charger sends ``--rounds`` StatusNotifications (alternating Charging /
Available); each round waits until every subscriber has its event (or ``--round-timeout``), then
``--gap`` seconds, so rounds never overlap. A delivery's latency is the time from just before the
charger sends its CALL to the moment the subscriber's websocket hands over the ``next`` frame; the
charger and the subscribers live in this one process, on one clock.

The baseline runs the very same client code against a bare Starlette websocket server (spawned as a
subprocess of this script: no database, no GraphQL, no bus) that speaks just enough
graphql-transport-ws to acknowledge and, when told over HTTP (``POST /push``), puts one ``next`` frame of
the same shape into every connection's queue. ``--spawn`` starts chargegraph itself on a temporary
SQLite database (``chargegraph seed --demo``; its first network's operator key and first charger), on
the event bus given by ``--bus``; spawned servers' resident memory (VmRSS) is read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import resource
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocpp_server.simulator import SimulatedCharger
from ocpp_server.simulator.outgoing import STATUS_201

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
PROTOCOL = Subprotocol("graphql-transport-ws")
QUERY = (
    "subscription Fanout($stationIds: [String!]) { connectorStatus(stationIds: $stationIds) "
    "{ eventId chargerId stationId connectorId status previousStatus errorCode occurredAt } }"
)
STATUSES = ("Charging", "Available")
"""Alternated, first one first (a change from a freshly seeded or booted connector)."""
SECRET_KEY = "bench-secret-key-that-is-long-enough-for-hs256"

Trigger = Callable[[str], Awaitable[None]]


# -- measurement ---------------------------------------------------------------------------------


@dataclass
class Round:
    status: str
    """The status the subscribers should see (the charger's word, or its 2.0.1 translation)."""
    expected: int
    sent_at: float = 0.0
    seen: set[int] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Run:
    """What every subscriber of one target received; the reader tasks write here."""

    label: str
    subscribers: int
    acked: int = 0
    connect_seconds: float = 0.0
    current: Round | None = None
    rounds: list[Round] = field(default_factory=list)
    stray: int = 0
    """``next`` frames that matched no open round (late, duplicated or unexpected)."""
    errors: list[str] = field(default_factory=list)
    completed: int = 0
    closed: list[str] = field(default_factory=list)
    rss_kib: dict[str, int] = field(default_factory=dict)
    server_pid: int | None = None
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU time over the timed rounds: ``server`` (when its pid is known) and ``client`` (this process)."""

    @property
    def ended(self) -> int:
        """Subscriptions the server has ended (error, complete or a closed socket)."""
        return len(self.errors) + self.completed + len(self.closed)

    def deliver(self, index: int, payload: dict[str, Any], now: float) -> None:
        if payload.get("errors"):
            self.errors.append(json.dumps(payload["errors"])[:300])
            return
        event = (payload.get("data") or {}).get("connectorStatus") or {}
        current = self.current
        if current is None or event.get("status") != current.status or index in current.seen:
            self.stray += 1
            return
        current.seen.add(index)
        current.latencies.append(now - current.sent_at)
        if len(current.seen) >= current.expected:
            current.done.set()

    @property
    def latencies(self) -> list[float]:
        return [value for r in self.rounds for value in r.latencies]

    @property
    def delivered(self) -> int:
        return sum(len(r.latencies) for r in self.rounds)

    def pct(self, q: int) -> float:
        values = self.latencies
        if len(values) < 2:
            return values[0] * 1000 if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    @property
    def worst(self) -> float:
        values = self.latencies
        return max(values) * 1000 if values else float("nan")

    @property
    def first_p50(self) -> float:
        """Median over rounds of the time to the first subscriber: the pipeline, without the fan-out."""
        firsts = [min(r.latencies) for r in self.rounds if r.latencies]
        return statistics.median(firsts) * 1000 if firsts else float("nan")

    @property
    def all_delivered_p50(self) -> float:
        """Median over rounds of the time by which the last subscriber had its event."""
        lasts = [max(r.latencies) for r in self.rounds if r.latencies]
        return statistics.median(lasts) * 1000 if lasts else float("nan")


# -- the subscriber client (raw graphql-transport-ws frames) ------------------------------------


class Subscribers:
    """N websocket clients: connection_init → connection_ack → subscribe, then read ``next`` frames."""

    def __init__(
        self,
        run: Run,
        url: str,
        init_payload: dict[str, Any],
        variables: dict[str, Any],
        *,
        compression: str | None,
        concurrency: int,
        timeout: float,
    ) -> None:
        self.run = run
        self.url = url
        self.init_payload = init_payload
        self.variables = variables
        self.compression = compression
        self.gate = asyncio.Semaphore(concurrency)
        self.timeout = timeout
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.failures: list[str] = []

    async def open(self, count: int) -> None:
        started = time.perf_counter()
        await asyncio.gather(*(self._open_one(index) for index in range(count)))
        self.run.connect_seconds = time.perf_counter() - started
        self.run.acked = len(self.sockets)
        if self.failures:
            print(
                f"  {len(self.failures)} subscribers failed to subscribe, e.g. {self.failures[0]}",
                file=sys.stderr,
            )

    async def _open_one(self, index: int) -> None:
        async with self.gate:
            try:
                ws = await connect(
                    self.url,
                    subprotocols=[PROTOCOL],
                    open_timeout=self.timeout,
                    ping_interval=None,
                    compression=self.compression,
                )
            except Exception as error:  # noqa: BLE001 - the benchmark reports every failed connection
                self.failures.append(repr(error))
                return
            try:
                await ws.send(json.dumps({"type": "connection_init", "payload": self.init_payload}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), self.timeout))
                if reply.get("type") != "connection_ack":
                    raise ConnectionError(f"expected connection_ack, got {reply!r}")
                subscribe = {"query": QUERY, "variables": self.variables}
                await ws.send(json.dumps({"id": str(index), "type": "subscribe", "payload": subscribe}))
            except Exception as error:  # noqa: BLE001 - the benchmark reports every failed subscription
                code = ws.close_code
                self.failures.append(f"{error!r} (close code {code})" if code else repr(error))
                await ws.close()
                return
            self.sockets.append(ws)
            self.readers.append(asyncio.create_task(self._read(index, ws)))

    async def _read(self, index: int, ws: ClientConnection) -> None:
        run = self.run
        try:
            async for frame in ws:
                now = time.perf_counter()
                message = json.loads(frame)
                kind = message.get("type")
                if kind == "next":
                    run.deliver(index, message.get("payload") or {}, now)
                elif kind == "ping":
                    await ws.send('{"type":"pong"}')
                elif kind == "error":
                    run.errors.append(json.dumps(message.get("payload"))[:300])
                elif kind == "complete":
                    run.completed += 1
        except ConnectionClosed as closed:
            run.closed.append(f"{closed.rcvd.code} {closed.rcvd.reason}" if closed.rcvd else repr(closed))

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def play(
    run: Run,
    trigger: Trigger,
    wire_status: Callable[[str], str],
    *,
    rounds: int,
    gap: float,
    round_timeout: float,
    warmups: int,
) -> None:
    """Warm up until every subscriber has had an event, then the timed rounds, one after the other."""
    statuses = itertools.cycle(STATUSES)
    primed: set[int] = set()
    for attempt in range(1, warmups + 1):
        if run.ended >= run.acked:
            print("  every subscription has ended: nothing to measure", file=sys.stderr)
            return
        status = next(statuses)
        warm = Round(wire_status(status), run.acked)
        run.current = warm
        warm.sent_at = time.perf_counter()
        await trigger(status)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(warm.done.wait(), round_timeout)
        primed |= warm.seen
        print(f"  warm-up {attempt}: {len(warm.seen)}/{run.acked} (primed {len(primed)})", file=sys.stderr)
        await asyncio.sleep(gap)
        if len(primed) >= run.acked:
            break
    run.current = None
    server_cpu, client_cpu = cpu_seconds(run.server_pid), cpu_seconds(None)
    for number in range(1, rounds + 1):
        status = next(statuses)
        current = Round(wire_status(status), run.acked)
        run.current = current
        run.rounds.append(current)
        current.sent_at = time.perf_counter()
        await trigger(status)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(current.done.wait(), round_timeout)
        run.current = None
        lat = sorted(current.latencies)
        rss = f", server RSS {rss_kib(run.server_pid) / 1024:.0f} MiB" if run.server_pid else ""
        if lat:
            print(
                f"  round {number}: {len(lat)}/{run.acked} first {lat[0] * 1000:.1f} ms "
                f"median {lat[len(lat) // 2] * 1000:.1f} ms last {lat[-1] * 1000:.1f} ms{rss}",
                file=sys.stderr,
            )
        else:
            print(f"  round {number}: nothing delivered{rss}", file=sys.stderr)
        await asyncio.sleep(gap)
    run.cpu_seconds["client"] = cpu_seconds(None) - client_cpu
    if run.server_pid is not None:
        run.cpu_seconds["server"] = cpu_seconds(run.server_pid) - server_cpu


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS from /proc), in KiB; 0 when unreadable."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (from /proc), or of this process when ``pid`` is None."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


async def wait_healthy(base: str, process: asyncio.subprocess.Process, path: str) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient() as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}{path}")).status_code == 200:
                    return
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {base} did not start")
            await asyncio.sleep(0.2)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()


@dataclass
class Chargegraph:
    base: str
    api_key: str
    station: str
    password: str | None
    version: str
    pid: int | None = None


@contextlib.asynccontextmanager
async def spawned_chargegraph(args: argparse.Namespace, workdir: Path) -> AsyncIterator[Chargegraph]:
    """``chargegraph serve`` on a fresh SQLite file (or ``--database-url``), seeded with the demo data."""
    database = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "PYTHONPATH": str(REPO),
        "BROADCAST_URL": args.bus,
        "BROADCAST_CHANNEL_PREFIX": f"bench-fanout-{uuid.uuid4().hex[:8]}",
        "CHARGEGRAPH_LOG_LEVEL": "warning",
        # each websocket authenticates its key once: leave room for every subscriber of a few runs
        "CHARGEGRAPH_DEFAULT_RATE_LIMIT_PER_HOUR": str(max(5000, args.subscribers * 10)),
    }
    env.setdefault("CHARGEGRAPH_SECRET_KEY", SECRET_KEY)
    cli = [sys.executable, "-m", "chargegraph.cli"]
    seed = await asyncio.create_subprocess_exec(
        *cli, "seed", "--demo", "--json", env=env, cwd=workdir, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await seed.communicate()
    if seed.returncode != 0:
        raise RuntimeError("chargegraph seed --demo failed")
    network = json.loads(out)["networks"][0]
    charger = network["chargers"][0]
    port = free_port()
    process = await asyncio.create_subprocess_exec(*cli, "serve", "--port", str(port), env=env, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process, "/health")
        yield Chargegraph(
            base, network["cpmsKey"], charger["uid"], charger["password"], charger["ocppVersion"], process.pid
        )
    finally:
        await stop(process)


@contextlib.asynccontextmanager
async def spawned_baseline() -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(sys.executable, str(SCRIPT), "--serve-baseline", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process, "/health")
        yield base, process.pid
    finally:
        await stop(process)


def baseline_app() -> Starlette:  # noqa: C901 - its three small handlers are counted as one
    """The floor: accept, ack, and push one frame per connection when ``POST /push`` says so."""
    queues: set[asyncio.Queue[str]] = set()
    previous: dict[str, str | None] = {"status": None}
    charger_id = str(uuid.uuid4())

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "subscribers": len(queues)})

    async def push(request: Request) -> Response:
        status = (await request.json())["status"]
        payload = json.dumps(
            {
                "data": {
                    "connectorStatus": {
                        "eventId": str(uuid.uuid4()),
                        "chargerId": charger_id,
                        "stationId": "BASELINE-1",
                        "connectorId": 1,
                        "status": status,
                        "previousStatus": previous["status"],
                        "errorCode": "NoError",
                        "occurredAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                    }
                }
            }
        )
        previous["status"] = status
        for queue in list(queues):
            queue.put_nowait(payload)
        return Response(status_code=204)

    async def graphql(ws: WebSocket) -> None:
        await ws.accept(subprotocol="graphql-transport-ws")
        queue: asyncio.Queue[str] = asyncio.Queue()
        sender: asyncio.Task[None] | None = None

        async def pump(subscription_id: str) -> None:
            prefix = json.dumps({"id": subscription_id, "type": "next"})[:-1] + ',"payload":'
            while True:
                await ws.send_text(prefix + await queue.get() + "}")

        try:
            while True:
                message = await ws.receive_json()
                kind = message.get("type")
                if kind == "connection_init":
                    await ws.send_text('{"type":"connection_ack"}')
                elif kind == "subscribe" and sender is None:
                    queues.add(queue)
                    sender = asyncio.create_task(pump(str(message["id"])))
                elif kind == "ping":
                    await ws.send_text('{"type":"pong"}')
                elif kind == "complete":
                    break
        except WebSocketDisconnect:
            pass
        finally:
            queues.discard(queue)
            if sender is not None:
                sender.cancel()

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/push", push, methods=["POST"]),
            WebSocketRoute("/graphql", graphql),
        ]
    )


def serve_baseline(port: int) -> int:
    import warnings

    import uvicorn

    # chargegraph serves with the same websockets implementation; keep them alike
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    uvicorn.run(baseline_app(), host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    return 0


# -- the two targets ----------------------------------------------------------------------------


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/graphql"


async def measure(
    label: str,
    base: str,
    pid: int | None,
    init_payload: dict[str, Any],
    variables: dict[str, Any],
    trigger: Trigger,
    wire_status: Callable[[str], str],
    args: argparse.Namespace,
) -> Run:
    run = Run(label, args.subscribers, server_pid=pid)
    if pid is not None:
        run.rss_kib["idle"] = rss_kib(pid)
    clients = Subscribers(
        run,
        ws_url(base),
        init_payload,
        variables,
        compression=None if args.no_compression else "deflate",
        concurrency=args.connect_concurrency,
        timeout=args.round_timeout * 4,
    )
    print(f"{label}: connecting {args.subscribers} subscribers to {ws_url(base)} ...", file=sys.stderr)
    try:
        await clients.open(args.subscribers)
        print(f"  {run.acked} acked in {run.connect_seconds:.1f} s", file=sys.stderr)
        if pid is not None:
            run.rss_kib["subscribed"] = rss_kib(pid)
        if run.acked:
            await play(
                run,
                trigger,
                wire_status,
                rounds=args.rounds,
                gap=args.gap,
                round_timeout=args.round_timeout,
                warmups=args.warmups,
            )
        if pid is not None:
            run.rss_kib["after"] = rss_kib(pid)
    finally:
        await clients.close()
    if run.errors:
        print(f"  {len(run.errors)} GraphQL errors, e.g. {run.errors[0]}", file=sys.stderr)
    if run.closed:
        print(f"  {len(run.closed)} subscribers closed by the server, e.g. {run.closed[0]}", file=sys.stderr)
    return run


async def run_chargegraph(target: Chargegraph, args: argparse.Namespace) -> Run:
    ocpp = target.base.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/ocpp"
    charger = SimulatedCharger(
        ocpp, target.station, version=target.version, password=target.password, validate=False
    )

    async def trigger(status: str) -> None:
        await charger.status(1, status)

    def wire_status(status: str) -> str:
        return status if target.version == "1.6" else STATUS_201.get(status, status)

    async with charger:
        return await measure(
            "chargegraph",
            target.base,
            target.pid,
            {"apiKey": target.api_key},
            {"stationIds": [target.station]},
            trigger,
            wire_status,
            args,
        )


async def run_baseline(args: argparse.Namespace) -> Run:
    async with spawned_baseline() as (base, pid), httpx.AsyncClient(base_url=base) as http:

        async def trigger(status: str) -> None:
            (await http.post("/push", json={"status": status})).raise_for_status()

        return await measure("baseline", base, pid, {}, {"stationIds": ["BASELINE-1"]}, trigger, str, args)


# -- report -------------------------------------------------------------------------------------


def mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f}" if kib else "-"


def table(runs: list[Run], rounds: int) -> str:
    rows = [
        "| target | subscribers | acked (s to ack all) | delivered / expected | p50 ms | p95 ms | p99 ms "
        "| max ms | first / all delivered (p50 of rounds) ms | RSS idle MiB | RSS subscribed MiB "
        "| RSS after MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r.label} | {r.subscribers} | {r.acked} ({r.connect_seconds:.1f}) | "
            f"{r.delivered} / {r.subscribers * rounds} | "
            f"{r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | {r.worst:.1f} | "
            f"{r.first_p50:.1f} / {r.all_delivered_p50:.1f} | {mib(r.rss_kib.get('idle'))} | "
            f"{mib(r.rss_kib.get('subscribed'))} | {mib(r.rss_kib.get('after'))} |"
        )
    return "\n".join(rows)


def ratios(runs: list[Run]) -> str | None:
    by_label = {r.label: r for r in runs}
    cg, base = by_label.get("chargegraph"), by_label.get("baseline")
    if cg is None or base is None or not cg.latencies or not base.latencies:
        return None
    return (
        f"chargegraph / baseline: p50 x{cg.pct(50) / base.pct(50):.1f}, "
        f"p99 x{cg.pct(99) / base.pct(99):.1f}, "
        f"all delivered x{cg.all_delivered_p50 / base.all_delivered_p50:.1f}"
    )


def costs(run: Run, rounds: int) -> str | None:
    """Server memory per subscriber, and CPU per round (one event to every subscriber)."""
    parts = []
    idle, subscribed = run.rss_kib.get("idle"), run.rss_kib.get("subscribed")
    if idle and subscribed and run.acked:
        parts.append(f"{(subscribed - idle) / run.acked:.0f} KiB of server RSS per subscriber")
    after = run.rss_kib.get("after")
    if subscribed and after and run.delivered:
        growth = (after - subscribed) * 1024 / run.delivered
        parts.append(f"RSS {growth:+.0f} bytes per delivery over the rounds")
    for side in ("server", "client"):
        if side in run.cpu_seconds and rounds:
            parts.append(f"{side} CPU {run.cpu_seconds[side] / rounds * 1000:.0f} ms per round")
    return f"{run.label}: " + ", ".join(parts) if parts else None


@contextlib.contextmanager
def open_files(wanted: int) -> Iterator[None]:
    """Raise this process's (and so the spawned servers') open-files limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted)) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    yield


async def main_async(args: argparse.Namespace) -> int:
    runs: list[Run] = []
    load_before = os.getloadavg()[0]
    with open_files(args.subscribers * 2 + 512), contextlib.ExitStack() as stack:
        if args.target in ("both", "chargegraph"):
            if args.spawn:
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cg-fanout-")))
                async with spawned_chargegraph(args, workdir) as target:
                    runs.append(await run_chargegraph(target, args))
            else:
                url = args.url.rstrip("/")
                target = Chargegraph(
                    url, args.api_key, args.station, args.password, args.ocpp, args.server_pid
                )
                runs.append(await run_chargegraph(target, args))
        if args.target in ("both", "baseline"):
            runs.append(await run_baseline(args))
    if args.target == "baseline":
        where = "baseline only"
    elif args.spawn:
        database = "--database-url" if args.database_url else "SQLite"
        where = f"chargegraph spawned on {database}, bus {args.bus}"
    else:
        where = f"chargegraph at {args.url}"
    print(
        f"{args.subscribers} subscribers, {args.rounds} rounds, {where}, "
        f"compression {'off' if args.no_compression else 'permessage-deflate'}; "
        f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after"
    )
    print(table(runs, args.rounds))
    for line in [ratios(runs), *(costs(r, args.rounds) for r in runs)]:
        if line:
            print(line)
    for r in runs:
        if r.stray or r.errors or r.completed or r.closed:
            print(
                f"{r.label}: {r.stray} stray frames, {len(r.errors)} errors, {r.completed} completed, "
                f"{len(r.closed)} closed by the server"
            )
    complete = all(r.delivered == r.subscribers * args.rounds for r in runs)
    return 0 if complete else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spawn", action="store_true", help="start chargegraph itself on a temporary SQLite")
    p.add_argument("--url", default=None, help="a running chargegraph, e.g. http://127.0.0.1:8000")
    p.add_argument("--api-key", default=None, help="with --url: a cpms key of the charger's network")
    p.add_argument("--station", default=None, help="with --url: the charger's OCPP identity")
    p.add_argument("--password", default=None, help="with --url: the charger's OCPP password")
    p.add_argument("--server-pid", type=int, default=None, help="with --url: read its RSS and CPU time")
    p.add_argument("--ocpp", choices=["1.6", "2.0.1"], default="1.6", help="with --url: charger's OCPP")
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument(
        "--bus", default="memory://", help="BROADCAST_URL of the spawned server (memory://, redis://)"
    )
    p.add_argument("--database-url", default=None, help="with --spawn: instead of a temporary SQLite file")
    p.add_argument("--target", choices=["both", "chargegraph", "baseline"], default="both")
    p.add_argument("--gap", type=float, default=0.2, help="idle seconds between rounds")
    p.add_argument("--round-timeout", type=float, default=30.0, help="seconds to wait for every delivery")
    p.add_argument("--warmups", type=int, default=5, help="untimed rounds, at most, until all are subscribed")
    p.add_argument("--connect-concurrency", type=int, default=50, help="websocket handshakes in flight")
    p.add_argument("--no-compression", action="store_true", help="do not offer permessage-deflate")
    p.add_argument("--serve-baseline", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_baseline is not None:
        return serve_baseline(args.serve_baseline)
    if args.target != "baseline":
        if args.spawn == bool(args.url):
            p.error("give --spawn or --url (not both)")
        if args.url and not (args.api_key and args.station):
            p.error("--url needs --api-key and --station (and --password if the charger has one)")
        if args.url and args.bus != "memory://":
            p.error("--bus applies to --spawn; a running server has its own BROADCAST_URL")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
