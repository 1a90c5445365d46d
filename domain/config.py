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
