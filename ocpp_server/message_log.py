"""The OCPP message log writer: every frame both ways, batched into one INSERT.

Rows are queued in memory and written by a short-lived flusher task every ``interval`` seconds, or at
once when ``batch_size`` rows are waiting, so a heartbeat costs no extra transaction. ``flush()``
writes what is queued (on shutdown, and by tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from domain.db import Database
from domain.models import OcppMessage
from domain.types import utcnow

log = logging.getLogger("chargegraph.ocpp")

_TEXT_LIMITS = {
    "action": 60,
    "unique_id": 64,
    "correlation_id": 64,
    "error_code": 40,
    "error_description": 500,
}


class MessageLog:
    def __init__(self, db: Database, *, interval: float = 0.2, batch_size: int = 200) -> None:
        self.db = db
        self.interval = interval
        self.batch_size = batch_size
        self._rows: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def record(
        self,
        *,
        charge_point_id: str,
        direction: str,
        message_type: str,
        unique_id: str,
        charger_id: int | None = None,
        network_id: int | None = None,
        action: str | None = None,
        correlation_id: str | None = None,
        ocpp_version: str | None = None,
        status: str = "success",
        error_code: str | None = None,
        error_description: str | None = None,
        response_time_ms: int | None = None,
        payload: Any = None,
        occurred_at: datetime | None = None,
    ) -> None:
        row: dict[str, Any] = {
            "charge_point_id": charge_point_id[:48],
            "charger_id": charger_id,
            "network_id": network_id,
            "occurred_at": occurred_at or utcnow(),
            "direction": direction,
            "message_type": message_type,
            "action": action,
            "unique_id": unique_id,
            "correlation_id": correlation_id,
            "ocpp_version": ocpp_version,
            "status": status,
            "error_code": error_code,
            "error_description": error_description,
            "response_time_ms": response_time_ms,
            "payload": payload if isinstance(payload, dict | list) else None,
        }
        for key, limit in _TEXT_LIMITS.items():
            if isinstance(row[key], str):
                row[key] = row[key][:limit]
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._rows:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            while self._rows:
                rows, self._rows = self._rows[: self.batch_size * 5], self._rows[self.batch_size * 5 :]
                try:
                    async with self.db.unit_of_work() as session:
                        await session.execute(insert(OcppMessage), rows)
                except Exception:
                    log.exception("could not write %d OCPP message log rows", len(rows))

    async def close(self) -> None:
        await self.flush()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
