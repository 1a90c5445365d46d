"""OCPP 1.6J: what a charge point sends, translated to domain calls, and the schema-valid replies."""

from __future__ import annotations

from typing import Any

from ocpp.v16.enums import Action

from domain.services import charge_point, transactions
from domain.services.charge_point import BootInfo, StatusReport
from domain.services.transactions import TokenVerdict
from domain.types import iso_z
from ocpp_server.connection import OcppConnection, on
from ocpp_server.samples import samples, when


def id_tag_info(verdict: TokenVerdict) -> dict[str, Any]:
    """1.6 has no ``Unknown``: an unknown tag is ``Invalid``."""
    info: dict[str, Any] = {"status": "Invalid" if verdict.status == "Unknown" else verdict.status}
    if verdict.expires_at is not None:
        info["expiryDate"] = iso_z(verdict.expires_at)
    if verdict.parent_id_tag:
        info["parentIdTag"] = verdict.parent_id_tag
    return info


class ChargePoint16(OcppConnection):
    version = "1.6"
    actions = frozenset(action.value for action in Action)

    @on(Action.boot_notification)
    async def on_boot_notification(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        charge_point_serial_number: str | None = None,
        charge_box_serial_number: str | None = None,
        firmware_version: str | None = None,
        iccid: str | None = None,
        imsi: str | None = None,
        meter_type: str | None = None,
        meter_serial_number: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        info = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=charge_point_serial_number or charge_box_serial_number,
            firmware_version=firmware_version,
            iccid=iccid,
            imsi=imsi,
            meter_type=meter_type,
            meter_serial_number=meter_serial_number,
            ocpp_version=self.version,
        )
        return await self.boot_accepted(info)

    @on(Action.status_notification)
    async def on_status_notification(
        self,
        connector_id: int,
        error_code: str,
        status: str,
        timestamp: str | None = None,
        info: str | None = None,
        vendor_id: str | None = None,
        vendor_error_code: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        report = StatusReport(
            connector_number=connector_id,
            status=status,
            at=when(timestamp),
            error_code=error_code,
            info=info,
            vendor_id=vendor_id,
            vendor_error_code=vendor_error_code,
        )
        await charge_point.status_reported(self.db, self.charger, report)
        return {}

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **_: Any) -> dict[str, Any]:
        verdict = await transactions.authorize(self.db, self.charger.id, id_tag)
        return {"idTagInfo": id_tag_info(verdict)}

    @on(Action.start_transaction)
    async def on_start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        started = await transactions.transaction_started(
            self.db,
            self.charger.id,
            connector_number=connector_id,
            id_tag=id_tag,
            started_at=when(timestamp),
            meter_start_wh=meter_start,
            reservation_id=reservation_id,
        )
        return {"transactionId": int(started.transaction_id), "idTagInfo": id_tag_info(started.token)}

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self,
        meter_stop: int,
        timestamp: str,
        transaction_id: int,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        verdict = await transactions.transaction_ended(
            self.db,
            self.charger.id,
            transaction_id=str(transaction_id),
            ended_at=when(timestamp),
            meter_stop_wh=meter_stop,
            reason=reason,
            id_tag=id_tag,
            samples=samples(transaction_data),
        )
        return {"idTagInfo": id_tag_info(verdict)} if verdict is not None else {}

    @on(Action.meter_values)
    async def on_meter_values(
        self,
        connector_id: int,
        meter_value: list[dict[str, Any]],
        transaction_id: int | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        await transactions.meter_values(
            self.db,
            self.charger.id,
            connector_number=connector_id,
            samples=samples(meter_value),
            transaction_id=str(transaction_id) if transaction_id is not None else None,
        )
        return {}

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status: str, **_: Any) -> dict[str, Any]:
        await charge_point.firmware_status(self.db, self.charger.id, status)
        return {}

    @on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(
        self, status: str, request_id: int | None = None, **_: Any
    ) -> dict[str, Any]:
        await charge_point.firmware_status(self.db, self.charger.id, status, request_id=request_id)
        return {}

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status: str, **_: Any) -> dict[str, Any]:
        await charge_point.diagnostics_status(self.db, self.charger.id, status)
        return {}
