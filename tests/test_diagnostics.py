"""Diagnostics on a live charger (1.6 GetDiagnostics, 2.0.1 GetLog): the charger uploads its file to our
signed upload link, diagnostic-files lists it with its size and the listed url serves it; bad links
store nothing; the health snapshot shows the charger's connection, statuses and OCPP messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from domain.config import AuthConfig, OcppConfig
from domain.models import DiagnosticsFile
from domain.services import diagnostics as service
from ocpp_server.uploads import upload_routes
from tests import device_control
from tests.device_control import VERSIONS, charger, eventually
from tests.live import LiveServer
from tests.spec import assert_error, assert_shape
from tests.world import World, gql

FETCH = "/cpms/v1/chargers/{chargerUuid}/diagnostics/fetch"
FILES = "/cpms/v1/diagnostic-files"
SNAPSHOT = "/cpms/v1/chargers/{chargerUuid}/diagnostics"

# The device-control fixtures: the app on a known port, a short command timeout, uploads in tmp.
settings = device_control.settings


async def files(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    r = await client.get(FILES, params={"chargerId": str(world.a.charger.uuid)}, headers=world.a.cpms())
    assert r.status_code == 200, r.text
    assert_shape("GET", FILES, r.json())
    listed: list[dict[str, Any]] = r.json()["data"]
    return listed


@pytest.mark.parametrize("version", VERSIONS)
async def test_fetch_upload_list_download(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    assert await files(client, world) == []
    async with charger(server, world.a, version) as cp:
        r = await client.post(
            f"/cpms/v1/chargers/{world.a.charger.uuid}/diagnostics/fetch", json={}, headers=world.a.cpms()
        )
        assert r.status_code == 200, r.text
        assert_shape("POST", FETCH, r.json())
        data = r.json()["data"]
        assert data["accepted"] is True and data["chargePointId"] == "CP-A-01"
        sent = await cp.wait_for("GetDiagnostics" if version == "1.6" else "GetLog")
        location = sent["location"] if version == "1.6" else sent["log"]["remoteLocation"]
        assert location.startswith(f"{server.http_url}/ocpp/uploads/")
        assert data["uploadUrl"] != location  # the read link is not the upload link
        assert data["fileName"].startswith("diagnostics")  # the name the charger reported is kept

        async def uploaded() -> bool:
            return bool(await files(client, world))

        await eventually(uploaded)
        [listed] = await files(client, world)
        assert listed["name"] == data["fileName"] and listed["url"] == data["uploadUrl"]
        assert listed["size"] > 0 and listed["uploadedAt"].endswith("Z")

        async with httpx.AsyncClient() as http:
            content = await http.get(listed["url"])
            assert content.status_code == 200
            assert len(content.content) == listed["size"]
            assert b"CP-A-01" in content.content
            # The read link cannot upload, the upload link cannot read.
            assert (await http.put(listed["url"], content=b"x")).status_code == 403
            assert (await http.get(location)).status_code == 403

        body = await gql(
            client,
            """mutation($id: UUID!) { fetchDiagnostics(chargerId: $id, logType: "SecurityLog") {
                 chargePointId file { name status logType requestId } result { accepted } } }""",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        assert "errors" not in body, body
        payload = body["data"]["fetchDiagnostics"]
        assert payload["result"]["accepted"] is True and payload["file"]["logType"] == "SecurityLog"

        async def two() -> bool:
            return len(await files(client, world)) == 2

        await eventually(two)
        body = await gql(
            client,
            "query($id: UUID!) { diagnosticFiles(chargerId: $id) { name size status url } }",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        listed_gql = body["data"]["diagnosticFiles"]
        assert len(listed_gql) == 2 and all(f["status"] == "Uploaded" and f["size"] for f in listed_gql)


async def test_rejected_offline_and_reach(
    client: httpx.AsyncClient, world: World, server: LiveServer
) -> None:
    fetch = f"/cpms/v1/chargers/{world.a.charger.uuid}/diagnostics/fetch"
    r = await client.post(fetch, json={}, headers=world.a.cpms())
    assert r.status_code == 200
    assert r.json()["data"]["accepted"] is False and r.json()["data"]["payload"] is None
    async with charger(server, world.a, "2.0.1") as cp:
        cp.responses["GetLog"] = "Rejected"
        r = await client.post(fetch, json={"logType": "DiagnosticsLog"}, headers=world.a.cpms())
        data = r.json()["data"]
        assert data["accepted"] is False and "rejected" in data["message"]
        r = await client.post(fetch, json={}, headers=world.b.cpms())
        assert r.status_code == 404
        r = await client.post(fetch, json={"logType": "EverythingLog"}, headers=world.a.cpms())
        assert r.status_code == 422
        assert [a for a, _ in cp.received] == ["GetLog"]
    r = await client.get(FILES, params={"chargerId": str(world.a.charger.uuid)}, headers=world.b.cpms())
    assert r.status_code == 404
    r = await client.get(FILES, headers=world.a.cpms())
    assert r.status_code == 422
    assert_error(r.json(), "validation_error")
    assert await files(client, world) == []


async def test_bad_upload_links_store_nothing(
    client: httpx.AsyncClient, world: World, server: LiveServer, tmp_path: Path
) -> None:
    async with world.services.db.unit_of_work() as s:
        row = await service.create_request(s, world.services.auth, world.a.charger, "DiagnosticsLog", None)
    assert row.upload_location is not None
    good = row.upload_location
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    other_key = service.sign("another-secret", "upload", row.uuid)
    async with httpx.AsyncClient() as http:
        for link in (
            forged,
            f"{server.http_url}/ocpp/uploads/{other_key}",
            f"{server.http_url}/ocpp/uploads/junk",
        ):
            r = await http.post(link, files={"file": ("x.log", b"evil", "text/plain")})
            assert r.status_code == 403, link
            r = await http.put(link, content=b"evil")
            assert r.status_code == 403
        assert not [f for f in (tmp_path / "uploads").rglob("*") if f.is_file()]
        # The genuine link accepts a raw PUT, with the file name appended as some chargers do.
        r = await http.put(f"{good}/{row.file_name}", content=b"line 1\nline 2\n")
        assert r.status_code == 201, r.text
    async with world.services.db.session() as s:
        stored = (await s.exec(select(DiagnosticsFile).where(DiagnosticsFile.id == row.id))).one()
    assert stored.status == "Uploaded" and stored.size_bytes == 14


async def test_upload_size_limit(world: World, tmp_path: Path) -> None:
    auth = AuthConfig(secret_key="k" * 40, public_base_url="http://testserver")
    async with world.services.db.unit_of_work() as s:
        row = await service.create_request(s, auth, world.a.charger, "DiagnosticsLog", None)
    config = OcppConfig(upload_dir=str(tmp_path / "up"))
    app = Starlette(routes=upload_routes(world.services.db, auth, config, max_bytes=100))
    token = service.sign(auth.secret_key, "upload", row.uuid)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        r = await http.put(f"/ocpp/uploads/{token}", content=b"x" * 101)
        assert r.status_code == 413
        r = await http.post(f"/ocpp/uploads/{token}", files={"file": ("a.log", b"y" * 500, "text/plain")})
        assert r.status_code == 413

        async def chunks() -> Any:
            for _ in range(5):
                yield b"z" * 30

        r = await http.put(f"/ocpp/uploads/{token}", content=chunks())  # no Content-Length
        assert r.status_code == 413
        assert not [f for f in (tmp_path / "up").rglob("*") if f.is_file()]
        r = await http.put(f"/ocpp/uploads/{token}", content=b"ok")
        assert r.status_code == 201


@pytest.mark.parametrize("version", VERSIONS)
async def test_health_snapshot(
    client: httpx.AsyncClient, world: World, server: LiveServer, version: str
) -> None:
    async with charger(server, world.a, version) as cp:
        await cp.status(1, "Faulted", "GroundFailure")
        await cp.heartbeat()

        async def logged() -> bool:
            r = await client.get(
                f"/cpms/v1/chargers/{world.a.charger.uuid}/diagnostics", headers=world.a.cpms()
            )
            return bool(r.json()["data"]["ocppMessageCount"] >= 3 and r.json()["data"]["statusHistory"])

        await eventually(logged)
        r = await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}/diagnostics", headers=world.a.cpms())
        assert r.status_code == 200
        assert_shape("GET", SNAPSHOT, r.json())
        data = r.json()["data"]
        assert data["isOnline"] is True and data["ocppVersion"] == version
        assert data["serialNumber"] == world.a.charger.serial_number
        assert data["lastConnectionStatus"] == "Connected" and data["ipAddress"] == "127.0.0.1"
        assert data["statusHistory"][0]["newStatus"] == "FAULTED"
        if version == "1.6":  # 2.0.1 StatusNotification carries no error code
            assert data["statusHistory"][0]["errorCode"] == "GroundFailure"
        actions = {m["action"] for m in data["recentOcppMessages"]}
        assert {"BootNotification", "Heartbeat", "StatusNotification"} <= actions
        assert all(m["timestamp"].endswith("Z") for m in data["recentOcppMessages"])

        body = await gql(
            client,
            """query($id: UUID!) { chargerDiagnostics(chargerId: $id) {
                 isOnline ocppMessageCount statusHistory { newStatus errorCode }
                 recentOcppMessages { action direction } } }""",
            {"id": str(world.a.charger.uuid)},
            world.a.cpms(),
        )
        snap = body["data"]["chargerDiagnostics"]
        assert snap["isOnline"] is True and snap["ocppMessageCount"] >= 3
    r = await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}/diagnostics", headers=world.b.cpms())
    assert r.status_code == 404
