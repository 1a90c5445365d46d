"""Building the process-wide services from settings."""

from __future__ import annotations

from chargegraph.mailer import SmtpMailer
from chargegraph.settings import Settings
from domain.config import AuthConfig, OcppConfig
from domain.db import Database
from ocpp_server.registry import ConnectionRegistry
from resolvers.context import Services


def auth_config(settings: Settings) -> AuthConfig:
    return AuthConfig(
        secret_key=settings.resolved_secret_key(),
        access_token_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_token_ttl_days=settings.refresh_token_ttl_days,
        refresh_reuse_grace_seconds=settings.refresh_reuse_grace_seconds,
        password_reset_ttl_minutes=settings.password_reset_ttl_minutes,
        public_base_url=settings.public_base_url,
        default_rate_limit_per_hour=settings.default_rate_limit_per_hour,
    )


def ocpp_config(settings: Settings) -> OcppConfig:
    return OcppConfig(
        auto_register_network=settings.ocpp_auto_register or None,
        command_timeout_seconds=settings.ocpp_command_timeout_seconds,
        remote_start_timeout_seconds=settings.ocpp_remote_start_timeout_seconds,
        heartbeat_interval_seconds=settings.ocpp_heartbeat_interval_seconds,
        upload_dir=settings.upload_dir,
    )


def build_services(settings: Settings, db: Database | None = None) -> Services:
    database = db or Database.from_url(settings.database_url)
    ocpp = ocpp_config(settings)
    return Services(
        db=database,
        auth=auth_config(settings),
        mailer=SmtpMailer(settings),
        commands=ConnectionRegistry(ocpp, database),
        ocpp=ocpp,
    )
