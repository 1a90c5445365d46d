"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from domain.container import Services
from domain.db import Database
from domain.principal import Principal


@dataclass(frozen=True)
class Context:
    services: Services
    principal: Principal

    @property
    def db(self) -> Database:
        return self.services.db
