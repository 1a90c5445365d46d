"""``GET /openapi.json`` and ``chargegraph openapi``: exactly the REST routes served, all documented ones."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from chargegraph.cli import main
from tests.conftest import SQLITE_ONLY
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


@SQLITE_ONLY
async def test_openapi_document_lists_exactly_the_served_routes(client: httpx.AsyncClient, app: Any) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"]
    operations = _operations(document)
    assert operations, "no REST route is served"
    assert operations == _served(app)


@SQLITE_ONLY
async def test_every_documented_operation_is_in_the_catalogue(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for method, path in _operations(document):
        assert path not in UNDOCUMENTED
        entry = documented(method, path)  # KeyError: a path the references do not document
        assert entry["path"] == path


@SQLITE_ONLY
async def test_undocumented_helpers_are_served(client: httpx.AsyncClient) -> None:
    for path in sorted(UNDOCUMENTED):
        r = await client.get(path)
        assert r.status_code == 200, path


@SQLITE_ONLY
async def test_cli_prints_the_same_document(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    served = (await client.get("/openapi.json")).json()
    capsys.readouterr()
    assert main(["openapi"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert _operations(printed) == _operations(served)
    assert printed["paths"].keys() == served["paths"].keys()


def _refs(node: Any, where: str = "#") -> list[tuple[str, str]]:
    """Every ``$ref`` in the document, with the JSON pointer of the object holding it."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.append((where, node["$ref"]))
        for key, value in node.items():
            found.extend(_refs(value, f"{where}/{key.replace('~', '~0').replace('/', '~1')}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_refs(value, f"{where}/{index}"))
    return found


def _resolve(document: dict[str, Any], ref: str) -> Any:
    """A local reference (``#/a/b``) resolved against the whole document, as OpenAPI tools do."""
    assert ref.startswith("#/"), f"not a local reference: {ref}"
    node: Any = document
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve (no {part!r})"
        node = node[part]
    return node


@SQLITE_ONLY
async def test_every_reference_in_the_document_resolves(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    refs = _refs(document)
    assert refs, "the body schemas with nested models should reference components"
    for where, ref in refs:
        assert ref.startswith("#/components/schemas/"), f"{where}: {ref}"
        target = _resolve(document, ref)
        assert isinstance(target, dict) and target, f"{where}: {ref}"
    # The nested models of the three operations that had body-local $defs are components now.
    schemas = document["components"]["schemas"]
    for name in ("BillingUpdate", "BrandingUpdate", "VariableSpec"):
        assert schemas[name]["type"] == "object"
    assert "$defs" not in json.dumps(document)
