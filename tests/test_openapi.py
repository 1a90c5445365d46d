"""``GET /openapi.json`` and ``chargegraph openapi``: exactly the REST routes served, all documented ones."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from chargegraph.cli import main
from tests.spec import documented

# Served beside the REST routes but not part of the OpenAPI document: the GraphQL endpoint, health,
# the redirect at / and the two undocumented helpers.
NOT_REST = {"/", "/health", "/graphql"}
UNDOCUMENTED = {"/openapi.json", "/.well-known/scopes"}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def _served(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.methods and route.path not in NOT_REST | UNDOCUMENTED
        for method in route.methods
        if method != "HEAD"
    }


async def test_openapi_document_lists_exactly_the_served_routes(client: httpx.AsyncClient, app: Any) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"]
    operations = _operations(document)
    assert operations, "no REST route is served"
    assert operations == _served(app)


async def test_every_documented_operation_is_in_the_catalogue(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for method, path in _operations(document):
        assert path not in UNDOCUMENTED
        entry = documented(method, path)  # KeyError: a path the references do not document
        assert entry["path"] == path


async def test_undocumented_helpers_are_served(client: httpx.AsyncClient) -> None:
    for path in sorted(UNDOCUMENTED):
        r = await client.get(path)
        assert r.status_code == 200, path


async def test_cli_prints_the_same_document(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    served = (await client.get("/openapi.json")).json()
    capsys.readouterr()
    assert main(["openapi"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert _operations(printed) == _operations(served)
    assert printed["paths"].keys() == served["paths"].keys()
