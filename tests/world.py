"""A small world of two networks, built through the domain, for tests (tenant isolation above all)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.container import Services
from domain.models import (
    Charger,
    ChargerModel,
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

DRIVER_PASSWORD = "driver-pass-123"
CHARGER_PASSWORD = "charger-pass-123"
_CHARGER_PASSWORD_HASH = hash_password(CHARGER_PASSWORD)  # hashed once: argon2 is slow on purpose


@dataclass
class Net:
    network: Network
    location: Location
    charger: Charger
    connectors: list[Connector]
    tariff: Tariff
    assignment: TariffAssignment
    member: User
    driver: User
    token_uid: str
    token_uuid: str
    cpms_key: str
    emsp_key: str
    model: ChargerModel
    firmware: FirmwareImage

    def cpms(self) -> dict[str, str]:
        return {"X-API-Key": self.cpms_key}

    def emsp(self) -> dict[str, str]:
        return {"X-API-Key": self.emsp_key}


@dataclass
class World:
    a: Net
    b: Net
    services: Services


async def _net(services: Services, slug: str, name: str, letter: str) -> Net:
    async with services.db.unit_of_work() as s:
        network = Network(
            name=name,
            slug=slug,
            country="US",
            party_id="CG" + letter,
            currency="USD",
            contact_email=f"ops@{slug}.example.com",
            primary_color="#0EA5E9",
        )
        s.add(network)
        await s.flush()
        assert network.id is not None
        model = ChargerModel(manufacturer="ABB", name=f"Terra {letter}", max_power_kw=150)
        s.add(model)
        await s.flush()
        assert model.id is not None
        firmware = FirmwareImage(
            charger_model_id=model.id,
            version="1.5.32",
            file_name="fw.bin",
            file_url="https://firmware.example.com/fw.bin",
            is_latest=True,
        )
        location = Location(
            network_id=network.id,
            name=f"{name} Plaza",
            address="1 Main St",
            city="Carolina",
            state="PR",
            country="US",
            postal_code="00979",
            latitude=18.43,
            longitude=-66.06,
            has_parking=True,
        )
        s.add_all([firmware, location])
        await s.flush()
        charger = Charger(
            network_id=network.id,
            location_id=location.id,
            charger_model_id=model.id,
            uid=f"CP-{letter}-01",
            evse_id=f"US*CG{letter}*E0001",
            lookup_code=f"LK{letter}001",
            serial_number=f"SN-{letter}-0001",
            status="AVAILABLE",
            max_power_kw=22,
            ocpp_version="1.6",
            firmware_version="1.5.32",
            password_hash=_CHARGER_PASSWORD_HASH,
        )
        s.add(charger)
        await s.flush()
        assert charger.id is not None
        connectors = [
            Connector(
                charger_id=charger.id,
                connector_number=n,
                connector_identifier=f"{charger.uid}-{n}",
                max_voltage=400,
                max_amperage=32,
                max_electric_power_w=22000,
                status="AVAILABLE",
            )
            for n in (1, 2)
        ]
        tariff = Tariff(
            network_id=network.id,
            name="Standard AC",
            currency="USD",
            energy_rate=Decimal("0.35"),
            time_rate=Decimal(2),
            idle_rate=Decimal("0.5"),
            session_fee=Decimal(1),
        )
        s.add_all([*connectors, tariff])
        await s.flush()
        assert tariff.id is not None
        assignment = TariffAssignment(tariff_id=tariff.id, network_id=network.id, level="Network")
        member = User(
            network_id=None,
            email=f"manager@{slug}.example.com",
            first_name="Maria",
            last_name="Rivera",
            is_driver=False,
        )
        driver = User(
            network_id=network.id,
            email=f"driver@{slug}.example.com",
            first_name="Maya",
            last_name="Rivera",
            password_hash=hash_password(DRIVER_PASSWORD),
        )
        s.add_all([assignment, member, driver])
        await s.flush()
        assert member.id is not None
        s.add(TeamMembership(network_id=network.id, user_id=member.id, role="Manager"))
        token = await issue_token(s, network, driver, token_type="RFID", alias="Card")
        cpms = await api_keys.mint(
            s, api_keys.NewKey(name="ops", family="cpms", scopes=[], network_ids=[network.id]), 5000
        )
        emsp = await api_keys.mint(
            s, api_keys.NewKey(name="app", family="emsp", scopes=[], network_ids=[network.id]), 5000
        )
    return Net(
        network,
        location,
        charger,
        connectors,
        tariff,
        assignment,
        member,
        driver,
        token.uid,
        str(token.uuid),
        cpms.secret,
        emsp.secret,
        model,
        firmware,
    )


async def build_world(services: Services) -> World:
    a = await _net(services, "isla-verde", "Isla Verde", "A")
    b = await _net(services, "bay-area", "Bay Area", "B")
    return World(a, b, services)


async def gql(
    client: Any, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
