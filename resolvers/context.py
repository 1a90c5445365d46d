"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import AuthConfig
from domain.db import Database
from domain.ports import Mailer
from domain.principal import Principal


@dataclass(frozen=True)
class Services:
    """What lives for the whole process: the database, settings the domain needs, the mailer."""

    db: Database
    auth: AuthConfig
    mailer: Mailer


@dataclass(frozen=True)
class Context:
    services: Services
    principal: Principal

    @property
    def db(self) -> Database:
        return self.services.db
