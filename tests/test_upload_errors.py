"""The charger upload route answers every refusal with the documented error body
(``{"error", "message", "code", "timestamp"}``, ``code`` the same slug as ``error``), like the REST routes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from domain.config import AuthConfig, OcppConfig
from domain.services import diagnostics as service
from ocpp_server.uploads import upload_routes
from tests.spec import assert_error
from tests.world import World

AUTH = AuthConfig(secret_key="k" * 40, public_base_url="http://testserver")


@pytest.fixture
async def uploads(world: World, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    """A client of the upload routes (files up to 1000 bytes), a valid upload token and its download token."""
    async with world.services.db.unit_of_work() as s:
        row = await service.create_request(s, AUTH, world.a.charger, "DiagnosticsLog", None)
    app = Starlette(
        routes=upload_routes(world.services.db, AUTH, OcppConfig(upload_dir=str(tmp_path)), max_bytes=1000)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield (
            http,
            service.sign(AUTH.secret_key, "upload", row.uuid),
            service.sign(AUTH.secret_key, "download", row.uuid),
        )


def _documented(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert_error(body, error)
    assert body["code"] == error
    assert set(body) == {"error", "message", "code", "timestamp"}


async def test_every_upload_refusal_has_the_documented_error_body(
    uploads: tuple[httpx.AsyncClient, str, str],
) -> None:
    http, upload, download = uploads
    _documented(await http.put("/ocpp/uploads/junk", content=b"x"), 403, "forbidden")
    _documented(await http.post("/ocpp/uploads/junk", files={"file": ("a.log", b"x")}), 403, "forbidden")
    _documented(await http.put(f"/ocpp/uploads/{download}", content=b"x"), 403, "forbidden")
    _documented(await http.put(f"/ocpp/uploads/{upload}", content=b"x" * 1001), 413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"z" * 300

    _documented(await http.put(f"/ocpp/uploads/{upload}", content=chunks()), 413, "payload_too_large")
    no_file = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    _documented(
        await http.post(f"/ocpp/uploads/{upload}", content=no_file, headers=headers), 400, "bad_request"
    )
    two = [("file", ("a.log", b"1")), ("file2", ("b.log", b"2"))]
    _documented(await http.post(f"/ocpp/uploads/{upload}", files=two), 400, "bad_request")
    garbage = {"Content-Type": "multipart/form-data; boundary=zz"}
    _documented(
        await http.post(f"/ocpp/uploads/{upload}", content=b"garbage", headers=garbage), 400, "bad_request"
    )
    unknown = service.sign(AUTH.secret_key, "upload", uuid.uuid4())
    _documented(await http.put(f"/ocpp/uploads/{unknown}", content=b"x"), 404, "not_found")
    _documented(await http.get("/ocpp/uploads/junk"), 403, "forbidden")
    _documented(await http.get(f"/ocpp/uploads/{upload}"), 403, "forbidden")
    _documented(await http.get(f"/ocpp/uploads/{download}"), 404, "not_found")
