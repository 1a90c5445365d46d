"""Background jobs run by every serving process: each a coroutine called on an interval.

A job claims its rows in the database (so several instances never do one item twice) and returns how
many it handled. Add a job by appending a :class:`Job` to :func:`jobs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chargegraph import webhook_sender
from domain.container import Services
from domain.services import auth_throttle, charger_presence, event_log, reservations, sessions
from domain.types import utcnow

log = logging.getLogger("chargegraph.workers")


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[Services], Awaitable[int]]


def jobs() -> list[Job]:
    """Every background job of the process."""
    return [
        Job("reservations.expire", 30, _expire_reservations),
        Job("sessions.fail_stale_pending", 10, _fail_stale_remote_starts),
        Job("webhooks.deliver", 5, webhook_sender.serve),  # paces itself: WEBHOOK_POLL_SECONDS
        Job("events.prune", 300, lambda s: event_log.prune_expired(s.db, s.events_config.retention_hours)),
        Job("chargers.detect_offline", 60, _detect_offline),  # claimed: one instance per round
        Job("auth_throttle.purge", 600, lambda s: auth_throttle.purge(s.db, s.auth)),
    ]


async def _expire_reservations(services: Services) -> int:
    return await reservations.expire_due(services.db)


async def _fail_stale_remote_starts(services: Services) -> int:
    """Remote starts the charger never followed in time become FAULTED."""
    timeout = services.ocpp.remote_start_timeout_seconds
    return await sessions.fail_stale_pending(services.db, utcnow(), timeout)


async def _detect_offline(services: Services) -> int:
    """Connected chargers silent for 3 heartbeat intervals (at least 5 min) are marked disconnected."""
    interval = services.ocpp.heartbeat_interval_seconds
    return await charger_presence.detect_offline(
        services.db, heartbeat_interval_seconds=interval, bus=services.bus
    )


async def _loop(job: Job, services: Services) -> None:
    while True:
        try:
            await job.run(services)
        except Exception:
            log.exception("background job %s failed", job.name)
        await asyncio.sleep(job.interval_seconds)


class Workers:
    """Starts every job as a task on enter and cancels them on exit."""

    def __init__(self, services: Services, selected: list[Job] | None = None) -> None:
        self.services = services
        self.selected = jobs() if selected is None else selected
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Workers:
        self.tasks = [asyncio.create_task(_loop(job, self.services)) for job in self.selected]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
