"""Driver accounts: the Driver (user) type, their charging tokens, and what signing in returns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from domain.models import ChargingToken as ChargingTokenRow
from domain.models import User as UserRow
from domain.services.driver_auth import Session
from resolvers.charging_tokens import usable_tokens_by_user
from resolvers.networks import networks_by_id
from resolvers.users import UserStats, user_stats_by_id, user_uuids_by_id, users_by_id
from schema.context import Info
from schema.scalars import dec, gid
from schema.types.network import Network


@strawberry.type(description="A charging token: the credential a charger reads (RFID serial or app id).")
class ChargingToken:
    id: strawberry.ID
    database_id: int
    uid: str
    contract_id: str
    token_type: str
    alias: str | None
    valid: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    invalidated_at: datetime | None
    user_database_id: strawberry.Private[int]

    @strawberry.field(description="The UUID of the driver the token belongs to.")
    async def user_id(self, info: Info) -> UUID | None:
        return await info.context.loaders.of(user_uuids_by_id).load(self.user_database_id)

    @strawberry.field(description="The driver the token belongs to.")
    async def user(self, info: Info) -> Driver | None:
        row = await info.context.loaders.of(users_by_id).load(self.user_database_id)
        return Driver.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: ChargingTokenRow) -> ChargingToken:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            uid=row.uid,
            contract_id=row.contract_id,
            token_type=row.token_type,
            alias=row.alias,
            valid=row.valid,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            invalidated_at=row.invalidated_at,
            user_database_id=row.user_id,
        )


@strawberry.type(description="A driver (user) of a network.")
class Driver:
    id: strawberry.ID
    database_id: int
    email: str
    first_name: str
    last_name: str
    phone_number: str | None
    address: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    is_active: bool
    email_verified: bool
    created_at: datetime
    last_updated: datetime | None
    network_database_id: strawberry.Private[int | None]

    async def _stats(self, info: Info) -> UserStats:
        return await info.context.loaders.of(user_stats_by_id).load(self.database_id)

    @strawberry.field(description="Charging sessions in the networks the caller reaches.")
    async def total_sessions(self, info: Info) -> int:
        return (await self._stats(info)).total_sessions

    @strawberry.field(description="Energy delivered over those sessions, in kWh.")
    async def total_energy_kwh(self, info: Info) -> Decimal:
        return dec((await self._stats(info)).total_energy_kwh) or Decimal(0)

    @strawberry.field(description="What the driver's transactions charged, less refunds.")
    async def total_spent(self, info: Info) -> Decimal:
        return dec((await self._stats(info)).total_spent) or Decimal(0)

    @strawberry.field(description="The currency of totalSpent (the driver's network's).")
    async def currency(self, info: Info) -> str:
        return (await self._stats(info)).currency

    @strawberry.field(description="The driver's currently usable charging tokens.")
    async def charging_tokens(self, info: Info) -> list[ChargingToken]:
        rows = await info.context.loaders.of(usable_tokens_by_user).load(self.database_id)
        return [ChargingToken.from_row(r) for r in rows]

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        if self.network_database_id is None:
            return None
        row = await info.context.loaders.of(networks_by_id).load(self.network_database_id)
        return Network.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: UserRow) -> Driver:
        assert row.id is not None
        return cls(
            id=gid(row.uuid),
            database_id=row.id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            phone_number=row.phone_number,
            address=row.address,
            city=row.city,
            state=row.state,
            postal_code=row.postal_code,
            country=row.country,
            is_active=row.is_active,
            email_verified=row.email_verified,
            created_at=row.created_at,
            last_updated=row.updated_at,
            network_database_id=row.network_id,
        )


@strawberry.type(
    description="A signed-in driver's credentials: a short-lived access token and a refresh token."
)
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str
    token_uid: str | None
    driver: Driver

    @classmethod
    def of(cls, session: Session) -> AuthPayload:
        return cls(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
            token_type="Bearer",
            token_uid=session.token_uid,
            driver=Driver.from_row(session.user),
        )
