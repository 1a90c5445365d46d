"""``chargegraph simulate``: run simulated chargers against a server, with a progress line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from dataclasses import replace

from ocpp_server.simulator.fleet import Fleet, FleetConfig, FleetStats, specs_from_seed


def config_from(args: argparse.Namespace) -> FleetConfig:
    specs = tuple(specs_from_seed(args.seed_file)) if args.seed_file else ()
    if specs and args.prefix != "SIM-":
        specs = tuple(spec for spec in specs if spec.uid.startswith(args.prefix))
    if specs and args.chargers and args.chargers < len(specs) and args.chargers != 1:
        specs = specs[: args.chargers]
    if args.password is not None:
        specs = tuple(replace(spec, password=spec.password or args.password) for spec in specs)
    return FleetConfig(
        url=args.url.rstrip("/"),
        chargers=args.chargers,
        version=args.version,
        prefix=args.prefix,
        password=args.password,
        connectors=args.connectors,
        duration=args.duration,
        session_rate=args.session_rate,
        meter_interval=args.meter_interval,
        heartbeat_interval=args.heartbeat_interval,
        id_tag=args.id_tag,
        specs=specs,
    )


def simulate(args: argparse.Namespace) -> int:
    config = config_from(args)
    if args.seed_file and not config.specs:
        print(f"no chargers found in {args.seed_file}", file=sys.stderr)
        return 2

    def progress(stats: FleetStats) -> None:
        print(f"\r{stats.line()}\033[K", end="", flush=True)

    async def run() -> FleetStats:
        fleet = Fleet(config, progress=progress)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, fleet.stop.set)
        names = ", ".join(f"{s.uid} (OCPP {s.version})" for s in config.charger_specs()[:5])
        more = f" and {len(config.charger_specs()) - 5} more" if len(config.charger_specs()) > 5 else ""
        until = f"for {config.duration:g} s" if config.duration is not None else "until Ctrl-C"
        print(f"simulating {names}{more} against {config.url} {until}", flush=True)
        return await fleet.run()

    stats = asyncio.run(run())
    print()
    print(f"summary: {stats.summary()}")
    for error in stats.errors[:5]:
        print(f"  error: {error}", file=sys.stderr)
    return 0 if stats.connected else 1
