"""OCPP 2.0.1: what a charging station sends, translated to domain calls, and the schema-valid replies.

EVSE ids are our connector numbers (one connector per EVSE); EVSE 0 is the station itself.
"""

from __future__ import annotations

from typing import Any

from ocpp.charge_point import snake_to_camel_case
from ocpp.v201.enums import Action

from domain.services import charge_point, transactions
from domain.services.charge_point import BootInfo, StatusReport
from domain.services.transactions import TokenVerdict
from domain.types import iso_z
from ocpp_server.connection import OcppConnection, on
from ocpp_server.samples import energy_wh, samples, when


def id_token_info(verdict: TokenVerdict) -> dict[str, Any]:
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expires_at is not None:
        info["cacheExpiryDateTime"] = iso_z(verdict.expires_at)
    if verdict.parent_id_tag:
        info["groupIdToken"] = {"idToken": verdict.parent_id_tag, "type": "Central"}
    return info


def _tag(id_token: dict[str, Any] | None) -> str | None:
    if not id_token or id_token.get("type") == "NoAuthorization":
        return None
    value = id_token.get("id_token")
    return str(value) if value else None


class ChargePoint201(OcppConnection):
    version = "2.0.1"
    actions = frozenset(action.value for action in Action)

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charging_station: dict[str, Any], reason: str | None = None, **_: Any
    ) -> dict[str, Any]:
        modem = charging_station.get("modem") or {}
        info = BootInfo(
            vendor=str(charging_station.get("vendor_name", "")),
            model=str(charging_station.get("model", "")),
            serial_number=charging_station.get("serial_number"),
            firmware_version=charging_station.get("firmware_version"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
            ocpp_version=self.version,
        )
        return await self.boot_accepted(info)

    @on(Action.status_notification)
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> dict[str, Any]:
        report = StatusReport(connector_number=evse_id, status=connector_status, at=when(timestamp))
        await charge_point.status_reported(self.db, self.charger, report)
        return {}

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> dict[str, Any]:
        tag = _tag(id_token)
        if tag is None:
            return {"idTokenInfo": {"status": "Accepted"}}
        verdict = await transactions.authorize(self.db, self.charger.id, tag)
        return {"idTokenInfo": id_token_info(verdict)}

    @on(Action.transaction_event)
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        trigger_reason: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        id_token: dict[str, Any] | None = None,
        evse: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        reservation_id: int | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        at = when(timestamp)
        tag = _tag(id_token)
        values = samples(meter_value)
        transaction_id = str(transaction_info["transaction_id"])
        verdict: TokenVerdict | None
        if event_type == "Started":
            started = await transactions.transaction_started(
                self.db,
                self.charger.id,
                connector_number=int((evse or {}).get("id") or 1),
                id_tag=tag,
                started_at=at,
                meter_start_wh=energy_wh(values, "Transaction.Begin"),
                transaction_id=transaction_id,
                remote_start_id=transaction_info.get("remote_start_id"),
                reservation_id=reservation_id,
                reason=trigger_reason,
                samples=values,
            )
            verdict = started.token if tag is not None else None
        elif event_type == "Ended":
            verdict = await transactions.transaction_ended(
                self.db,
                self.charger.id,
                transaction_id=transaction_id,
                ended_at=at,
                meter_stop_wh=energy_wh(values, "Transaction.End"),
                reason=transaction_info.get("stopped_reason") or trigger_reason,
                id_tag=tag,
                samples=values,
            )
        else:
            verdict = await transactions.transaction_updated(
                self.db,
                self.charger.id,
                transaction_id=transaction_id,
                at=at,
                samples=values,
                charging_state=transaction_info.get("charging_state"),
                id_tag=tag,
            )
        return {"idTokenInfo": id_token_info(verdict)} if verdict is not None and tag is not None else {}

    @on(Action.meter_values)
    async def on_meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> dict[str, Any]:
        await transactions.meter_values(
            self.db, self.charger.id, connector_number=evse_id, samples=samples(meter_value)
        )
        return {}

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(
        self, status: str, request_id: int | None = None, **_: Any
    ) -> dict[str, Any]:
        await charge_point.firmware_status(self.db, self.charger.id, status, request_id=request_id)
        return {}

    @on(Action.notify_report)
    async def on_notify_report(
        self,
        request_id: int,
        generated_at: str,
        seq_no: int,
        report_data: list[dict[str, Any]] | None = None,
        tbc: bool = False,
        **_: Any,
    ) -> dict[str, Any]:
        await charge_point.report_received(
            self.db,
            self.charger,
            request_id=request_id,
            seq_no=seq_no,
            generated_at=when(generated_at),
            report_data=snake_to_camel_case(report_data or []),
            to_be_continued=tbc,
        )
        return {}

    @on(Action.notify_event)
    async def on_notify_event(
        self, generated_at: str, seq_no: int, event_data: list[dict[str, Any]], tbc: bool = False, **_: Any
    ) -> dict[str, Any]:
        payload = {
            "generatedAt": iso_z(when(generated_at)),
            "seqNo": seq_no,
            "tbc": tbc,
            "eventData": snake_to_camel_case(event_data),
        }
        await charge_point.charger_event(self.db, self.charger, "notify_event", payload)
        return {}
