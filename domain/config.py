"""Settings the domain needs, handed in by the composition layer (the domain reads no environment)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuthConfig:
    secret_key: str
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_days: int = 30
    refresh_reuse_grace_seconds: int = 10
    password_reset_ttl_minutes: int = 60
    public_base_url: str = "http://localhost:8000"
    default_rate_limit_per_hour: int = 5000


@dataclass(frozen=True)
class OcppConfig:
    """The central system's behaviour towards chargers.

    ``auto_register_network`` (a network UUID) registers unknown charge points into that network
    instead of refusing them. ``command_timeout_seconds`` bounds the wait for a charger's answer;
    a remote start whose charger has not started a transaction after
    ``remote_start_timeout_seconds`` fails (its session becomes FAULTED).
    """

    auto_register_network: str | None = None
    command_timeout_seconds: float = 30.0
    remote_start_timeout_seconds: float = 120.0
    heartbeat_interval_seconds: int = 300
    upload_dir: str = "./data/uploads"
