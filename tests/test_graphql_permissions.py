"""GraphQL permission checks hold no state between requests: who asked before never changes the answer."""

from __future__ import annotations

import httpx
from sqlmodel import func, select

from domain.models import Charger
from tests.world import World, gql

CREATE = 'mutation { createCharger(input: {serial: "P-1"}) { uid } }'


def _code(body: dict[str, object]) -> tuple[object, object]:
    errors = body["errors"]
    assert isinstance(errors, list) and errors, body
    extensions = errors[0]["extensions"]
    return extensions["code"], extensions["status"]


async def _chargers(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(Charger))).one())


async def test_an_anonymous_request_does_not_turn_a_missing_scope_into_unauthorized(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await _chargers(world)
    assert _code(await gql(client, CREATE)) == ("unauthorized", 401)
    # The same field, on the same app, by a key that is known but lacks cpms:chargers:write.
    assert _code(await gql(client, CREATE, headers=world.a.emsp())) == ("insufficient_scope", 403)
    assert _code(await gql(client, CREATE)) == ("unauthorized", 401)
    assert _code(await gql(client, CREATE, headers=world.a.emsp())) == ("insufficient_scope", 403)
    assert await _chargers(world) == before
