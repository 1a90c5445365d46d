"""Settings read from the environment; every one is documented in the README."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.db import DEFAULT_URL


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: int = Field(8000, validation_alias=_env("PORT"))
    database_url: str = Field(DEFAULT_URL, validation_alias=_env("DATABASE_URL"))
    broadcast_url: str = Field("memory://", validation_alias=_env("BROADCAST_URL"))
    broadcast_channel_prefix: str = Field("chargegraph", validation_alias=_env("BROADCAST_CHANNEL_PREFIX"))
    secret_key: str = Field("", validation_alias=_env("CHARGEGRAPH_SECRET_KEY"))
    secret_key_file: str = Field(".chargegraph_secret", validation_alias=_env("CHARGEGRAPH_SECRET_KEY_FILE"))
    access_token_ttl_seconds: int = Field(3600, validation_alias=_env("CHARGEGRAPH_ACCESS_TOKEN_TTL_SECONDS"))
    refresh_token_ttl_days: int = Field(30, validation_alias=_env("CHARGEGRAPH_REFRESH_TOKEN_TTL_DAYS"))
    refresh_reuse_grace_seconds: int = Field(
        10, validation_alias=_env("CHARGEGRAPH_REFRESH_REUSE_GRACE_SECONDS")
    )
    password_reset_ttl_minutes: int = Field(
        60, validation_alias=_env("CHARGEGRAPH_PASSWORD_RESET_TTL_MINUTES")
    )
    public_base_url: str = Field(
        "http://localhost:8000", validation_alias=_env("CHARGEGRAPH_PUBLIC_BASE_URL")
    )
    smtp_host: str = Field("", validation_alias=_env("SMTP_HOST"))
    smtp_port: int = Field(25, validation_alias=_env("SMTP_PORT"))
    smtp_username: str = Field("", validation_alias=_env("SMTP_USERNAME"))
    smtp_password: str = Field("", validation_alias=_env("SMTP_PASSWORD"))
    smtp_starttls: bool = Field(False, validation_alias=_env("SMTP_STARTTLS"))
    smtp_use_tls: bool = Field(False, validation_alias=_env("SMTP_USE_TLS"))
    smtp_from: str = Field("chargegraph <no-reply@localhost>", validation_alias=_env("SMTP_FROM"))
    default_rate_limit_per_hour: int = Field(
        5000, validation_alias=_env("CHARGEGRAPH_DEFAULT_RATE_LIMIT_PER_HOUR")
    )
    trust_proxy_headers: bool = Field(False, validation_alias=_env("CHARGEGRAPH_TRUST_PROXY_HEADERS"))
    forwarded_allow_ips: str = Field("127.0.0.1", validation_alias=_env("CHARGEGRAPH_FORWARDED_ALLOW_IPS"))
    auth_throttle_free_attempts: int = Field(
        5, ge=0, validation_alias=_env("CHARGEGRAPH_AUTH_THROTTLE_FREE_ATTEMPTS")
    )
    auth_throttle_address_free_attempts: int = Field(
        50, ge=0, validation_alias=_env("CHARGEGRAPH_AUTH_THROTTLE_ADDRESS_FREE_ATTEMPTS")
    )
    auth_throttle_max_lock_seconds: int = Field(
        300, ge=1, validation_alias=_env("CHARGEGRAPH_AUTH_THROTTLE_MAX_LOCK_SECONDS")
    )
    auth_throttle_mail_max_lock_seconds: int = Field(
        3600, ge=1, validation_alias=_env("CHARGEGRAPH_AUTH_THROTTLE_MAIL_MAX_LOCK_SECONDS")
    )
    auth_throttle_window_seconds: int = Field(
        900, ge=1, validation_alias=_env("CHARGEGRAPH_AUTH_THROTTLE_WINDOW_SECONDS")
    )
    graphql_max_depth: int = Field(10, validation_alias=_env("CHARGEGRAPH_GRAPHQL_MAX_DEPTH"))
    graphql_max_aliases: int = Field(30, validation_alias=_env("CHARGEGRAPH_GRAPHQL_MAX_ALIASES"))
    graphql_max_tokens: int = Field(2000, validation_alias=_env("CHARGEGRAPH_GRAPHQL_MAX_TOKENS"))
    # uvicorn's levels (any case); checked here so a typo stops the start-up, not the first log line.
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", validation_alias=_env("CHARGEGRAPH_LOG_LEVEL")
    )
    ocpp_auto_register: str = Field("", validation_alias=_env("CHARGEGRAPH_OCPP_AUTO_REGISTER"))
    ocpp_command_timeout_seconds: float = Field(
        30.0, validation_alias=_env("CHARGEGRAPH_OCPP_COMMAND_TIMEOUT_SECONDS")
    )
    ocpp_remote_start_timeout_seconds: float = Field(
        120.0, validation_alias=_env("CHARGEGRAPH_OCPP_REMOTE_START_TIMEOUT_SECONDS")
    )
    ocpp_heartbeat_interval_seconds: int = Field(
        300, validation_alias=_env("CHARGEGRAPH_OCPP_HEARTBEAT_INTERVAL_SECONDS")
    )
    upload_dir: str = Field("./data/uploads", validation_alias=_env("CHARGEGRAPH_UPLOAD_DIR"))
    max_body_bytes: int = Field(1_048_576, ge=1, validation_alias=_env("CHARGEGRAPH_MAX_BODY_BYTES"))
    event_retention_hours: float = Field(24.0, validation_alias=_env("CHARGEGRAPH_EVENT_RETENTION_HOURS"))
    subscriber_queue_size: int = Field(1000, validation_alias=_env("CHARGEGRAPH_SUBSCRIBER_QUEUE_SIZE"))
    sse_keepalive_seconds: float = Field(15.0, validation_alias=_env("CHARGEGRAPH_SSE_KEEPALIVE_SECONDS"))
    webhook_allow_private: bool = Field(False, validation_alias=_env("CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE"))
    webhook_timeout_seconds: float = Field(10.0, validation_alias=_env("CHARGEGRAPH_WEBHOOK_TIMEOUT_SECONDS"))
    webhook_backoff_base_seconds: float = Field(
        30.0, validation_alias=_env("CHARGEGRAPH_WEBHOOK_BACKOFF_BASE_SECONDS")
    )
    webhook_backoff_max_seconds: float = Field(
        3600.0, validation_alias=_env("CHARGEGRAPH_WEBHOOK_BACKOFF_MAX_SECONDS")
    )
    webhook_disable_after: int = Field(15, validation_alias=_env("CHARGEGRAPH_WEBHOOK_DISABLE_AFTER"))
    webhook_poll_seconds: float = Field(1.0, validation_alias=_env("CHARGEGRAPH_WEBHOOK_POLL_SECONDS"))

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("ocpp_auto_register")
    @classmethod
    def _network_uuid(cls, value: str) -> str:
        """Empty (off) or a network UUID; whether that network exists is checked when serve starts."""
        value = value.strip()
        if not value:
            return ""
        try:
            return str(UUID(value))
        except ValueError as exc:
            raise ValueError("CHARGEGRAPH_OCPP_AUTO_REGISTER: should be a network UUID") from exc

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        """Comma-separated IPs or CIDRs of the proxies trusted to set X-Forwarded-For, or ``*``."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries == ["*"]:
            return "*"
        normalized = []
        for entry in entries:
            try:
                address = (
                    ipaddress.ip_network(entry, strict=False) if "/" in entry else ipaddress.ip_address(entry)
                )
            except ValueError as exc:
                raise ValueError(f"CHARGEGRAPH_FORWARDED_ALLOW_IPS: {entry!r} is not an IP or CIDR") from exc
            normalized.append(str(address))
        return ",".join(normalized)

    def resolved_secret_key(self) -> str:
        """The signing key: the setting, else a key kept in ``secret_key_file`` (made on first use)."""
        if self.secret_key:
            return self.secret_key
        path = Path(self.secret_key_file)
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def problems(error: ValidationError) -> list[str]:
    """One line per setting that failed validation: the variable, what is wrong, the value given."""
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "settings"
        message = item["msg"].removeprefix("Value error, ")
        if not message.startswith(name):
            message = f"{name}: {message}"
        if not any(word in name for word in ("SECRET", "PASSWORD")) and isinstance(item["input"], str):
            message += f" (got {item['input']!r})"
        lines.append(message)
    return lines
