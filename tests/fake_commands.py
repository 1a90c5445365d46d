"""A ``ChargerCommands`` without sockets: it records every command and answers with scripted verdicts,
so the rules of sessions, reservations and limits are tested without a simulated charger.

Use the fixtures in a test module (``commands = fake_commands.commands``, ``services = ...``): its
``services`` (and so ``app``, ``client`` and ``world``) then send every command to the fake. A charger
is offline until ``commands.connect(uid)``; a connected charger accepts every command unless
``commands.answer(ReserveNow, Verdict(False, ...))`` scripted another verdict for that kind.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import pytest

from chargegraph.services import build_services
from chargegraph.settings import Settings
from domain.commands import Command, Verdict
from domain.container import Services
from domain.db import Database

C = TypeVar("C")

ACCEPTED = Verdict(True, None, status="Accepted")


def rejected(status: str = "Rejected", reason: str | None = None) -> Verdict:
    """A refusal as the OCPP translation reports one: not retryable, the charger's status word."""
    return Verdict(False, reason or f"The charger answered {status}.", retryable=False, status=status)


class FakeCommands:
    """Implements ``domain.ports.ChargerCommands``: offline chargers get ``Verdict.offline()`` and
    nothing is sent; connected ones get the verdict scripted for the command's kind (``ACCEPTED`` by
    default). Every command that reached a charger is kept in ``sent``, in order."""

    def __init__(self) -> None:
        self.versions: dict[str, str] = {}
        self.sent: list[tuple[str, Command]] = []
        self.timeouts: list[float | None] = []
        self._scripts: dict[type, list[Verdict]] = {}

    def connect(self, charger_uid: str, version: str = "1.6") -> None:
        self.versions[charger_uid] = version

    def disconnect(self, charger_uid: str) -> None:
        self.versions.pop(charger_uid, None)

    def answer(self, kind: type, *verdicts: Verdict) -> None:
        """Answer the next commands of ``kind`` with ``verdicts`` in turn; the last one then stays."""
        assert verdicts, "script at least one verdict"
        self._scripts[kind] = list(verdicts)

    def of(self, kind: type[C]) -> list[C]:
        """The commands of ``kind`` that reached a charger, in order."""
        return [command for _, command in self.sent if isinstance(command, kind)]

    async def send(self, charger_uid: str, command: Command, *, timeout: float | None = None) -> Verdict:
        if charger_uid not in self.versions:
            return Verdict.offline()
        self.sent.append((charger_uid, command))
        self.timeouts.append(timeout)
        script = self._scripts.get(type(command))
        if not script:
            return ACCEPTED
        return script.pop(0) if len(script) > 1 else script[0]

    def ocpp_version(self, charger_uid: str) -> str | None:
        return self.versions.get(charger_uid)


@pytest.fixture
def commands() -> FakeCommands:
    return FakeCommands()


@pytest.fixture
def services(settings: Settings, db: Database, commands: FakeCommands) -> Services:
    """The test services with the fake in place of the connection registry."""
    return dataclasses.replace(build_services(settings, db), commands=commands)
