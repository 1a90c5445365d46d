"""Setting or rotating a charger's OCPP password (security profiles 1 and 2)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from resolvers import charger_credentials as ops
from schema.context import Info
from schema.permissions import requires


@strawberry.type(description="A charger's new OCPP password. It is shown this once; only its hash is kept.")
class ChargerPassword:
    charger_id: UUID
    charge_point_id: str = strawberry.field(description="The OCPP identity (HTTP Basic username).")
    password: str


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[requires(*ops.WRITE)],
        description="Set or rotate the HTTP Basic password a charger connects with (16 to 40 characters; "
        "a random one when omitted). The password is returned once.",
    )
    async def set_charger_password(
        self, info: Info, charger_id: UUID, password: str | None = None
    ) -> ChargerPassword:
        result = await ops.set_charger_password(info.context.ctx, charger_id, password)
        return ChargerPassword(
            charger_id=charger_id, charge_point_id=result.charger_uid, password=result.password
        )
