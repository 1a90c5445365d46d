"""Drivers' notification preferences and their devices' web-push subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from domain.models.base import Entity, utc_field


class NotificationPreference(Entity, table=True):
    """One row per driver; ``email`` / ``phone_number`` null mean "use the account's"."""

    __tablename__ = "notification_preference"

    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True, index=True)
    push_enabled: bool = True
    email_enabled: bool = True
    sms_enabled: bool = False
    notify_session_started: bool = True
    notify_session_stopped: bool = True
    notify_session_failed: bool = True
    notify_reservation_reminder: bool = True
    notify_payment: bool = True
    email: str | None = Field(default=None, max_length=320)
    phone_number: str | None = Field(default=None, max_length=40)
    updated_at: datetime | None = utc_field()


class PushSubscription(Entity, table=True):
    """A browser/device Web Push subscription (endpoint + the p256dh and auth keys)."""

    __tablename__ = "push_subscription"

    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    endpoint: str = Field(max_length=2048, unique=True, index=True)
    p256dh_key: str = Field(max_length=255)
    auth_key: str = Field(max_length=255)
    user_agent: str | None = Field(default=None, max_length=300)
    expires_at: datetime | None = utc_field()
    last_success_at: datetime | None = utc_field()
    last_failure_at: datetime | None = utc_field()
    failure_count: int = 0
