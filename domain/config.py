"""Settings the domain needs, handed in by the composition layer (the domain reads no environment)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ThrottleConfig:
    """Password guessing: the first ``free_attempts`` failures of an account (driver email, charge
    point identity, reset token) cost nothing; each further one locks it for 2^k seconds (1, 2, 4...)
    up to ``max_lock_seconds`` (``mail_max_lock_seconds`` for forgot-password mails). A client address
    has ``address_free_attempts``. Counters are forgotten after ``window_seconds`` with no failure and
    no lock."""

    free_attempts: int = 5
    address_free_attempts: int = 50
    max_lock_seconds: int = 300
    mail_max_lock_seconds: int = 3600
    window_seconds: int = 900


@dataclass(frozen=True)
class AuthConfig:
    secret_key: str
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_days: int = 30
    refresh_reuse_grace_seconds: int = 10
    password_reset_ttl_minutes: int = 60
    public_base_url: str = "http://localhost:8000"
    default_rate_limit_per_hour: int = 5000
    throttle: ThrottleConfig = field(default_factory=ThrottleConfig)


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


@dataclass(frozen=True)
class EventsConfig:
    """Live events: how long the event log keeps events for SSE resume, how many events a slow
    subscriber may have waiting before it is disconnected, and the SSE keep-alive period."""

    retention_hours: float = 24.0
    subscriber_queue_size: int = 1000
    sse_keepalive_seconds: float = 15.0


@dataclass(frozen=True)
class WebhookConfig:
    """Webhook delivery. ``allow_private`` lets destinations be plain HTTP or resolve to private or
    loopback addresses (local testing only). An attempt waits ``timeout_seconds`` for the receiver;
    a failed attempt is retried after ``backoff_base_seconds * 2 ** (attempt - 1)`` (capped at
    ``backoff_max_seconds``) until the delivery's ``max_attempts``; ``disable_after`` consecutive
    failed attempts disable the subscription."""

    allow_private: bool = False
    timeout_seconds: float = 10.0
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    disable_after: int = 15
    poll_seconds: float = 1.0
