"""Building the process-wide services from settings."""

from __future__ import annotations

from chargegraph.mailer import SmtpMailer
from chargegraph.settings import Settings
from domain.config import AuthConfig
from domain.db import Database
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


def build_services(settings: Settings, db: Database | None = None) -> Services:
    return Services(
        db=db or Database.from_url(settings.database_url),
        auth=auth_config(settings),
        mailer=SmtpMailer(settings),
    )
