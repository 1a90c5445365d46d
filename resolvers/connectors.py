"""Connectors: add to a charger, read, change, soft-delete; batch loading by charger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from pydantic import Field, field_validator
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import Conflict, not_found
from domain.models import Charger, Connector, TariffAssignment
from domain.principal import Principal
from domain.services.charger_status import CONNECTOR_STATUSES, normalize
from domain.services.tenancy import reachable
from domain.types import utcnow
from resolvers import chargers
from resolvers.context import Context
from resolvers.inputs import Input

READ = chargers.READ
WRITE = chargers.WRITE

STANDARDS = (
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "CHADEMO",
    "CCS",
    "GBT_AC",
    "GBT_DC",
    "TESLA_R",
    "TESLA_S",
    "NACS",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_F",
    "DOMESTIC_G",
)
FORMATS = ("SOCKET", "CABLE")
POWER_TYPES = ("AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC")


def _connector_status(value: str | None) -> str | None:
    if value is None:
        return None
    stored = normalize(value)
    if stored not in CONNECTOR_STATUSES:
        raise ValueError(f"unknown connector status {value!r}")
    return stored


def _watts(kw: Decimal | None) -> int | None:
    return None if kw is None else int((kw * 1000).to_integral_value())


class ConnectorFields(Input):
    max_voltage: int | None = Field(default=None, ge=1, le=2000)
    max_amperage: int | None = Field(default=None, ge=1, le=2000)
    max_power: Decimal | None = Field(default=None, gt=0, le=2000, description="kW")

    @field_validator("standard", "format", "power_type", check_fields=False)
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    @field_validator("standard", check_fields=False)
    @classmethod
    def _standard(cls, value: str | None) -> str | None:
        if value is not None and value not in STANDARDS:
            raise ValueError(f"must be one of {', '.join(STANDARDS)}")
        return value

    @field_validator("format", check_fields=False)
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(f"must be one of {', '.join(FORMATS)}")
        return value

    @field_validator("power_type", check_fields=False)
    @classmethod
    def _power_type(cls, value: str | None) -> str | None:
        if value is not None and value not in POWER_TYPES:
            raise ValueError(f"must be one of {', '.join(POWER_TYPES)}")
        return value


class ConnectorCreate(ConnectorFields):
    standard: str = "IEC_62196_T2"
    format: str = "SOCKET"
    power_type: str = "AC_3_PHASE"
    connector_number: int | None = Field(default=None, ge=1, le=99)


class ConnectorUpdate(ConnectorFields):
    standard: str | None = None
    format: str | None = None
    power_type: str | None = None
    status: str | None = Field(default=None, max_length=20)

    _check_status = field_validator("status")(_connector_status)


def _number_taken(number: int | None) -> Conflict:
    which = f"Connector {number}" if number is not None else "That connector number"
    return Conflict(f"{which} already exists on this charger", error="connector_exists")


@dataclass(frozen=True)
class ConnectorRemoved:
    connector: Connector
    assignments: int


@dataclass(frozen=True)
class ConnectorState:
    """A connector with the charger it belongs to (for status and REST rendering)."""

    connector: Connector
    charger: Charger


async def _load(session: AsyncSession, principal: Principal, connector_uuid: UUID) -> ConnectorState:
    stmt = (
        select(Connector, Charger)
        .join(Charger, col(Charger.id) == col(Connector.charger_id))
        .where(
            Connector.uuid == connector_uuid,
            col(Connector.deleted_at).is_(None),
            *chargers.visible(principal),  # type: ignore[arg-type]
        )
    )
    found = (await session.exec(stmt)).first()
    if found is None:
        raise not_found("Connector")
    return ConnectorState(found[0], found[1])


async def get_connector(ctx: Context, connector_uuid: UUID) -> Connector:
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return (await _load(session, ctx.principal, connector_uuid)).connector


async def connector_state(ctx: Context, connector_uuid: UUID) -> ConnectorState:
    """The connector and its charger (for live status: the charger's heartbeat says if it is online)."""
    ctx.principal.require(*READ)
    async with ctx.db.session() as session:
        return await _load(session, ctx.principal, connector_uuid)


async def add_connector(ctx: Context, charger_uuid: UUID, data: ConnectorCreate) -> ConnectorState:
    """Add a connector; its number defaults to the next free one, a taken number is a conflict."""
    ctx.principal.require(*WRITE)
    try:
        async with ctx.db.unit_of_work() as session:
            charger = await chargers.load(session, ctx.principal, charger_uuid)
            assert charger.id is not None
            numbers = set(
                (
                    await session.exec(
                        select(Connector.connector_number).where(
                            Connector.charger_id == charger.id, col(Connector.deleted_at).is_(None)
                        )
                    )
                ).all()
            )
            number = data.connector_number
            if number is None:
                number = max(numbers, default=0) + 1
            elif number in numbers:
                raise _number_taken(number)
            now = utcnow()
            connector = Connector(
                charger_id=charger.id,
                connector_number=number,
                connector_identifier=f"{charger.uid}-{number}",
                standard=data.standard,
                format=data.format,
                power_type=data.power_type,
                max_voltage=data.max_voltage,
                max_amperage=data.max_amperage,
                max_electric_power_w=_watts(data.max_power),
                updated_at=now,
            )
            session.add(connector)
            await session.flush()
    except IntegrityError as exc:  # a concurrent add of the same number
        raise _number_taken(data.connector_number) from exc
    return ConnectorState(connector, charger)


async def update_connector(ctx: Context, connector_uuid: UUID, data: ConnectorUpdate) -> ConnectorState:
    ctx.principal.require(*WRITE)
    async with ctx.db.unit_of_work() as session:
        state = await _load(session, ctx.principal, connector_uuid)
        connector = state.connector
        for name, value in data.given().items():
            if name == "max_power":
                connector.max_electric_power_w = _watts(value)  # type: ignore[arg-type]
            elif value is not None or name in ("max_voltage", "max_amperage"):
                setattr(connector, name, value)
        now = utcnow()
        if "status" in data.given():
            connector.last_status_update = now
        connector.updated_at = now
        session.add(connector)
    return state


async def delete_connector(ctx: Context, connector_uuid: UUID) -> ConnectorRemoved:
    """Soft-delete; active connector-level tariff assignments are deactivated."""
    ctx.principal.require(*WRITE)
    now = utcnow()
    async with ctx.db.unit_of_work() as session:
        connector = (await _load(session, ctx.principal, connector_uuid)).connector
        active = (
            col(TariffAssignment.connector_id) == connector.id,
            col(TariffAssignment.is_active).is_(True),
        )
        count = (await session.exec(select(func.count()).select_from(TariffAssignment).where(*active))).one()
        if count:
            await session.exec(
                update(TariffAssignment).where(*active).values(is_active=False, deactivated_at=now)
            )
        connector.deleted_at = now
        connector.updated_at = now
        session.add(connector)
    return ConnectorRemoved(connector, int(count))


async def connectors_by_charger_id(ctx: Context, charger_ids: Sequence[int]) -> list[list[Connector]]:
    """The active connectors of each charger, by connector number; other tenants' chargers get none."""
    async with ctx.db.session() as session:
        stmt = (
            select(Connector)
            .join(Charger, col(Charger.id) == col(Connector.charger_id))
            .where(
                col(Connector.charger_id).in_(list(charger_ids)),
                col(Connector.deleted_at).is_(None),
                reachable(ctx.principal, Charger.network_id),
            )
            .order_by(col(Connector.charger_id), col(Connector.connector_number))
        )
        rows = (await session.exec(stmt)).all()
    grouped: dict[int, list[Connector]] = {i: [] for i in charger_ids}
    for row in rows:
        grouped.setdefault(row.charger_id, []).append(row)
    return [grouped[i] for i in charger_ids]


def power_kw(connector: Connector) -> float | None:
    """The connector's maximum power in kW (stored as watts)."""
    watts = connector.max_electric_power_w
    if watts is None:
        return None
    kw = watts / 1000
    return int(kw) if kw.is_integer() else kw


def rated_kw(charger: Charger, connectors: Sequence[Connector]) -> float | None:
    """The charger's rated power, else that of its strongest connector."""
    if charger.max_power_kw is not None:
        return charger.max_power_kw
    powers = [p for p in (power_kw(c) for c in connectors) if p is not None]
    return max(powers, default=None)
