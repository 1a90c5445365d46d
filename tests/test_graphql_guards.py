"""GraphQL guards: depth, alias and token limits; unexpected errors masked, domain errors kept."""

from __future__ import annotations

import httpx
import strawberry

from chargegraph.app import create_app
from chargegraph.settings import Settings
from domain.container import Services
from domain.errors import Conflict
from schema.errors import DomainErrors
from tests.world import World, gql


async def test_query_depth_is_limited(settings: Settings, services: Services, world: World) -> None:
    limited = settings.model_copy(update={"graphql_max_depth": 2})
    shallow = create_app(limited, services=services, migrate=False)
    deep = "query { locations { items { network { name } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shallow), base_url="http://t") as client:
        body = await gql(client, "query { locations { items { name } } }", headers=world.a.cpms())
        assert "errors" not in body
        body = await gql(client, deep, headers=world.a.cpms())
    assert body["errors"], body
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_aliases_are_limited(client: httpx.AsyncClient, world: World) -> None:
    many = "query { " + " ".join(f"a{i}: locations {{ pageInfo {{ total }} }}" for i in range(31)) + " }"
    body = await gql(client, many, headers=world.a.cpms())
    assert body["errors"]
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_tokens_are_limited(client: httpx.AsyncClient, world: World) -> None:
    huge = "query { locations { items { " + " ".join(["id"] * 2100) + " } } }"
    body = await gql(client, huge, headers=world.a.cpms())
    assert body["errors"]
    assert "token" in body["errors"][0]["message"].lower()


def _tiny_schema() -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> str:
            raise RuntimeError("database password is hunter2")

        @strawberry.field
        def taken(self) -> str:
            raise Conflict("That name is taken", error="name_taken")

    return strawberry.Schema(query=Query, extensions=[DomainErrors])


async def test_unexpected_errors_are_masked() -> None:
    result = await _tiny_schema().execute("{ broken }")
    assert result.errors is not None
    assert result.errors[0].message == "Unexpected error."
    assert "hunter2" not in str(result.errors[0].formatted)
    assert result.errors[0].extensions == {"code": "internal_error"}


async def test_domain_errors_keep_their_slug_and_status() -> None:
    result = await _tiny_schema().execute("{ taken }")
    assert result.errors is not None
    assert result.errors[0].message == "That name is taken"
    assert result.errors[0].extensions == {"code": "name_taken", "status": 409}
