"""Live device control: the GraphQL twins of /cpms/v1/chargers/{id}/reboot, unlock-connector,
change-availability, trigger-message, configuration, variables, firmware and diagnostics, and of the
/emsp/v1 remote-control paths. Each mutation returns the charger's verdict as a ``CommandResult``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import strawberry
from pydantic import ValidationError

from domain.errors import ValidationFailed
from resolvers import charger_commands as ops
from resolvers import diagnostics as diagnostics_ops
from resolvers import firmware_updates as firmware_ops
from resolvers.device_model import VariableSpec
from schema.context import Info
from schema.permissions import requires
from schema.types.device_control import (
    ChargerCommandPayload,
    ChargerConfiguration,
    ChargerDiagnostics,
    ConfigurationChangePayload,
    DiagnosticFile,
    DiagnosticsFetchPayload,
    FirmwareStatus,
    FirmwareUpdatePayload,
)

CONTROL = requires(*ops.CONTROL)
CPMS_CONTROL = requires("cpms:chargers:control")
READ = requires("cpms:chargers:read")
READ_CONFIG = requires(*ops.READ_CONFIG)


@strawberry.input(description="A device-model variable: component + variable, or key as Component.Variable.")
class VariableInput:
    component: str | None = None
    variable: str | None = None
    key: str | None = None
    attribute_type: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    instance: str | None = None
    value: str | None = None


def _specs(variables: list[VariableInput]) -> list[VariableSpec]:
    specs = []
    for i, v in enumerate(variables):
        try:
            specs.append(VariableSpec.model_validate(vars(v)))
        except ValidationError as exc:
            raise ValidationFailed(f"variables.{i}: {exc.errors()[0]['msg']}") from exc
    return specs


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[READ_CONFIG],
        description="1.6: GetConfiguration (all keys when none named). 2.0.1: GetVariables for the keys "
        "(Component.Variable), else the charger's last NotifyReport.",
    )
    async def charger_configuration(
        self, info: Info, charger_id: UUID, keys: list[str] | None = None
    ) -> ChargerConfiguration:
        return ChargerConfiguration.of(await ops.read_configuration(info.context.ctx, charger_id, keys or []))

    @strawberry.field(
        permission_classes=[READ_CONFIG], description="2.0.1 GetVariables (1.6: GetConfiguration)."
    )
    async def charger_variables(
        self, info: Info, charger_id: UUID, variables: list[VariableInput]
    ) -> ChargerConfiguration:
        read = await ops.get_variables(info.context.ctx, charger_id, _specs(variables))
        return ChargerConfiguration.of(read)

    @strawberry.field(permission_classes=[READ])
    async def firmware_status(self, info: Info, charger_id: UUID) -> FirmwareStatus:
        return FirmwareStatus.of(await firmware_ops.firmware_status(info.context.ctx, charger_id))

    @strawberry.field(permission_classes=[READ], description="Files the charger has uploaded, newest first.")
    async def diagnostic_files(self, info: Info, charger_id: UUID) -> list[DiagnosticFile]:
        files = await diagnostics_ops.diagnostic_files(info.context.ctx, charger_id)
        return [DiagnosticFile.of(f) for f in files]

    @strawberry.field(
        permission_classes=[READ], description="Heartbeat, connection, statuses, OCPP messages."
    )
    async def charger_diagnostics(self, info: Info, charger_id: UUID) -> ChargerDiagnostics:
        return ChargerDiagnostics.of(await diagnostics_ops.charger_snapshot(info.context.ctx, charger_id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[CONTROL],
        description="Reset (Soft or Hard); a driver's is always Soft (`detail`).",
    )
    async def reboot_charger(self, info: Info, charger_id: UUID, type: str = "Soft") -> ChargerCommandPayload:
        dispatched, kind = await ops.reset(info.context.ctx, charger_id, type)
        return ChargerCommandPayload.of(dispatched, detail=kind)

    @strawberry.mutation(permission_classes=[CONTROL])
    async def unlock_connector(
        self, info: Info, charger_id: UUID, connector_number: int = 1
    ) -> ChargerCommandPayload:
        dispatched, number = await ops.unlock_connector(info.context.ctx, charger_id, connector_number)
        return ChargerCommandPayload.of(dispatched, connector=number)

    @strawberry.mutation(
        permission_classes=[CPMS_CONTROL], description="Operative or Inoperative; 0 = charger."
    )
    async def change_availability(
        self, info: Info, charger_id: UUID, type: str, connector_number: int = 0
    ) -> ChargerCommandPayload:
        dispatched, number, kind = await ops.change_availability(
            info.context.ctx, charger_id, type, connector_number
        )
        return ChargerCommandPayload.of(dispatched, connector=number, detail=kind)

    @strawberry.mutation(permission_classes=[CONTROL])
    async def trigger_message(
        self, info: Info, charger_id: UUID, requested_message: str, connector_number: int | None = None
    ) -> ChargerCommandPayload:
        dispatched, name = await ops.trigger_message(
            info.context.ctx, charger_id, requested_message, connector_number
        )
        return ChargerCommandPayload.of(dispatched, connector=connector_number, detail=name)

    @strawberry.mutation(
        permission_classes=[CPMS_CONTROL], description="1.6 ChangeConfiguration / 2.0.1 SetVariables."
    )
    async def change_configuration(
        self, info: Info, charger_id: UUID, key: str, value: str
    ) -> ConfigurationChangePayload:
        change = await ops.change_configuration(info.context.ctx, charger_id, key, value)
        return ConfigurationChangePayload.of(change)

    @strawberry.mutation(permission_classes=[CPMS_CONTROL])
    async def set_variables(
        self, info: Info, charger_id: UUID, variables: list[VariableInput]
    ) -> ConfigurationChangePayload:
        change = await ops.set_variables(info.context.ctx, charger_id, _specs(variables))
        return ConfigurationChangePayload.of(change)

    @strawberry.mutation(
        permission_classes=[CPMS_CONTROL], description="A catalogue image (firmwareVersionId) or a raw URL."
    )
    async def update_firmware(
        self,
        info: Info,
        charger_id: UUID,
        firmware_version_id: UUID | None = None,
        location: str | None = None,
        retrieve_at: datetime | None = None,
        retries: int | None = None,
        retry_interval_seconds: int | None = None,
    ) -> FirmwareUpdatePayload:
        try:
            data = firmware_ops.FirmwareUpdateRequest(
                firmware_version_id=firmware_version_id,
                location=location,
                retrieve_at=retrieve_at,
                retries=retries,
                retry_interval_seconds=retry_interval_seconds,
            )
        except ValidationError as exc:
            raise ValidationFailed(exc.errors()[0]["msg"]) from exc
        return FirmwareUpdatePayload.of(
            await firmware_ops.update_firmware(info.context.ctx, charger_id, data)
        )

    @strawberry.mutation(
        permission_classes=[CPMS_CONTROL], description="GetDiagnostics (1.6) / GetLog (2.0.1)."
    )
    async def fetch_diagnostics(
        self,
        info: Info,
        charger_id: UUID,
        log_type: str = "DiagnosticsLog",
        start_time: datetime | None = None,
        stop_time: datetime | None = None,
    ) -> DiagnosticsFetchPayload:
        if log_type not in ("DiagnosticsLog", "SecurityLog"):
            raise ValidationFailed("logType: must be DiagnosticsLog or SecurityLog")
        kind: Literal["DiagnosticsLog", "SecurityLog"] = (
            "SecurityLog" if log_type == "SecurityLog" else "DiagnosticsLog"
        )
        data = diagnostics_ops.DiagnosticsRequest(log_type=kind, start_time=start_time, stop_time=stop_time)
        return DiagnosticsFetchPayload.of(
            await diagnostics_ops.fetch_diagnostics(info.context.ctx, charger_id, data)
        )
