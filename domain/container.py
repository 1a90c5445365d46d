"""The process-wide services: what the composition root (``chargegraph``) builds once and hands to
every layer (resolvers, the GraphQL schema, the REST routes, the OCPP endpoint)."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.config import AuthConfig, EventsConfig, OcppConfig, WebhookConfig
from domain.db import Database
from domain.event_hub import EventHub
from domain.ports import ChargerCommands, Mailer, MessageBus


@dataclass(frozen=True)
class Services:
    """What lives for the whole process: the database, settings the domain needs, the mailer, the
    command registry that reaches chargers, the local event hub (live subscribers) and the bus shared
    with the other instances."""

    db: Database
    auth: AuthConfig
    mailer: Mailer
    commands: ChargerCommands
    ocpp: OcppConfig
    events: EventHub = field(default_factory=EventHub)
    bus: MessageBus | None = None
    events_config: EventsConfig = field(default_factory=EventsConfig)
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
