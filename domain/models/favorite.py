"""Drivers' favorite locations and chargers."""

from __future__ import annotations

from sqlalchemy import Index, text
from sqlmodel import Field

from domain.models.base import Entity


class Favorite(Entity, table=True):
    """``target_type`` is "location" or "charger"; the matching id is set (null if it could not resolve)."""

    __tablename__ = "favorite"
    __table_args__ = (
        Index(
            "uq_favorite_user_location",
            "user_id",
            "location_id",
            unique=True,
            sqlite_where=text("location_id IS NOT NULL"),
            postgresql_where=text("location_id IS NOT NULL"),
        ),
        Index(
            "uq_favorite_user_charger",
            "user_id",
            "charger_id",
            unique=True,
            sqlite_where=text("charger_id IS NOT NULL"),
            postgresql_where=text("charger_id IS NOT NULL"),
        ),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    target_type: str = Field(max_length=10)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    charger_id: int | None = Field(default=None, foreign_key="charger.id", index=True)
    label: str | None = Field(default=None, max_length=100)
