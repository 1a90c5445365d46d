"""Ports: what the domain needs from the outside world, implemented in the composition layer."""

from __future__ import annotations

from typing import Protocol


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...
