"""The ``chargegraph`` command: serve, migrate, seed, keys, openapi, routes, simulate."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from chargegraph.settings import Settings, get_settings, problems


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from chargegraph.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
        # The implementation the tests' in-process server runs ("auto"); uvicorn deprecates the legacy
        # one (ws="websockets").
        ws="websockets-sansio",
        # The app applies X-Forwarded-For itself, only when CHARGEGRAPH_TRUST_PROXY_HEADERS is on and only
        # from CHARGEGRAPH_FORWARDED_ALLOW_IPS (see create_app). uvicorn's own handling (on by default,
        # trusting 127.0.0.1) would let any local process claim any address, so it is off.
        proxy_headers=False,
        server_header=False,
        # Live streams (SSE, subscriptions) never end by themselves: give them a few seconds, then close.
        timeout_graceful_shutdown=5,
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from chargegraph.migrate import upgrade
    from domain.db import Database

    async def run() -> None:
        db = Database.from_url(get_settings().database_url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    print("database is at the latest migration")
    return 0


def _openapi(_args: argparse.Namespace) -> int:
    from rest_compat.openapi import openapi_document
    from rest_compat.routes import load_all

    load_all()
    json.dump(openapi_document(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _routes(args: argparse.Namespace) -> int:
    from chargegraph.route_map import route_map

    entries = route_map()
    if args.json:
        json.dump([entry.as_json() for entry in entries], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for entry in entries:
            print(entry.line())
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from chargegraph.keys import create_key

    expires = datetime.fromisoformat(args.expires_at.replace("Z", "+00:00")) if args.expires_at else None
    result = asyncio.run(
        create_key(
            name=args.name,
            family=args.family,
            networks=args.network or [],
            all_networks=args.all_networks,
            scopes=args.scope or [],
            visibility=args.visibility,
            expires_at=expires,
            rate_limit_per_hour=args.rate_limit,
            allowed_ips=args.allow_ip or [],
        )
    )
    print(json.dumps(result, indent=2))
    return 0


def _seed(args: argparse.Namespace) -> int:
    from chargegraph.seed import seed_demo

    if not args.demo:
        print("nothing to seed: pass --demo", file=sys.stderr)
        return 2
    result = asyncio.run(seed_demo())
    if args.json:
        print(json.dumps(result))
    else:
        for network in result["networks"]:
            print(f"network {network['name']} ({network['uuid']})")
            print(f"  cpms key: {network['cpmsKey']}")
            print(f"  emsp key: {network['emspKey']}")
            print(
                f"  driver:   {network['driver']['email']} / {network['driver']['password']}"
                f" token {network['driver']['tokenUid']}"
            )
            chargers = ", ".join(f"{c['uid']} (OCPP {c['ocppVersion']})" for c in network["chargers"])
            print(f"  chargers: {chargers}")
            passwords = {c["password"] for c in network["chargers"]}
            print(f"  charger OCPP password (HTTP Basic, user = charger uid): {', '.join(sorted(passwords))}")
        print("keys are shown once (stored hashed); run the seed again for new ones. Demo data only.")
    return 0


def _chargers_password(args: argparse.Namespace) -> int:
    from domain.db import Database
    from domain.errors import DomainError
    from domain.services.charger_credentials import set_password_by_uid

    async def run() -> str:
        db = Database.from_url(get_settings().database_url)
        try:
            return (await set_password_by_uid(db, args.uid, args.password)).password
        finally:
            await db.dispose()

    try:
        password = asyncio.run(run())
    except DomainError as exc:
        print(f"{args.uid}: {exc.message}", file=sys.stderr)
        return 1
    print(password)
    print(
        f"the OCPP password of {args.uid} (HTTP Basic user {args.uid}); shown once, stored hashed",
        file=sys.stderr,
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from chargegraph.simulate import simulate

    return simulate(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chargegraph", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve GraphQL, REST and OCPP (applies migrations first)")
    serve.add_argument("--host", default=None, help="bind address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: PORT or 8000)")
    serve.set_defaults(func=_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    sub.add_parser("openapi", help="print the OpenAPI document of the REST routes").set_defaults(
        func=_openapi
    )
    routes = sub.add_parser("routes", help="every served METHOD path -> handler -> resolver [GraphQL field]")
    routes.add_argument("--json", action="store_true", help="one JSON array of routes")
    routes.set_defaults(func=_routes)

    seed = sub.add_parser("seed", help="seed data")
    seed.add_argument("--demo", action="store_true", help="two demo networks (idempotent)")
    seed.add_argument("--json", action="store_true", help="print one JSON object with fresh keys")
    seed.set_defaults(func=_seed)

    sim = sub.add_parser("simulate", help="simulated chargers (OCPP 1.6J / 2.0.1) against a server")
    sim.add_argument("--url", default="ws://127.0.0.1:8000/ocpp", help="the OCPP endpoint (without the id)")
    sim.add_argument("--chargers", type=int, default=1, help="how many chargers (default 1)")
    sim.add_argument("--version", choices=["1.6", "2.0.1", "mixed"], default="1.6", help="OCPP version")
    sim.add_argument("--prefix", default="SIM-", help="charger ids PREFIX00001...; with one charger, its id")
    sim.add_argument("--password", default=None, help="HTTP Basic password of every charger")
    sim.add_argument("--connectors", type=int, default=1, help="connectors per charger (default 1)")
    sim.add_argument("--duration", type=float, default=None, help="seconds to run (default: until Ctrl-C)")
    sim.add_argument("--session-rate", type=float, default=0.0, help="sessions per charger per minute")
    sim.add_argument("--meter-interval", type=float, default=10.0, help="seconds between meter values")
    sim.add_argument("--heartbeat-interval", type=float, default=60.0, help="seconds between heartbeats")
    sim.add_argument("--id-tag", default="SIM-TAG", help="token the chargers' own sessions use")
    sim.add_argument("--seed-file", default=None, help="drive the chargers of `seed --demo --json` output")
    sim.set_defaults(func=_simulate)

    chargers = sub.add_parser("chargers", help="chargers").add_subparsers(
        dest="chargers_command", required=True
    )
    password = chargers.add_parser("password", help="set or rotate a charger's OCPP password (printed once)")
    password.add_argument("uid", help="the charger's OCPP identity")
    password.add_argument("--password", default=None, help="16 to 40 characters (default: a random one)")
    password.set_defaults(func=_chargers_password)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="mint an API key (the secret is printed once)")
    create.add_argument("--name", required=True)
    create.add_argument("--family", choices=["cpms", "emsp"], default="cpms")
    create.add_argument("--network", action="append", help="network UUID or slug (repeatable)")
    create.add_argument("--all-networks", action="store_true", help="unrestricted: every network")
    create.add_argument("--scope", action="append", help="scope (repeatable; default: family:*)")
    create.add_argument("--visibility", choices=["Private", "Publishable"], default="Private")
    create.add_argument("--expires-at", default=None, help="ISO 8601 expiry")
    create.add_argument("--rate-limit", type=int, default=None, help="requests per hour")
    create.add_argument("--allow-ip", action="append", help="IP or CIDR allowed (repeatable)")
    create.set_defaults(func=_keys_create)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        # A bad environment variable: one line each, no traceback, before anything has started.
        for line in problems(exc):
            print(f"chargegraph: {line}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
