"""Many simulated chargers at once: each boots, reports its connectors, sends heartbeats and runs a
scripted mix of charging sessions (authorize, start, meter values, stop) until told to stop.

Counts every message sent and its round trip, and reports progress through a callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpp_server.simulator.charger import SimulatedCharger

VERSIONS = ("1.6", "2.0.1")


@dataclass(frozen=True)
class ChargerSpec:
    uid: str
    version: str
    password: str | None = None
    connectors: int = 1
    id_tag: str = "SIM-TAG"


@dataclass(frozen=True)
class FleetConfig:
    url: str = "ws://127.0.0.1:8000/ocpp"
    chargers: int = 10
    version: str = "1.6"
    """"1.6", "2.0.1" or "mixed" (alternating)."""
    prefix: str = "SIM-"
    password: str | None = None
    connectors: int = 1
    duration: float | None = 60.0
    """Seconds to run once every charger has connected; None runs until ``stop`` is set."""
    session_rate: float = 1.0
    """Sessions each charger starts per minute, on average (0: none)."""
    session_seconds: float = 20.0
    meter_interval: float = 5.0
    heartbeat_interval: float = 30.0
    id_tag: str = "SIM-TAG"
    connect_concurrency: int = 50
    validate: bool = True
    specs: tuple[ChargerSpec, ...] = ()
    """Explicit chargers (e.g. from ``seed --demo --json``); overrides chargers/prefix/version."""
    seed: int | None = None

    def charger_specs(self) -> list[ChargerSpec]:
        if self.specs:
            return list(self.specs)
        if self.chargers == 1:
            ids = [self.prefix]
        else:
            ids = [f"{self.prefix}{n:05d}" for n in range(1, self.chargers + 1)]
        specs = []
        for index, uid in enumerate(ids):
            version = VERSIONS[index % 2] if self.version == "mixed" else self.version
            specs.append(ChargerSpec(uid, version, self.password, self.connectors, self.id_tag))
        return specs


@dataclass
class FleetStats:
    chargers: int = 0
    connected: int = 0
    failed: int = 0
    messages: int = 0
    sessions_started: int = 0
    sessions_completed: int = 0
    commands_answered: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        """Messages (answered CALLs) per second."""
        return self.messages / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, fraction: float) -> float | None:
        """Round trip at ``fraction`` (0.5, 0.99), in seconds."""
        if not self.latencies:
            return None
        if len(self.latencies) == 1:
            return self.latencies[0]
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        index = min(98, max(0, round(fraction * 100) - 1))
        return cuts[index]

    def line(self) -> str:
        p50 = self.percentile(0.5)
        p50_text = f"{p50 * 1000:.1f} ms" if p50 is not None else "-"
        return (
            f"connected {self.connected}/{self.chargers}  messages {self.messages} ({self.rate:.0f}/s)  "
            f"sessions {self.sessions_started} started {self.sessions_completed} done  p50 {p50_text}"
        )

    def summary(self) -> str:
        p50, p99 = self.percentile(0.5), self.percentile(0.99)
        ms = "n/a" if p50 is None or p99 is None else f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        return (
            f"{self.connected} of {self.chargers} chargers connected ({self.failed} failed), "
            f"{self.messages} messages in {self.elapsed:.1f} s ({self.rate:.0f}/s), round trip {ms}, "
            f"{self.sessions_started} sessions started, {self.sessions_completed} completed, "
            f"{self.commands_answered} commands answered"
        )


def specs_from_seed(path: str | Path) -> list[ChargerSpec]:
    """The demo chargers listed by ``chargegraph seed --demo --json`` (identity, version, password)."""
    data = json.loads(Path(path).read_text())
    networks = data.get("networks", [data]) if isinstance(data, dict) else []
    specs = []
    for network in networks:
        tag = (network.get("driver") or {}).get("tokenUid") or "SIM-TAG"
        for item in network.get("chargers", []):
            uid = item.get("uid") or item.get("identity") or item.get("chargePointId")
            if not uid:
                continue
            connectors = item.get("connectors", 1)
            count = len(connectors) if isinstance(connectors, list) else int(connectors)
            version = str(item.get("ocppVersion") or item.get("version") or "1.6")
            specs.append(ChargerSpec(str(uid), version, item.get("password"), max(1, count), str(tag)))
    return specs


Progress = Callable[[FleetStats], None]


class Fleet:
    def __init__(self, config: FleetConfig, *, progress: Progress | None = None) -> None:
        self.config = config
        self.progress = progress
        self.stats = FleetStats()
        self.stop = asyncio.Event()
        self.chargers: list[SimulatedCharger] = []
        self._random = random.Random(config.seed)  # noqa: S311 - a traffic mix, not a secret

    async def run(self) -> FleetStats:
        specs = self.config.charger_specs()
        self.stats = FleetStats(chargers=len(specs))
        gate = asyncio.Semaphore(self.config.connect_concurrency)
        tasks = [asyncio.create_task(self._drive(spec, gate)) for spec in specs]
        reporter = asyncio.create_task(self._report())
        try:
            # The duration counts from the moment every charger has tried to connect.
            while self.stats.connected + self.stats.failed < len(specs) and not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), 0.05)
            if self.config.duration is None:
                await self.stop.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.config.duration)
        finally:
            self.stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)
            self._collect()
            if self.progress is not None:
                self.progress(self.stats)
        return self.stats

    async def _report(self) -> None:
        while not self.stop.is_set():
            await asyncio.sleep(0.5)
            if self.progress is not None:
                self._collect()
                self.progress(self.stats)

    def _collect(self) -> None:
        self.stats.latencies = [value for charger in self.chargers for value in charger.link.latencies]
        self.stats.messages = sum(charger.link.sent for charger in self.chargers)

    async def _drive(self, spec: ChargerSpec, gate: asyncio.Semaphore) -> None:
        cfg = self.config
        charger = SimulatedCharger(
            cfg.url,
            spec.uid,
            version=spec.version,
            password=spec.password,
            connectors=spec.connectors,
            meter_interval=cfg.meter_interval,
            validate=cfg.validate,
        )
        async with gate:
            try:
                await charger.connect()
                for number in charger.connectors:
                    await charger.status(number, "Available")
            except Exception as error:  # noqa: BLE001 - counted in the fleet's stats, the others go on
                self.stats.failed += 1
                self.stats.errors.append(f"{spec.uid}: {error!r}")
                await charger.close()
                return
        self.chargers.append(charger)
        self.stats.connected += 1
        try:
            await self._script(charger, spec)
        except Exception as error:  # noqa: BLE001 - reported in the fleet's stats, the others go on
            self.stats.errors.append(f"{spec.uid}: {error!r}")
        finally:
            self.stats.commands_answered += len(charger.received)
            await charger.close()

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless the fleet stops first; False when it stopped."""
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            return True
        return False

    async def _script(self, charger: SimulatedCharger, spec: ChargerSpec) -> None:
        cfg = self.config
        tick = min(cfg.meter_interval, cfg.heartbeat_interval)
        next_heartbeat = time.monotonic() + cfg.heartbeat_interval
        start_chance = cfg.session_rate * tick / 60.0
        sessions: dict[int, tuple[str, float]] = {}
        await self._sleep(self._random.uniform(0, tick))
        while not self.stop.is_set() and charger.connected:
            now = time.monotonic()
            if now >= next_heartbeat:
                await self._count(charger.heartbeat())
                next_heartbeat = now + cfg.heartbeat_interval
            for number, (tx, ends) in list(sessions.items()):
                state = charger.connector(number)
                if state.transaction_id != tx:
                    sessions.pop(number)
                elif now >= ends:
                    await self._stop_session(charger, number, tx)
                    sessions.pop(number)
                else:
                    energy = state.meter_wh + round(charger.charge_power_w * tick / 3600)
                    await self._count(
                        charger.meter_values(number, energy_wh=energy, power_w=charger.charge_power_w)
                    )
            free = [n for n, c in charger.connectors.items() if c.transaction_id is None and c.operative]
            if free and self._random.random() < start_chance:
                number = self._random.choice(free)
                started = await self._start_session(charger, number, spec.id_tag)
                if started is not None:
                    sessions[number] = (started, now + cfg.session_seconds * self._random.uniform(0.5, 1.5))
            if not await self._sleep(tick):
                break
        for number, (tx, _) in sessions.items():
            if charger.connector(number).transaction_id == tx and charger.connected:
                await self._stop_session(charger, number, tx)

    async def _count(self, call: Any) -> Any:
        return await call

    async def _start_session(self, charger: SimulatedCharger, number: int, id_tag: str) -> str | None:
        reply = await self._count(charger.authorize(id_tag))
        info = reply.get("idTagInfo") or reply.get("idTokenInfo") or {}
        if info.get("status", "Accepted") != "Accepted":
            return None
        await self._count(charger.status(number, "Preparing"))
        meter = charger.connector(number).meter_wh
        tx: str = await self._count(charger.start_transaction(number, id_tag, meter_start_wh=meter))
        await self._count(charger.status(number, "Charging"))
        self.stats.sessions_started += 1
        return tx

    async def _stop_session(self, charger: SimulatedCharger, number: int, tx: str) -> None:
        meter = charger.connector(number).meter_wh
        await self._count(charger.stop_transaction(tx, meter_stop_wh=meter, reason="EVDisconnected"))
        await self._count(charger.status(number, "Finishing"))
        await self._count(charger.status(number, "Available"))
        self.stats.sessions_completed += 1


async def run_fleet(config: FleetConfig, progress: Progress | None = None) -> FleetStats:
    """Run a fleet for ``config.duration`` seconds and return what it measured."""
    return await Fleet(config, progress=progress).run()
