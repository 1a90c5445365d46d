"""Session queries and start/stop mutations (the same resolvers as /cpms/v1/sessions, the cpms
remote-start/stop paths and /emsp/v1/charging)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from domain.paging import PageRequest
from resolvers import remote_charging
from resolvers import sessions as session_ops
from schema.context import Info
from schema.permissions import requires
from schema.types.page import Connection, PageInfo
from schema.types.session import ChargingSession, ForceStopPayload, SessionCommandPayload


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[requires(*session_ops.READ)],
        description="Charging sessions, newest first: a driver's own, or those of the key's networks.",
    )
    async def sessions(
        self,
        info: Info,
        page: int = 1,
        page_size: int = 50,
        status: str | None = None,
        charger_id: UUID | None = None,
        location_id: UUID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> Connection[ChargingSession]:
        result = await session_ops.list_sessions(
            info.context.ctx,
            PageRequest(page, page_size),
            status=status,
            charger_uuid=charger_id,
            location_uuid=location_id,
            start=from_,
            end=to,
        )
        return Connection(items=[ChargingSession.of(v) for v in result.items], page_info=PageInfo.of(result))

    @strawberry.field(permission_classes=[requires(*session_ops.READ)])
    async def session(self, info: Info, id: UUID) -> ChargingSession:
        return ChargingSession.of(await session_ops.get_session(info.context.ctx, id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*remote_charging.CPMS_CONTROL)],
        description="Operator remote start (connector 1 and an operator tag unless given): a PENDING "
        "session that becomes ACTIVE when the charger starts, or FAULTED.",
    )
    async def remote_start(
        self, info: Info, charger_id: UUID, connector_number: int | None = None, id_tag: str | None = None
    ) -> SessionCommandPayload:
        data = remote_charging.RemoteStartInput(id_tag=id_tag, connector_number=connector_number)
        return SessionCommandPayload.of(
            await remote_charging.remote_start(info.context.ctx, charger_id, data)
        )

    @strawberry.mutation(
        permission_classes=[requires(*remote_charging.CPMS_CONTROL)],
        description="Operator remote stop of the charger's active session.",
    )
    async def remote_stop(self, info: Info, charger_id: UUID) -> SessionCommandPayload:
        return SessionCommandPayload.of(await remote_charging.remote_stop(info.context.ctx, charger_id))

    @strawberry.mutation(
        permission_classes=[requires(*remote_charging.FORCE_STOP)],
        description="Close a hung session locally (ForceStopped), costed at its last meter reading.",
    )
    async def force_stop_session(self, info: Info, id: UUID) -> ForceStopPayload:
        view, stopped = await remote_charging.force_stop(info.context.ctx, id)
        return ForceStopPayload(stopped=stopped, session=ChargingSession.of(view))

    @strawberry.mutation(
        permission_classes=[requires(*remote_charging.EMSP_CONTROL)],
        description="Start charging with a charging token (a driver's own).",
    )
    async def start_charging(
        self, info: Info, charger_id: UUID, id_tag: str, connector_number: int = 1
    ) -> SessionCommandPayload:
        data = remote_charging.StartChargingInput(
            charger_id=charger_id, connector_number=connector_number, id_tag=id_tag
        )
        return SessionCommandPayload.of(await remote_charging.start_charging(info.context.ctx, data))

    @strawberry.mutation(
        permission_classes=[requires(*remote_charging.EMSP_CONTROL)],
        description="Stop a charging session (a driver's own).",
    )
    async def stop_charging(self, info: Info, session_id: UUID) -> SessionCommandPayload:
        data = remote_charging.StopChargingInput(session_id=session_id)
        return SessionCommandPayload.of(await remote_charging.stop_charging(info.context.ctx, data))
