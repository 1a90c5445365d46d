"""Building the process-wide services from settings."""

from __future__ import annotations

from chargegraph.bus import EventBus
from chargegraph.mailer import SmtpMailer
from chargegraph.settings import Settings
from domain.config import AuthConfig, EventsConfig, OcppConfig, ThrottleConfig, WebhookConfig
from domain.container import Services
from domain.db import Database
from domain.event_hub import EventHub
from ocpp_server.registry import ConnectionRegistry


def auth_config(settings: Settings) -> AuthConfig:
    return AuthConfig(
        secret_key=settings.resolved_secret_key(),
        access_token_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_token_ttl_days=settings.refresh_token_ttl_days,
        refresh_reuse_grace_seconds=settings.refresh_reuse_grace_seconds,
        password_reset_ttl_minutes=settings.password_reset_ttl_minutes,
        public_base_url=settings.public_base_url,
        default_rate_limit_per_hour=settings.default_rate_limit_per_hour,
        throttle=ThrottleConfig(
            free_attempts=settings.auth_throttle_free_attempts,
            address_free_attempts=settings.auth_throttle_address_free_attempts,
            max_lock_seconds=settings.auth_throttle_max_lock_seconds,
            mail_max_lock_seconds=settings.auth_throttle_mail_max_lock_seconds,
            window_seconds=settings.auth_throttle_window_seconds,
        ),
    )


def ocpp_config(settings: Settings) -> OcppConfig:
    return OcppConfig(
        auto_register_network=settings.ocpp_auto_register or None,
        command_timeout_seconds=settings.ocpp_command_timeout_seconds,
        remote_start_timeout_seconds=settings.ocpp_remote_start_timeout_seconds,
        heartbeat_interval_seconds=settings.ocpp_heartbeat_interval_seconds,
        upload_dir=settings.upload_dir,
    )


def events_config(settings: Settings) -> EventsConfig:
    return EventsConfig(
        retention_hours=settings.event_retention_hours,
        subscriber_queue_size=settings.subscriber_queue_size,
        sse_keepalive_seconds=settings.sse_keepalive_seconds,
    )


def webhook_config(settings: Settings) -> WebhookConfig:
    return WebhookConfig(
        allow_private=settings.webhook_allow_private,
        timeout_seconds=settings.webhook_timeout_seconds,
        backoff_base_seconds=settings.webhook_backoff_base_seconds,
        backoff_max_seconds=settings.webhook_backoff_max_seconds,
        disable_after=settings.webhook_disable_after,
        poll_seconds=settings.webhook_poll_seconds,
    )


def build_services(settings: Settings, db: Database | None = None) -> Services:
    """Everything one process shares. The bus is connected by the app's lifespan; until then (and
    in tests that use the services without an app) committed events reach this process's hub only."""
    database = db or Database.from_url(settings.database_url)
    ocpp = ocpp_config(settings)
    live = events_config(settings)
    hub = EventHub(live.subscriber_queue_size)
    bus = EventBus(settings.broadcast_url, hub, settings.broadcast_channel_prefix)
    database.publisher = bus
    return Services(
        db=database,
        auth=auth_config(settings),
        mailer=SmtpMailer(settings),
        commands=ConnectionRegistry(ocpp, database, bus),
        ocpp=ocpp,
        events=hub,
        bus=bus,
        events_config=live,
        webhooks=webhook_config(settings),
    )
