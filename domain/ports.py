"""Ports: what the domain needs from the outside world, implemented in the composition layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractAsyncContextManager

    from domain.commands import Command, Verdict
    from domain.events import Event


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class ChargerCommands(Protocol):
    """Sends a command to a charger by its OCPP identity and returns the charger's verdict.

    Never raises for an unreachable or silent charger: that is ``Verdict.offline()`` /
    ``Verdict.timed_out()``. ``ocpp_version`` tells callers which vocabulary the charger speaks
    ("1.6" or "2.0.1"), or None when it is not connected.
    """

    async def send(self, charger_uid: str, command: Command, *, timeout: float | None = None) -> Verdict: ...

    def ocpp_version(self, charger_uid: str) -> str | None: ...


class EventPublisher(Protocol):
    """Announces committed events to every instance (the event bus). Called after commit only."""

    async def publish(self, event: Event) -> None: ...


class MessageBus(Protocol):
    """Plain text messages on named channels shared by every instance (command routing)."""

    async def send(self, channel: str, message: str) -> None: ...

    def listen(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[str]]: ...
