"""Chargers, their connectors, the charger-model catalogue and firmware images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field

from domain.models.base import Entity, utc_field


class ChargerModel(Entity, table=True):
    __tablename__ = "charger_model"

    manufacturer: str = Field(max_length=120)
    name: str = Field(max_length=120)
    max_power_kw: float | None = None
    ocpp_versions: str = Field(default="1.6,2.0.1", max_length=40)


class FirmwareImage(Entity, table=True):
    """A firmware image in the catalogue; ``network_id`` set means private to that network."""

    __tablename__ = "firmware_image"

    charger_model_id: int = Field(foreign_key="charger_model.id", index=True)
    network_id: int | None = Field(default=None, foreign_key="network.id", index=True)
    version: str = Field(max_length=60)
    file_name: str = Field(max_length=200)
    file_url: str = Field(max_length=1000)
    file_size_bytes: int | None = None
    release_notes: str | None = None
    ocpp_version_support: str = Field(default="1.6,2.0.1", max_length=40)
    checksum: str | None = Field(default=None, max_length=128)
    is_latest: bool = False
    released_at: datetime | None = utc_field()


class Charger(Entity, table=True):
    __tablename__ = "charger"
    __table_args__ = (
        Index(
            "uq_charger_live_uid",
            "uid",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    network_id: int = Field(foreign_key="network.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    charger_model_id: int | None = Field(default=None, foreign_key="charger_model.id", index=True)
    uid: str = Field(max_length=48, index=True)
    evse_id: str = Field(max_length=48, unique=True)
    lookup_code: str = Field(max_length=8, unique=True)
    serial_number: str | None = Field(default=None, max_length=100)
    status: str = Field(default="UNKNOWN", max_length=20)
    error_code: str | None = Field(default=None, max_length=50)
    is_public: bool = True
    max_power_kw: float | None = None
    security_profile: int = 1
    password_hash: str | None = Field(default=None, max_length=255)
    ocpp_version: str | None = Field(default=None, max_length=8)
    vendor: str | None = Field(default=None, max_length=100)
    model_name: str | None = Field(default=None, max_length=100)
    firmware_version: str | None = Field(default=None, max_length=60)
    iccid: str | None = Field(default=None, max_length=30)
    imsi: str | None = Field(default=None, max_length=30)
    meter_type: str | None = Field(default=None, max_length=60)
    meter_serial_number: str | None = Field(default=None, max_length=60)
    installation_date: datetime | None = utc_field()
    floor_level: str | None = Field(default=None, max_length=20)
    physical_reference: str | None = Field(default=None, max_length=100)
    latitude: float | None = None
    longitude: float | None = None
    last_heartbeat: datetime | None = utc_field()
    last_boot_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field(index=True)


class Connector(Entity, table=True):
    __tablename__ = "connector"
    __table_args__ = (
        Index(
            "uq_connector_live_number",
            "charger_id",
            "connector_number",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    charger_id: int = Field(foreign_key="charger.id", index=True)
    connector_number: int
    connector_identifier: str = Field(max_length=64)
    standard: str = Field(default="IEC_62196_T2", max_length=40)
    format: str = Field(default="SOCKET", max_length=10)
    power_type: str = Field(default="AC_3_PHASE", max_length=12)
    max_voltage: int | None = None
    max_amperage: int | None = None
    max_electric_power_w: int | None = None
    status: str | None = Field(default=None, max_length=20)
    error_code: str | None = Field(default=None, max_length=50)
    last_status_update: datetime | None = utc_field()
    has_rfid_reader: bool = True
    has_display: bool = False
    updated_at: datetime | None = utc_field()
    deleted_at: datetime | None = utc_field(index=True)
