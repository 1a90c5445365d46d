"""Several processes writing one database at once: every writer waits its turn, reads do not wait.

The behaviour is SQLite's by nature (one writer per file; ``chargegraph serve`` beside ``chargegraph
seed`` / ``keys create`` / ``chargers password`` on the embedded default): a unit of work begins
``BEGIN IMMEDIATE`` there, so it takes the write lock before it reads and waits for another process's
writer through the busy timeout instead of failing with "database is locked" or writing over a value
another process changed since it read. The tests run on both backends through the ``db`` fixture;
on PostgreSQL they check that the same promises hold there (row locks instead of the file lock).
Every writer runs in an OS process of its own, each with its own ``Database`` on the same database
(``DATABASE_URL``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from sqlmodel import col, func, select

from domain.db import Database
from domain.models import ApiKey, Network
from tests.fresh import REPO, SECRET_KEY

TIMEOUT = 120  # seconds before a hung child fails the test (a safety net, not an assertion)

INCREMENTS = 60

COUNTER = """
import asyncio, os, sys
from sqlmodel import select
from domain.db import Database
from domain.models import Network

async def main() -> None:
    db = Database.from_url(os.environ["DATABASE_URL"])
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(int(sys.argv[1])):
        async with db.unit_of_work() as session:  # read, then write what was read plus one
            query = select(Network).where(Network.slug == "counter").with_for_update()
            row = (await session.exec(query)).one()
            await asyncio.sleep(0.002)  # some work between the read and the write
            row.payment_terms_days += 1
            session.add(row)
    await db.dispose()

asyncio.run(main())
"""

# The real ``chargegraph`` command line, telling its parent (on stderr) when it first writes.
CLI = """
import sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

told = []

def tell(conn, cursor, statement, *rest):
    if not told and statement.lstrip().upper().startswith(("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")):
        told.append(statement)
        print("writing", file=sys.stderr, flush=True)

event.listen(Engine, "before_cursor_execute", tell)
from chargegraph.cli import main
sys.exit(main(sys.argv[1:]))
"""

READER = """
import asyncio, os
from sqlmodel import func, select
from domain.db import Database
from domain.models import Network

async def main() -> None:
    db = Database.from_url(os.environ["DATABASE_URL"])
    async with db.session() as session:
        print((await session.exec(select(func.count()).select_from(Network))).one())
    await db.dispose()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str


async def _spawn(db: Database, cwd: Path, code: str, *args: str) -> asyncio.subprocess.Process:
    """``python -c code URL ARGS`` in a child process, also given the database as ``DATABASE_URL``."""
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CHARGEGRAPH_SECRET_KEY": SECRET_KEY, "DATABASE_URL": url}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finish(process: asyncio.subprocess.Process) -> Done:
    out, err = await asyncio.wait_for(process.communicate(), timeout=TIMEOUT)
    assert process.returncode is not None
    return Done(process.returncode, out.decode(), err.decode())


async def _network(db: Database, slug: str) -> Network:
    async with db.unit_of_work() as session:
        network = Network(name=slug.title(), slug=slug, payment_terms_days=0)
        session.add(network)
    return network


async def test_two_processes_reading_then_writing_at_once_lose_nothing(db: Database, tmp_path: Path) -> None:
    await _network(db, "counter")
    workers = [await _spawn(db, tmp_path, COUNTER, str(INCREMENTS)) for _ in range(2)]
    for worker in workers:  # both are connected before either writes: their writes overlap
        assert worker.stdout is not None
        assert (await asyncio.wait_for(worker.stdout.readline(), timeout=TIMEOUT)) == b"ready\n"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    done = [await _finish(worker) for worker in workers]

    for run in done:
        assert run.code == 0, run.stderr
        assert "database is locked" not in run.stderr
    async with db.session() as session:
        row = (await session.exec(select(Network).where(Network.slug == "counter"))).one()
    assert row.payment_terms_days == 2 * INCREMENTS


async def test_keys_create_waits_for_another_process_writing(db: Database, tmp_path: Path) -> None:
    await _network(db, "harbour")
    async with db.unit_of_work() as session:  # this process writes, and keeps its transaction open
        session.add(Network(name="Pier", slug="pier"))
        await session.flush()
        cli = await _spawn(
            db, tmp_path, CLI, "keys", "create", "--name", "beside-serve", "--network", "harbour"
        )
        assert cli.stderr is not None
        line = await asyncio.wait_for(cli.stderr.readline(), timeout=TIMEOUT)
        assert line == b"writing\n", line + await cli.stderr.read()
        await asyncio.sleep(1)  # the command is now waiting for this transaction (on SQLite)
    run = await _finish(cli)

    assert run.code == 0, run.stderr
    created = json.loads(run.stdout)
    async with db.session() as session:
        key = (await session.exec(select(ApiKey).where(ApiKey.uuid == UUID(created["id"])))).first()
        pier = (await session.exec(select(Network).where(Network.slug == "pier"))).first()
    assert key is not None and key.name == "beside-serve"
    assert pier is not None  # the transaction it waited for committed too


async def test_reads_from_another_process_run_beside_an_open_write(db: Database, tmp_path: Path) -> None:
    await _network(db, "harbour")
    async with db.unit_of_work() as session:
        session.add(Network(name="Pier", slug="pier"))
        await session.flush()
        run = await _finish(await _spawn(db, tmp_path, READER))  # ends while the write is still open
        assert run.code == 0, run.stderr
        assert run.stdout.strip() == "1"  # the committed state, not the write in progress
    async with db.session() as session:
        count = (await session.exec(select(func.count()).select_from(Network))).one()
        names = set((await session.exec(select(Network.slug).order_by(col(Network.slug)))).all())
    assert count == 2
    assert names == {"harbour", "pier"}
