"""The firmware catalogue: /cpms/v1/firmware, /cpms/v1/charger-models/{modelId}/firmware, firmwareImages."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.models import ChargerModel, FirmwareImage
from tests.spec import assert_error, assert_shape
from tests.world import World, gql


async def _catalogue(world: World) -> dict[str, FirmwareImage]:
    """Beside each network's public 1.5.32: a newer public image for A's model, one private to A,
    one private to B on A's model, and an image of a model nobody runs."""
    assert world.a.model.id is not None and world.b.model.id is not None
    async with world.services.db.unit_of_work() as s:
        orphan = ChargerModel(manufacturer="Nobody", name="Unused")
        s.add(orphan)
        await s.flush()
        assert orphan.id is not None
        images = {
            "newer": FirmwareImage(
                charger_model_id=world.a.model.id,
                version="1.6.0",
                file_name="fw-1.6.0.bin",
                file_url="https://firmware.example.com/fw-1.6.0.bin",
                file_size_bytes=8388608,
                checksum="ab" * 32,
                released_at=datetime(2026, 5, 1, tzinfo=UTC),
            ),
            "a_private": FirmwareImage(
                charger_model_id=orphan.id,
                network_id=world.a.network.id,
                version="9.9.9-a",
                file_name="a.bin",
                file_url="https://firmware.example.com/a.bin",
            ),
            "b_private": FirmwareImage(
                charger_model_id=world.a.model.id,
                network_id=world.b.network.id,
                version="9.9.9-b",
                file_name="b.bin",
                file_url="https://firmware.example.com/b.bin",
            ),
            "orphan": FirmwareImage(
                charger_model_id=orphan.id,
                version="0.1",
                file_name="o.bin",
                file_url="https://x.example.com/o.bin",
            ),
        }
        s.add_all(images.values())
    return images


async def test_firmware_catalogue_for_the_fleet(client: httpx.AsyncClient, world: World) -> None:
    images = await _catalogue(world)
    r = await client.get("/cpms/v1/firmware", headers=world.a.cpms())
    assert r.status_code == 200, r.text
    body = r.json()
    assert_shape("GET", "/cpms/v1/firmware", body)
    ids = [row["id"] for row in body["data"]]
    assert set(ids) == {str(world.a.firmware.uuid), str(images["newer"].uuid), str(images["a_private"].uuid)}
    assert ids[0] == str(world.a.firmware.uuid)  # the latest first
    assert body["pagination"] == {"page": 1, "pageSize": 50, "total": 3, "totalPages": 1}
    newer = next(row for row in body["data"] if row["id"] == str(images["newer"].uuid))
    assert newer["releasedAt"] == "2026-05-01T00:00:00Z" and newer["fileSizeBytes"] == 8388608
    assert newer["isLatest"] is False and newer["createdAt"].endswith("Z")

    r = await client.get(f"/cpms/v1/firmware?modelId={world.a.model.uuid}&pageSize=1", headers=world.a.cpms())
    body = r.json()
    assert body["pagination"] == {"page": 1, "pageSize": 1, "total": 2, "totalPages": 2}

    r = await client.get("/cpms/v1/firmware", headers=world.b.cpms())
    seen = {row["id"] for row in r.json()["data"]}
    # B runs only its own model, plus the image private to B (whatever its model); never A's private one.
    assert seen == {str(world.b.firmware.uuid), str(images["b_private"].uuid)}

    r = await client.get("/cpms/v1/firmware?modelId=nope", headers=world.a.cpms())
    assert r.status_code == 400
    assert_error(r.json(), "invalid_parameter")


async def test_model_firmware(client: httpx.AsyncClient, world: World) -> None:
    images = await _catalogue(world)
    path = f"/cpms/v1/charger-models/{world.a.model.uuid}/firmware"
    r = await client.get(path, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", "/cpms/v1/charger-models/{modelId}/firmware", r.json())
    assert {row["id"] for row in r.json()["data"]} == {str(world.a.firmware.uuid), str(images["newer"].uuid)}
    # B sees the public images of A's model and its own private one, never A's.
    r = await client.get(path, headers=world.b.cpms())
    assert {row["version"] for row in r.json()["data"]} == {"1.5.32", "1.6.0", "9.9.9-b"}

    r = await client.get(
        "/cpms/v1/charger-models/00000000-0000-0000-0000-000000000000/firmware", headers=world.a.cpms()
    )
    assert r.status_code == 404
    assert_error(r.json(), "not_found")


async def test_graphql_firmware_images(client: httpx.AsyncClient, world: World) -> None:
    images = await _catalogue(world)
    query = """
      query($model: UUID) {
        firmwareImages(modelId: $model) { items { id version model { name } } pageInfo { total } }
      }"""
    body = await gql(client, query, {"model": str(world.a.model.uuid)}, world.a.cpms())
    assert "errors" not in body, body
    assert body["data"]["firmwareImages"]["pageInfo"]["total"] == 2
    assert {i["model"]["name"] for i in body["data"]["firmwareImages"]["items"]} == {"Terra A"}
    body = await gql(client, query, {}, world.b.cpms())
    ids = {i["id"] for i in body["data"]["firmwareImages"]["items"]}
    assert ids == {str(world.b.firmware.uuid), str(images["b_private"].uuid)}


async def test_emsp_key_cannot_read_the_catalogue(client: httpx.AsyncClient, world: World) -> None:
    body = await gql(client, "query { firmwareImages { items { id } } }", headers=world.a.emsp())
    assert body["errors"][0]["extensions"]["code"] == "insufficient_scope"
