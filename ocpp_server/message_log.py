"""The OCPP message log writer: every frame both ways, batched into one INSERT.

Rows are queued in memory and written by a short-lived flusher task every ``interval`` seconds, or at
once when ``batch_size`` rows are waiting, so a heartbeat costs no extra transaction. ``flush()``
writes what is queued (on shutdown, and by tests).

One charger's row can never cost another charger's rows: every string of a row (the payload's keys
and values included) has the characters no database can store, NUL and lone UTF-16 surrogates,
replaced with U+FFFD, and when a batch INSERT fails anyway the rows are written one at a time, so
only the rows the database refuses are dropped (and logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from domain import bounded_json
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
_UNSTORABLE = bounded_json.UNSTORABLE
_PAYLOAD_DEPTH = 64
"""Payload nesting kept; a deeper part (frames are bounded far below this) is stored as a marker."""
_TOO_DEEP = "(nested too deep)"


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
            "charge_point_id": _clean(charge_point_id[:48]),
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
            "payload": _clean(payload) if isinstance(payload, dict | list) else None,
        }
        for key, limit in _TEXT_LIMITS.items():
            if isinstance(row[key], str):
                row[key] = _clean(row[key][:limit])
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
                    await self._insert(rows)
                except Exception:
                    log.warning(
                        "could not write %d OCPP message log rows at once; writing them one by one",
                        len(rows),
                        exc_info=True,
                    )
                    await self._insert_one_by_one(rows)

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.unit_of_work() as session:
            await session.execute(insert(OcppMessage), rows)

    async def _insert_one_by_one(self, rows: list[dict[str, Any]]) -> None:
        """Each row in its own transaction: a row the database refuses is dropped alone."""
        refused: list[dict[str, Any]] = []
        first: Exception | None = None
        for row in rows:
            try:
                await self._insert([row])
            # Last resort of the background writer: whatever the cause, the row is dropped alone and
            # the first error is logged with its traceback below.
            except Exception as exc:  # noqa: BLE001
                refused.append(row)
                first = first or exc
        if refused:
            log.error(
                "dropped %d of %d OCPP message log rows the database refused (charge points: %s)",
                len(refused),
                len(rows),
                ", ".join(sorted({str(row["charge_point_id"]) for row in refused})[:10]),
                exc_info=first,
            )

    async def close(self) -> None:
        await self.flush()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _clean(value: Any, depth: int = 0) -> Any:
    """``value`` with NUL and lone surrogates replaced by U+FFFD in every string (keys included)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        if depth >= _PAYLOAD_DEPTH:
            return _TOO_DEEP
        return {_clean(key): _clean(child, depth + 1) for key, child in value.items()}
    if isinstance(value, list):
        if depth >= _PAYLOAD_DEPTH:
            return _TOO_DEEP
        return [_clean(child, depth + 1) for child in value]
    return value
