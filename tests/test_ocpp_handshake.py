"""The OCPP handshake: subprotocols, HTTP Basic per charger, refusals recorded, auto-registration."""

from __future__ import annotations

import pytest
from sqlmodel import select
from websockets.exceptions import InvalidStatus

from domain.models import Charger, ChargerConnection
from domain.secrets import verify_password
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.ocpp_wire import eventually, open_raw
from tests.world import CHARGER_PASSWORD, World


async def _refused(server: LiveServer, uid: str, *, protocols: list[str], password: str | None) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await open_raw(server.ocpp_url(), uid, protocols=protocols, password=password)
    return caught.value.response.status_code


async def _connections(world: World, charger_id: int | None) -> list[ChargerConnection]:
    async with world.services.db.session() as s:
        stmt = select(ChargerConnection).where(ChargerConnection.charger_id == charger_id)
        return list((await s.exec(stmt.order_by(ChargerConnection.id))).all())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offered", "chosen"), [(["ocpp1.6"], "ocpp1.6"), (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1")]
)
async def test_subprotocol_is_negotiated(
    server: LiveServer, world: World, offered: list[str], chosen: str
) -> None:
    ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=offered, password=CHARGER_PASSWORD)
    try:
        assert ws.subprotocol == chosen
    finally:
        await ws.close()
    rows = await eventually(lambda: _connections(world, world.a.charger.id))
    assert rows[0].status == "Connected"
    assert rows[0].ocpp_version == chosen.removeprefix("ocpp")
    assert rows[0].ip_address == "127.0.0.1"


async def test_other_or_missing_subprotocol_is_refused(server: LiveServer, world: World) -> None:
    assert await _refused(server, "CP-A-01", protocols=["ocpp1.5"], password=CHARGER_PASSWORD) == 403
    assert await _refused(server, "CP-A-01", protocols=[], password=CHARGER_PASSWORD) == 403


async def test_unknown_identity_and_wrong_password_are_refused(server: LiveServer, world: World) -> None:
    assert await _refused(server, "CP-NOPE", protocols=["ocpp1.6"], password=CHARGER_PASSWORD) == 403
    assert await _refused(server, "CP-A-01", protocols=["ocpp1.6"], password="wrong-password-123") == 403
    assert await _refused(server, "CP-A-01", protocols=["ocpp1.6"], password=None) == 403
    rows = await _connections(world, world.a.charger.id)
    assert [r.status for r in rows] == ["Rejected", "Rejected"]
    assert rows[0].reason == "Wrong password"


async def test_a_charger_without_a_password_is_refused(server: LiveServer, world: World) -> None:
    async with world.services.db.unit_of_work() as s:
        charger = await s.get(Charger, world.b.charger.id)
        assert charger is not None
        charger.password_hash = None
    assert await _refused(server, "CP-B-01", protocols=["ocpp2.0.1"], password="anything-at-all-1") == 403


async def test_disconnect_is_recorded_with_its_close_code(server: LiveServer, world: World) -> None:
    async with SimulatedCharger(server.ocpp_url(), "CP-A-01", version="1.6", password=CHARGER_PASSWORD):
        pass

    async def closed() -> list[ChargerConnection]:
        rows = await _connections(world, world.a.charger.id)
        return rows if [r.status for r in rows] == ["Connected", "Disconnected"] else []

    rows = await eventually(closed)
    assert rows[1].close_code == 1000


@pytest.fixture
def auto_register(world: World) -> None:
    from dataclasses import replace

    services = world.services
    object.__setattr__(
        services, "ocpp", replace(services.ocpp, auto_register_network=str(world.b.network.uuid))
    )


@pytest.mark.usefixtures("auto_register")
async def test_auto_register_adds_unknown_chargers_to_the_network(server: LiveServer, world: World) -> None:
    async with SimulatedCharger(
        server.ocpp_url(), "NEW-CP-9", version="2.0.1", password="its-own-password"
    ) as cp:
        assert cp.last_boot is not None and cp.last_boot["status"] == "Accepted"
    async with world.services.db.session() as s:
        charger = (await s.exec(select(Charger).where(Charger.uid == "NEW-CP-9"))).one()
    assert charger.network_id == world.b.network.id
    assert charger.evse_id and charger.lookup_code
    assert verify_password(charger.password_hash, "its-own-password")
    assert charger.vendor == "ChargeGraph" and charger.ocpp_version == "2.0.1"
    # Registered once: the next connection must present the same password.
    assert await _refused(server, "NEW-CP-9", protocols=["ocpp2.0.1"], password="another-password") == 403
