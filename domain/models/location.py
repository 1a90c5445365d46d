"""Locations (sites) of a network: address, coordinates, amenities, opening hours, images."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from domain.models.base import Entity, json_field, utc_field


class Location(Entity, table=True):
    __tablename__ = "location"

    network_id: int = Field(foreign_key="network.id", index=True)
    name: str = Field(max_length=200)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=60)
    postal_code: str | None = Field(default=None, max_length=20)
    contact_phone: str | None = Field(default=None, max_length=50)
    timezone: str | None = Field(default=None, max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    has_parking: bool = False
    has_restrooms: bool = False
    has_wifi: bool = False
    amenities: list[str] = json_field()
    opening_hours: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    images: list[dict[str, Any]] = json_field()
    is_published: bool = True
    updated_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field(index=True)
