"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import AuthConfig, OcppConfig
from domain.db import Database
from domain.ports import ChargerCommands, Mailer
from domain.principal import Principal


@dataclass(frozen=True)
class Services:
    """What lives for the whole process: the database, settings the domain needs, the mailer, and
    the command registry that reaches connected chargers."""

    db: Database
    auth: AuthConfig
    mailer: Mailer
    commands: ChargerCommands
    ocpp: OcppConfig


@dataclass(frozen=True)
class Context:
    services: Services
    principal: Principal

    @property
    def db(self) -> Database:
        return self.services.db
