"""``chargegraph keys create``: mint a key from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement
from sqlmodel import col, or_, select

from chargegraph.settings import get_settings
from domain.db import Database
from domain.errors import NotFound
from domain.models import Network
from domain.services import api_keys


async def _network_ids(db: Database, refs: list[str]) -> list[int]:
    ids = []
    async with db.session() as session:
        for ref in refs:
            cond: ColumnElement[bool]
            try:
                cond = or_(col(Network.uuid) == UUID(ref), col(Network.slug) == ref)
            except ValueError:
                cond = col(Network.slug) == ref
            network = (await session.exec(select(Network).where(cond))).first()
            if network is None or network.id is None:
                raise NotFound(f"network {ref!r} not found")
            ids.append(network.id)
    return ids


async def create_key(
    *,
    name: str,
    family: str,
    networks: list[str],
    all_networks: bool,
    scopes: list[str],
    visibility: str,
    expires_at: datetime | None,
    rate_limit_per_hour: int | None,
    allowed_ips: list[str],
) -> dict[str, Any]:
    settings = get_settings()
    db = Database.from_url(settings.database_url)
    try:
        ids = await _network_ids(db, networks)
        async with db.unit_of_work() as session:
            minted = await api_keys.mint(
                session,
                api_keys.NewKey(
                    name=name,
                    family=family,
                    scopes=scopes,
                    network_ids=ids,
                    unrestricted=all_networks,
                    visibility=visibility,
                    expires_at=expires_at,
                    rate_limit_per_hour=rate_limit_per_hour,
                    allowed_ips=allowed_ips,
                ),
                settings.default_rate_limit_per_hour,
            )
        return {"id": str(minted.key.uuid), "key": minted.secret, "scopes": minted.key.scopes}
    finally:
        await db.dispose()
