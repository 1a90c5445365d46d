"""``chargegraph seed --demo``: two demo networks, built idempotently through the domain.

Every row is looked up by a stable natural key (network slug, charger uid, user email, ...) before it is
created, so running the seed again adds nothing but a fresh pair of API keys per network (key secrets
are stored hashed and can never be shown twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from chargegraph.migrate import upgrade
from chargegraph.settings import get_settings
from domain.db import Database
from domain.errors import Conflict
from domain.models import (
    Charger,
    ChargerModel,
    ChargingToken,
    Connector,
    FirmwareImage,
    Location,
    Network,
    Tariff,
    TariffAssignment,
    TeamMembership,
    User,
)
from domain.secrets import hash_password
from domain.services import api_keys
from domain.services.charging_tokens import issue_token

DEMO_DRIVER_PASSWORD = "demo-driver-2026"
"""The demo drivers' password: printed by ``chargegraph seed --demo``, for local demos only."""
DEMO_CHARGER_PASSWORD = "demo-charger-2026-ocpp"
"""Every demo charger's OCPP (HTTP Basic) password; set only where a charger has none yet."""

T = TypeVar("T", bound=SQLModel)

_WEEKDAYS_6_TO_22 = {
    "twentyfourseven": False,
    "regularHours": [{"weekday": day, "periodBegin": "06:00", "periodEnd": "22:00"} for day in range(1, 8)],
}
_ALWAYS_OPEN = {"twentyfourseven": True, "regularHours": []}


@dataclass(frozen=True)
class ModelSpec:
    manufacturer: str
    name: str
    max_power_kw: float
    firmware: tuple[str, ...]
    """Catalogue versions, oldest first; the last one is the latest."""


@dataclass(frozen=True)
class ChargerSpec:
    uid: str
    model: ModelSpec
    ocpp_version: str
    dc: bool
    """DC fast chargers get a CCS cable and a CHAdeMO cable; AC ones two Type 2 sockets."""


@dataclass(frozen=True)
class LocationSpec:
    name: str
    address: str
    city: str
    state: str
    country: str
    postal_code: str
    latitude: float
    longitude: float
    amenities: tuple[str, ...]
    opening_hours: dict[str, Any]
    chargers: tuple[ChargerSpec, ...]


@dataclass(frozen=True)
class PersonSpec:
    email: str
    first_name: str
    last_name: str
    role: str = ""


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    slug: str
    description: str
    country: str
    party_id: str
    time_zone: str
    primary_color: str
    website: str
    locations: tuple[LocationSpec, ...]
    team: tuple[PersonSpec, ...]
    driver: PersonSpec
    token_uid: str


WALLBOX = ModelSpec("ABB", "Terra AC W22", 22, ("1.6.2", "1.7.0"))
FAST = ModelSpec("ABB", "Terra 184", 180, ("1.5.30", "1.5.32"))
ULTRA = ModelSpec("Tritium", "PKM150", 150, ("2.1.0", "2.2.1"))

DEMO_NETWORKS: tuple[NetworkSpec, ...] = (
    NetworkSpec(
        name="Isla Verde Charging",
        slug="isla-verde-charging",
        description="Demo network: public charging along the north coast of Puerto Rico.",
        country="US",
        party_id="IVC",
        time_zone="America/Puerto_Rico",
        primary_color="#0EA5E9",
        website="https://isla-verde.example.com",
        locations=(
            LocationSpec(
                name="Isla Verde Beach Plaza",
                address="5900 Av. Isla Verde",
                city="Carolina",
                state="PR",
                country="US",
                postal_code="00979",
                latitude=18.4431,
                longitude=-66.0186,
                amenities=("PARKING", "RESTROOMS", "WIFI", "CAFE"),
                opening_hours=_ALWAYS_OPEN,
                chargers=(
                    ChargerSpec("IVC-PLAZA-01", WALLBOX, "1.6", dc=False),
                    ChargerSpec("IVC-PLAZA-02", WALLBOX, "1.6", dc=False),
                    ChargerSpec("IVC-PLAZA-03", FAST, "2.0.1", dc=True),
                ),
            ),
            LocationSpec(
                name="Old San Juan Garage",
                address="100 Calle Recinto Sur",
                city="San Juan",
                state="PR",
                country="US",
                postal_code="00901",
                latitude=18.4647,
                longitude=-66.1170,
                amenities=("PARKING", "SHOPPING"),
                opening_hours=_WEEKDAYS_6_TO_22,
                chargers=(
                    ChargerSpec("IVC-OSJ-01", WALLBOX, "1.6", dc=False),
                    ChargerSpec("IVC-OSJ-02", FAST, "2.0.1", dc=True),
                ),
            ),
        ),
        team=(
            PersonSpec("owner@isla-verde.example.com", "Luis", "Ortega", "Admin"),
            PersonSpec("manager@isla-verde.example.com", "Maria", "Rivera", "Manager"),
        ),
        driver=PersonSpec("driver@isla-verde.example.com", "Maya", "Rivera"),
        token_uid="IVCDEMO0001",
    ),
    NetworkSpec(
        name="Bay Area Volts",
        slug="bay-area-volts",
        description="Demo network: workplace and highway charging around San Francisco Bay.",
        country="US",
        party_id="BAV",
        time_zone="America/Los_Angeles",
        primary_color="#F59E0B",
        website="https://bay-area-volts.example.com",
        locations=(
            LocationSpec(
                name="Mission Bay Commons",
                address="1600 Owens St",
                city="San Francisco",
                state="CA",
                country="US",
                postal_code="94158",
                latitude=37.7680,
                longitude=-122.3930,
                amenities=("PARKING", "RESTROOMS", "WIFI"),
                opening_hours=_WEEKDAYS_6_TO_22,
                chargers=(
                    ChargerSpec("BAV-MB-01", WALLBOX, "2.0.1", dc=False),
                    ChargerSpec("BAV-MB-02", WALLBOX, "2.0.1", dc=False),
                ),
            ),
            LocationSpec(
                name="Fremont Highway Hub",
                address="43500 Christy St",
                city="Fremont",
                state="CA",
                country="US",
                postal_code="94538",
                latitude=37.5010,
                longitude=-121.9710,
                amenities=("PARKING", "RESTROOMS", "CAFE"),
                opening_hours=_ALWAYS_OPEN,
                chargers=(
                    ChargerSpec("BAV-FH-01", ULTRA, "1.6", dc=True),
                    ChargerSpec("BAV-FH-02", ULTRA, "1.6", dc=True),
                    ChargerSpec("BAV-FH-03", WALLBOX, "2.0.1", dc=False),
                ),
            ),
        ),
        team=(
            PersonSpec("owner@bay-area-volts.example.com", "Sam", "Chen", "Admin"),
            PersonSpec("tech@bay-area-volts.example.com", "Priya", "Nair", "Technician"),
        ),
        driver=PersonSpec("driver@bay-area-volts.example.com", "Alex", "Kim"),
        token_uid="BAVDEMO0001",
    ),
)


async def _find(session: AsyncSession, model: type[T], **keys: Any) -> T | None:
    """The row of ``model`` whose columns equal ``keys`` (``None`` matches SQL NULL)."""
    stmt = select(model).where(*(col(getattr(model, name)) == value for name, value in keys.items()))
    return (await session.exec(stmt)).first()


async def _ensure(session: AsyncSession, model: type[T], keys: dict[str, Any], **values: Any) -> T:
    """The row of ``model`` with natural key ``keys``; created with ``values`` when missing."""
    row = await _find(session, model, **keys)
    if row is None:
        row = model(**keys, **values)
        session.add(row)
        await session.flush()
    return row


def _id(row: Network | Location | Charger | ChargerModel | Tariff | User) -> int:
    assert row.id is not None
    return row.id


async def _charger_model(session: AsyncSession, spec: ModelSpec) -> ChargerModel:
    model = await _ensure(
        session,
        ChargerModel,
        {"manufacturer": spec.manufacturer, "name": spec.name},
        max_power_kw=spec.max_power_kw,
    )
    for version in spec.firmware:
        slug = spec.name.lower().replace(" ", "-")
        await _ensure(
            session,
            FirmwareImage,
            {"charger_model_id": _id(model), "network_id": None, "version": version},
            file_name=f"{slug}-{version}.bin",
            file_url=f"https://firmware.example.com/{slug}/{version}.bin",
            release_notes=f"{spec.manufacturer} {spec.name} firmware {version}.",
            is_latest=version == spec.firmware[-1],
            released_at=datetime.fromisoformat("2026-01-15T00:00:00+00:00"),
        )
    return model


def _connectors(charger: Charger, dc: bool) -> list[dict[str, Any]]:
    if dc:
        return [
            {
                "standard": standard,
                "format": "CABLE",
                "power_type": "DC",
                "max_voltage": 920,
                "max_amperage": 200,
                "max_electric_power_w": int((charger.max_power_kw or 50) * 1000),
            }
            for standard in ("IEC_62196_T1_COMBO", "CHADEMO")
        ]
    return [
        {
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "max_voltage": 400,
            "max_amperage": 32,
            "max_electric_power_w": 22000,
        }
    ] * 2


async def _charger(
    session: AsyncSession, network: Network, location: Location, spec: ChargerSpec, serial: int
) -> Charger:
    model = await _charger_model(session, spec.model)
    charger = await _find(session, Charger, uid=spec.uid, deleted_at=None)
    if charger is not None and charger.network_id != network.id:
        raise Conflict(f"charger uid {spec.uid!r} belongs to another network", error="charger_exists")
    if charger is None:
        charger = Charger(
            network_id=_id(network),
            location_id=_id(location),
            charger_model_id=_id(model),
            uid=spec.uid,
            evse_id=f"{network.country}*{network.party_id}*E{serial:04d}",
            lookup_code=f"{network.party_id}{serial:05d}",
            serial_number=f"SN-{spec.uid}",
            max_power_kw=spec.model.max_power_kw,
            ocpp_version=spec.ocpp_version,
            vendor=spec.model.manufacturer,
            model_name=spec.model.name,
            firmware_version=spec.model.firmware[-1],
            latitude=location.latitude,
            longitude=location.longitude,
        )
        session.add(charger)
        await session.flush()
    if charger.password_hash is None:
        charger.password_hash = hash_password(DEMO_CHARGER_PASSWORD)
    for number, fields in enumerate(_connectors(charger, spec.dc), start=1):
        await _ensure(
            session,
            Connector,
            {"charger_id": _id(charger), "connector_number": number, "deleted_at": None},
            connector_identifier=f"{charger.uid}-{number}",
            **fields,
        )
    return charger


async def _tariffs(session: AsyncSession, network: Network) -> None:
    standard = await _ensure(
        session,
        Tariff,
        {"network_id": _id(network), "name": "Standard", "deleted_at": None},
        description="Default rate at every site of the network.",
        currency=network.currency,
        energy_rate=Decimal("0.35"),
        time_rate=Decimal("1.20"),
        session_fee=Decimal("1.00"),
        idle_rate=Decimal("0.40"),
        idle_grace_period_minutes=15,
        idle_fee_enabled=True,
        idle_fee_maximum=Decimal("20.00"),
    )
    await _ensure(
        session,
        Tariff,
        {"network_id": _id(network), "name": "Off-peak", "deleted_at": None},
        description="Cheaper energy outside 16:00-21:00.",
        type="REGULAR",
        currency=network.currency,
        energy_rate=Decimal("0.22"),
        session_fee=Decimal("0.50"),
        peak_hours_start="16:00",
        peak_hours_end="21:00",
        peak_multiplier=Decimal("1.5"),
    )
    await _ensure(
        session,
        TariffAssignment,
        {"tariff_id": _id(standard), "network_id": _id(network), "level": "Network"},
    )


async def _team(session: AsyncSession, network: Network, team: tuple[PersonSpec, ...]) -> None:
    for person in team:
        user = await _ensure(
            session,
            User,
            {"email": person.email, "network_id": None},
            first_name=person.first_name,
            last_name=person.last_name,
            is_driver=False,
        )
        await _ensure(
            session, TeamMembership, {"network_id": _id(network), "user_id": _id(user)}, role=person.role
        )


async def _driver(session: AsyncSession, network: Network, spec: NetworkSpec) -> ChargingToken:
    person = spec.driver
    driver = await _find(session, User, network_id=_id(network), email=person.email)
    if driver is None:
        driver = User(
            network_id=_id(network),
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            password_hash=hash_password(DEMO_DRIVER_PASSWORD),
            email_verified=True,
        )
        session.add(driver)
        await session.flush()
    token = await _find(session, ChargingToken, network_id=_id(network), uid=spec.token_uid)
    if token is None:
        token = await issue_token(
            session, network, driver, token_type="RFID", uid=spec.token_uid, alias="Demo card"
        )
    return token


async def _network(session: AsyncSession, spec: NetworkSpec, rate_limit: int, serial: int) -> dict[str, Any]:
    network = await _ensure(
        session,
        Network,
        {"slug": spec.slug},
        name=spec.name,
        description=spec.description,
        contact_email=f"ops@{spec.slug}.example.com",
        website=spec.website,
        country=spec.country,
        party_id=spec.party_id,
        currency="USD",
        time_zone=spec.time_zone,
        primary_color=spec.primary_color,
    )
    chargers: list[dict[str, Any]] = []
    for place in spec.locations:
        location = await _ensure(
            session,
            Location,
            {"network_id": _id(network), "name": place.name, "deleted_at": None},
            address=place.address,
            city=place.city,
            state=place.state,
            country=place.country,
            postal_code=place.postal_code,
            timezone=spec.time_zone,
            latitude=place.latitude,
            longitude=place.longitude,
            has_parking="PARKING" in place.amenities,
            has_restrooms="RESTROOMS" in place.amenities,
            has_wifi="WIFI" in place.amenities,
            amenities=list(place.amenities),
            opening_hours=place.opening_hours,
            is_published=True,
        )
        for charger_spec in place.chargers:
            serial += 1
            charger = await _charger(session, network, location, charger_spec, serial)
            chargers.append(
                {
                    "uid": charger.uid,
                    "uuid": str(charger.uuid),
                    "ocppVersion": charger.ocpp_version,
                    "password": DEMO_CHARGER_PASSWORD,
                    "connectors": [1, 2],
                }
            )
    await _tariffs(session, network)
    await _team(session, network, spec.team)
    token = await _driver(session, network, spec)
    cpms = await api_keys.mint(
        session,
        api_keys.NewKey(name="Demo operator", family="cpms", scopes=["cpms:*"], network_ids=[_id(network)]),
        rate_limit,
    )
    emsp = await api_keys.mint(
        session,
        api_keys.NewKey(
            name="Demo app",
            family="emsp",
            scopes=["emsp:*"],
            network_ids=[_id(network)],
            visibility="Private",
        ),
        rate_limit,
    )
    return {
        "name": network.name,
        "uuid": str(network.uuid),
        "cpmsKey": cpms.secret,
        "emspKey": emsp.secret,
        "driver": {"email": spec.driver.email, "password": DEMO_DRIVER_PASSWORD, "tokenUid": token.uid},
        "chargers": chargers,
    }


async def seed_demo() -> dict[str, Any]:
    """Migrate, then make sure both demo networks exist; mint fresh keys for each."""
    settings = get_settings()
    db = Database.from_url(settings.database_url)
    try:
        await upgrade(db)
        networks = []
        for index, spec in enumerate(DEMO_NETWORKS):
            async with db.unit_of_work() as session:
                networks.append(
                    await _network(session, spec, settings.default_rate_limit_per_hour, serial=index * 100)
                )
        return {"networks": networks}
    finally:
        await db.dispose()
