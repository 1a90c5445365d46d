"""Drivers' reviews of locations: a 1-5 star rating and a comment, one per driver per location."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class LocationReview(Entity, table=True):
    __tablename__ = "location_review"
    __table_args__ = (
        UniqueConstraint("location_id", "user_id", name="uq_location_review_location_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_location_review_rating"),
        Index("ix_location_review_location_created", "location_id", "created_at"),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    rating: int
    comment: str | None = Field(default=None, max_length=2000)
    updated_at: datetime | None = utc_field()
