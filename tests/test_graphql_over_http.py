"""GraphQL over HTTP (the current draft): ``application/graphql-response+json`` is served to a client that
accepts it, and with it a request error (the document does not parse or validate, the variables do not
coerce) is a 400 without ``data``; ``application/json`` (asked for, or the default) keeps 200."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from schema.media_types import negotiate
from tests.world import World

GRAPHQL_RESPONSE = "application/graphql-response+json"
LOCATION = "query Location($id: UUID!) { location(id: $id) { name } }"


async def post(
    client: httpx.AsyncClient, world: World, body: Any, accept: str | None = GRAPHQL_RESPONSE
) -> httpx.Response:
    headers = {**world.a.cpms(), **({"accept": accept} if accept is not None else {})}
    return await client.post("/graphql", json=body, headers=headers)


def request_error(response: httpx.Response) -> dict[str, Any]:
    """A 400 in application/graphql-response+json whose body has errors and no data entry."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert body["errors"], body
    return body


async def test_the_graphql_response_media_type_is_served_to_who_accepts_it(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await post(client, world, {"query": LOCATION, "variables": {"id": str(world.a.location.uuid)}})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json() == {"data": {"location": {"name": world.a.location.name}}}
    assert "accept" in response.headers["vary"].lower()


async def test_a_document_that_does_not_parse_is_a_400_without_data(
    client: httpx.AsyncClient, world: World
) -> None:
    body = request_error(await post(client, world, {"query": "{"}))
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_a_document_that_does_not_validate_is_a_400_without_data(
    client: httpx.AsyncClient, world: World
) -> None:
    body = request_error(await post(client, world, {"query": "{ noSuchField }"}))
    assert "noSuchField" in body["errors"][0]["message"]


@pytest.mark.parametrize("value", ["not-a-uuid", None, 7])
async def test_variables_that_do_not_coerce_are_a_400_without_data(
    client: httpx.AsyncClient, world: World, value: object
) -> None:
    body = request_error(await post(client, world, {"query": LOCATION, "variables": {"id": value}}))
    assert "$id" in body["errors"][0]["message"]


async def test_the_document_guards_are_request_errors_too(client: httpx.AsyncClient, world: World) -> None:
    body = request_error(await post(client, world, {"query": '{ location(id: "a\\u0000b") { id } }'}))
    assert body["errors"][0]["extensions"]["code"] == "nul_character"
    deep = "{ locations { items { network { name } } } }"
    for _ in range(120):
        deep = "{ __typename ... on Query " + deep + " }"
    request_error(await post(client, world, {"query": deep}))


async def test_a_field_error_is_a_200_with_the_data_entry(client: httpx.AsyncClient, world: World) -> None:
    """Execution started: the non-null root field's not_found nulls ``data``, which stays in the answer."""
    response = await post(client, world, {"query": LOCATION, "variables": {"id": str(uuid.uuid4())}})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body = response.json()
    assert "data" in body and body["data"] is None, body
    [error] = body["errors"]
    assert error["path"] == ["location"]
    assert error["extensions"]["code"] == "not_found"


@pytest.mark.parametrize("accept", ["application/json", None, "*/*", "text/html;q=0.9, */*;q=0.8"])
async def test_application_json_keeps_200_for_request_errors(
    client: httpx.AsyncClient, world: World, accept: str | None
) -> None:
    """Asked for, absent, a wildcard: application/json, as before, with 200 and ``"data": null``."""
    for body in ({"query": "{"}, {"query": "{ noSuchField }"}, {"query": LOCATION, "variables": {"id": 7}}):
        response = await post(client, world, body, accept=accept)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        answer = response.json()
        assert answer["data"] is None and answer["errors"], answer


async def test_the_client_s_ranking_decides(client: httpx.AsyncClient, world: World) -> None:
    ranked = {
        f"{GRAPHQL_RESPONSE}, application/json": GRAPHQL_RESPONSE,
        f"application/json, {GRAPHQL_RESPONSE}": "application/json",
        f"application/json;q=0.5, {GRAPHQL_RESPONSE}": GRAPHQL_RESPONSE,
        f"{GRAPHQL_RESPONSE};q=0, */*": "application/json",
    }
    for accept, media_type in ranked.items():
        response = await post(client, world, {"query": "{ noSuchField }"}, accept=accept)
        assert response.headers["content-type"].split(";")[0] == media_type, accept
        assert response.status_code == (400 if media_type == GRAPHQL_RESPONSE else 200), accept


def test_negotiation_of_odd_accept_headers() -> None:
    assert negotiate(None) == "application/json"
    assert negotiate("") == "application/json"
    assert negotiate("application/*") == "application/json"
    assert negotiate("text/plain") == "application/json"
    assert negotiate(f"{GRAPHQL_RESPONSE};q=oops") == "application/json"
    assert negotiate(f"{GRAPHQL_RESPONSE};q=2") == "application/json"
    assert negotiate("APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8") == GRAPHQL_RESPONSE
    assert negotiate(f"*/*, {GRAPHQL_RESPONSE}") == GRAPHQL_RESPONSE
    assert negotiate(f"{GRAPHQL_RESPONSE};q=0.9, */*") == "application/json"
    assert negotiate(",,;,") == "application/json"


async def test_refusals_before_running_use_the_negotiated_media_type(
    client: httpx.AsyncClient, world: World
) -> None:
    """Bad JSON and a bad credential keep their status and body, in the media type the client accepts."""
    for accept, content_type in (
        (GRAPHQL_RESPONSE, f"{GRAPHQL_RESPONSE}; charset=utf-8"),
        (None, "application/json"),
    ):
        headers = {"content-type": "application/json", **({"accept": accept} if accept else {})}
        response = await client.post("/graphql", content=b'{"query":', headers={**world.a.cpms(), **headers})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == content_type
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["status"] == 400

        bad_key = {**headers, "X-API-Key": "cg_live_not-a-key"}
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=bad_key)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == content_type
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["status"] == 401
