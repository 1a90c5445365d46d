"""Over-the-air firmware updates on a live charger (1.6 and 2.0.1): a catalogue image or a raw URL,
the charger's status notifications reaching /firmware/status, rejections, offline chargers, reach."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from domain.models import FirmwareImage, FirmwareUpdate
from tests import device_control
from tests.device_control import VERSIONS, charger, eventually
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.world import World, gql

UPDATE = "/cpms/v1/chargers/{chargerUuid}/firmware/update"
STATUS = "/cpms/v1/chargers/{chargerUuid}/firmware/status"

# The device-control fixtures: the app on a known port, a short command timeout, uploads in tmp.
settings = device_control.settings


def url(world: World, suffix: str) -> str:
    return f"/cpms/v1/chargers/{world.a.charger.uuid}/firmware/{suffix}"


async def status(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    r = await client.get(url(world, "status"), headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", STATUS, r.json())
    data: dict[str, Any] = r.json()["data"]
    return data


async def count_updates(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(FirmwareUpdate))).one())


@pytest.mark.parametrize("version", VERSIONS)
async def test_catalogue_image_installs(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    assert (await status(client, world))["lastFirmwareUpdate"] is None
    async with charger(server, world.a, version) as cp:
        r = await client.post(
            url(world, "update"),
            json={"firmwareVersionId": str(world.a.firmware.uuid)},
            headers=world.a.cpms(),
        )
        assert r.status_code == 200, r.text
        assert_shape("POST", UPDATE, r.json())
        data = r.json()["data"]
        assert data["firmwareVersionId"] == str(world.a.firmware.uuid)
        assert (data["firmwareVersion"], data["location"]) == ("1.5.32", world.a.firmware.file_url)
        assert data["accepted"] is True and "FirmwareStatusNotification" in data["message"]
        sent = await cp.wait_for("UpdateFirmware")
        if version == "1.6":
            assert sent["location"] == world.a.firmware.file_url and sent["retrieveDate"].endswith("Z")
        else:
            assert sent["firmware"]["location"] == world.a.firmware.file_url
            assert sent["firmware"]["retrieveDateTime"].endswith("Z")
            assert isinstance(sent["requestId"], int)

        async def installed() -> bool:
            latest = (await status(client, world))["lastFirmwareUpdate"]
            return latest is not None and latest["status"] == "Installed"

        await eventually(installed)
        latest = (await status(client, world))["lastFirmwareUpdate"]
        assert latest["firmwareVersionId"] == str(world.a.firmware.uuid) and latest["accepted"] is True

        body = await gql(
            client,
            """query($id: UUID!) { firmwareStatus(chargerId: $id) {
                 isOnline ocppVersion lastFirmwareUpdate { status firmwareVersion requestId } } }""",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        got = body["data"]["firmwareStatus"]
        assert got["lastFirmwareUpdate"]["status"] == "Installed"
        assert got["lastFirmwareUpdate"]["firmwareVersion"] == "1.5.32"


@pytest.mark.parametrize("version", VERSIONS)
async def test_raw_url_through_graphql_and_rejection(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    raw = "https://downloads.example.com/fw-2.0.bin"
    query = """mutation($id: UUID!, $loc: String!) { updateFirmware(chargerId: $id, location: $loc) {
                 update { status location firmwareVersionId requestId }
                 result { accepted status retryable } } }"""
    async with charger(server, world.a, version) as cp:
        body = await gql(client, query, {"id": str(world.a.charger.uuid), "loc": raw}, world.a.cpms())
        assert "errors" not in body, body
        payload = body["data"]["updateFirmware"]
        assert payload["result"]["accepted"] is True
        assert payload["update"]["location"] == raw and payload["update"]["firmwareVersionId"] is None
        sent = await cp.wait_for("UpdateFirmware")
        assert (sent["location"] if version == "1.6" else sent["firmware"]["location"]) == raw

        if version == "2.0.1":
            cp.responses["UpdateFirmware"] = "Rejected"
            r = await client.post(url(world, "update"), json={"location": raw}, headers=world.a.cpms())
            data = r.json()["data"]
            assert data["accepted"] is False and data["firmwareVersionId"] is None
            assert data["payload"] == '{"status":"Rejected"}'
            async with world.services.db.session() as s:
                row = (
                    await s.exec(select(FirmwareUpdate).order_by(col(FirmwareUpdate.id).desc()).limit(1))
                ).one()
            assert row.status == "Rejected" and row.accepted is False


async def test_offline_incompatible_and_foreign(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        url(world, "update"), json={"firmwareVersionId": str(world.a.firmware.uuid)}, headers=world.a.cpms()
    )
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["accepted"] is False and data["payload"] is None
    latest = (await status(client, world))["lastFirmwareUpdate"]
    assert latest["accepted"] is False and latest["status"] == "NotSent"

    before = await count_updates(world)
    # Network B's model: a public image, but not for this charger's model.
    r = await client.post(
        url(world, "update"), json={"firmwareVersionId": str(world.b.firmware.uuid)}, headers=world.a.cpms()
    )
    assert r.status_code == 422
    assert_error(r.json(), "firmware_incompatible")
    # An image private to network B is not even visible.
    async with world.services.db.unit_of_work() as s:
        private = FirmwareImage(
            charger_model_id=world.a.model.id or 0,
            network_id=world.b.network.id,
            version="9.9",
            file_name="p.bin",
            file_url="https://b.example.com/p.bin",
        )
        s.add(private)
    r = await client.post(
        url(world, "update"), json={"firmwareVersionId": str(private.uuid)}, headers=world.a.cpms()
    )
    assert r.status_code == 404
    for bad in (
        {},
        {"location": "file:///etc/passwd"},
        {"location": "https://x.example.com/a.bin", "firmwareVersionId": str(world.a.firmware.uuid)},
    ):
        r = await client.post(url(world, "update"), json=bad, headers=world.a.cpms())
        assert r.status_code == 422, bad
    r = await client.post(
        url(world, "update"), json={"location": "https://x.example.com/a.bin"}, headers=world.b.cpms()
    )
    assert r.status_code == 404
    r = await client.get(url(world, "status"), headers=world.b.cpms())
    assert r.status_code == 404
    assert await count_updates(world) == before
