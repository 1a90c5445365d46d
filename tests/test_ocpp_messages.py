"""What chargers send about themselves, over real websockets, on both OCPP versions: persisted and
answered (boot, heartbeat, status, firmware and diagnostics progress, data transfer, security events,
reports) and written to the message log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from domain.models import (
    Charger,
    ChargerStatusChange,
    Connector,
    DiagnosticsFile,
    EventLogEntry,
    FirmwareUpdate,
    OcppMessage,
    OperatorAlert,
)
from ocpp_server.simulator import SimulatedCharger
from tests.live import LiveServer
from tests.ocpp_wire import eventually
from tests.world import CHARGER_PASSWORD, World

VERSIONS = ["1.6", "2.0.1"]


def _sim(server: LiveServer, version: str, uid: str = "CP-A-01", **kwargs: Any) -> SimulatedCharger:
    return SimulatedCharger(server.ocpp_url(), uid, version=version, password=CHARGER_PASSWORD, **kwargs)


async def _charger(world: World, charger_id: int | None) -> Charger:
    async with world.services.db.session() as s:
        charger = await s.get(Charger, charger_id)
        assert charger is not None
        return charger


def _zulu(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("version", VERSIONS)
async def test_boot_and_heartbeat_are_recorded_and_make_the_charger_online(
    server: LiveServer, world: World, client: httpx.AsyncClient, version: str
) -> None:
    async with world.services.db.unit_of_work() as s:  # never seen alive before
        charger = await s.get(Charger, world.a.charger.id)
        assert charger is not None
        charger.last_heartbeat = None
    path = f"/cpms/v1/chargers/{world.a.charger.uuid}"
    assert (await client.get(path, headers=world.a.cpms())).json()["data"]["isOnline"] is False

    async with _sim(
        server, version, vendor="Wallbox", model="Pulsar", serial="WB-77", firmware="6.1.0"
    ) as cp:
        boot = cp.last_boot
        assert boot is not None
        assert boot["status"] == "Accepted"
        assert boot["interval"] == world.services.ocpp.heartbeat_interval_seconds
        assert abs(_zulu(boot["currentTime"]) - datetime.now(UTC)) < timedelta(seconds=5)
        beat = await cp.heartbeat()
        assert abs(_zulu(beat["currentTime"]) - datetime.now(UTC)) < timedelta(seconds=5)

    charger = await _charger(world, world.a.charger.id)
    assert (charger.vendor, charger.model_name, charger.serial_number) == ("Wallbox", "Pulsar", "WB-77")
    assert charger.firmware_version == "6.1.0"
    assert charger.ocpp_version == version
    assert charger.last_boot_at is not None and charger.last_heartbeat is not None
    detail = (await client.get(path, headers=world.a.cpms())).json()["data"]
    assert detail["isOnline"] is True
    assert detail["lastHeartbeat"].endswith("Z")


@pytest.mark.parametrize("version", VERSIONS)
async def test_status_notifications_update_connectors_and_history(
    server: LiveServer, world: World, client: httpx.AsyncClient, version: str
) -> None:
    reported = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with _sim(server, version, connectors=2) as cp:
        await cp.status(1, "Faulted", "GroundFailure", timestamp=reported, info="Residual current")
        await cp.status(2, "Available")

    async with world.services.db.session() as s:
        connectors = (
            await s.exec(
                select(Connector)
                .where(Connector.charger_id == world.a.charger.id)
                .order_by(col(Connector.connector_number))
            )
        ).all()
        history = (
            await s.exec(
                select(ChargerStatusChange)
                .where(ChargerStatusChange.charger_id == world.a.charger.id)
                .order_by(col(ChargerStatusChange.id))
            )
        ).all()
    assert [c.status for c in connectors] == ["FAULTED", "AVAILABLE"]
    assert connectors[0].last_status_update == reported
    first = history[0]
    assert (first.connector_number, first.old_status, first.status) == (1, "AVAILABLE", "FAULTED")
    assert first.occurred_at == reported
    if version == "1.6":  # 2.0.1 StatusNotification carries no error code
        assert connectors[0].error_code == "GroundFailure"
        assert (first.error_code, first.error_info) == ("GroundFailure", "Residual current")
    assert history[1].status == "AVAILABLE"

    body = (await client.get(f"/cpms/v1/chargers/{world.a.charger.uuid}", headers=world.a.cpms())).json()
    assert [c["status"] for c in body["data"]["connectors"]] == ["Faulted", "Available"]


async def test_an_older_status_replayed_does_not_overwrite_the_current_one(
    server: LiveServer, world: World
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    async with _sim(server, "1.6") as cp:
        await cp.status(1, "Charging", timestamp=now)
        await cp.status(1, "Preparing", timestamp=now - timedelta(minutes=3))  # queued offline
        await cp.status(0, "Unavailable", timestamp=now)
        await cp.status(3, "Available", timestamp=now)  # a connector we did not know of
    async with world.services.db.session() as s:
        connectors = {
            c.connector_number: c
            for c in (await s.exec(select(Connector).where(Connector.charger_id == world.a.charger.id))).all()
        }
        history = (
            await s.exec(
                select(ChargerStatusChange).where(ChargerStatusChange.charger_id == world.a.charger.id)
            )
        ).all()
    assert connectors[1].status == "CHARGING"
    assert connectors[3].status == "AVAILABLE"
    assert len(history) == 4
    assert (await _charger(world, world.a.charger.id)).status == "UNAVAILABLE"


@pytest.mark.parametrize("version", VERSIONS)
async def test_firmware_status_notifications_advance_the_update(
    server: LiveServer, world: World, version: str
) -> None:
    async with world.services.db.unit_of_work() as s:
        update = FirmwareUpdate(
            network_id=world.a.network.id,  # type: ignore[arg-type]
            charger_id=world.a.charger.id,  # type: ignore[arg-type]
            firmware_version="2.0.0",
            location_url="https://firmware.example.com/fw-2.bin",
            request_id=41,
        )
        s.add(update)
    async with _sim(server, version) as cp:
        extra = {"requestId": 41} if version == "2.0.1" else {}
        await cp.call("FirmwareStatusNotification", {"status": "Downloading", **extra})
        async with world.services.db.session() as s:
            row = await s.get(FirmwareUpdate, update.id)
            assert row is not None and row.status == "Downloading" and row.started_at is not None
        await cp.call("FirmwareStatusNotification", {"status": "Installed", **extra})
    async with world.services.db.session() as s:
        row = await s.get(FirmwareUpdate, update.id)
        assert row is not None
        assert row.status == "Installed" and row.finished_at is not None
    assert (await _charger(world, world.a.charger.id)).firmware_version == "2.0.0"


@pytest.mark.parametrize("version", VERSIONS)
async def test_diagnostics_and_log_status_notifications_advance_the_file(
    server: LiveServer, world: World, version: str
) -> None:
    async with world.services.db.unit_of_work() as s:
        file = DiagnosticsFile(
            network_id=world.a.network.id,  # type: ignore[arg-type]
            charger_id=world.a.charger.id,  # type: ignore[arg-type]
            file_name="diag.zip",
            url="/files/diag.zip",
            request_id=7,
        )
        s.add(file)
    action, extra = (
        ("DiagnosticsStatusNotification", {})
        if version == "1.6"
        else ("LogStatusNotification", {"requestId": 7})
    )
    async with _sim(server, version) as cp:
        await cp.call(action, {"status": "Uploading", **extra})
        async with world.services.db.session() as s:
            row = await s.get(DiagnosticsFile, file.id)
            assert row is not None and row.status == "Uploading"
        failed = "UploadFailed" if version == "1.6" else "UploadFailure"
        await cp.call(action, {"status": failed, **extra})
    async with world.services.db.session() as s:
        row = await s.get(DiagnosticsFile, file.id)
        assert row is not None and row.status == "UploadFailed"


@pytest.mark.parametrize("version", VERSIONS)
async def test_data_transfer_and_security_events_are_recorded(
    server: LiveServer, world: World, version: str
) -> None:
    async with _sim(server, version) as cp:
        reply = await cp.call("DataTransfer", {"vendorId": "com.acme", "messageId": "diag", "data": "x=1"})
        assert reply == {"status": "UnknownVendorId"}
        event = {"type": "FirmwareTampering", "timestamp": "2030-01-01T00:00:00Z", "techInfo": "seal broken"}
        assert await cp.call("SecurityEventNotification", event) == {}
    async with world.services.db.session() as s:
        transfer = (
            await s.exec(select(EventLogEntry).where(EventLogEntry.event_type == "ocpp.data_transfer"))
        ).one()
        alert = (
            await s.exec(select(OperatorAlert).where(OperatorAlert.charger_id == world.a.charger.id))
        ).one()
    assert transfer.payload["vendorId"] == "com.acme" and transfer.payload["data"] == "x=1"
    assert (alert.source, alert.category, alert.severity) == ("OCPP", "security_event", "critical")
    assert alert.message == "seal broken"


async def test_notify_report_keeps_the_reported_variables(server: LiveServer, world: World) -> None:
    report = {
        "requestId": 5,
        "generatedAt": "2030-01-01T00:00:00Z",
        "seqNo": 0,
        "tbc": False,
        "reportData": [
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
                "variableAttribute": [{"type": "Actual", "value": "300"}],
            }
        ],
    }
    async with _sim(server, "2.0.1") as cp:
        assert await cp.call("NotifyReport", report) == {}
    async with world.services.db.session() as s:
        row = (await s.exec(select(EventLogEntry).where(EventLogEntry.event_type == "ocpp.report"))).one()
    assert row.charger_id == world.a.charger.id
    assert row.payload["requestId"] == 5
    assert row.payload["reportData"] == report["reportData"]


async def test_every_frame_is_in_the_message_log(server: LiveServer, world: World) -> None:
    async with _sim(server, "2.0.1") as cp:
        await cp.heartbeat()

    async def logged() -> list[OcppMessage]:
        async with world.services.db.session() as s:
            stmt = select(OcppMessage).where(OcppMessage.action == "Heartbeat")
            return list((await s.exec(stmt)).all())

    rows = await eventually(lambda: _pair(logged))
    call, result = sorted(rows, key=lambda r: r.direction)  # incoming, outgoing
    assert (call.direction, call.message_type, call.status) == ("incoming", "Call", "success")
    assert (result.direction, result.message_type) == ("outgoing", "CallResult")
    assert call.correlation_id == result.correlation_id == call.unique_id
    assert call.charger_id == world.a.charger.id and call.ocpp_version == "2.0.1"
    assert result.response_time_ms is not None and result.payload is not None
    assert "currentTime" in result.payload


async def _pair(fetch: Any) -> list[OcppMessage]:
    rows: list[OcppMessage] = await fetch()
    return rows if len(rows) == 2 else []
