"""``chargegraph routes``: every served path, one command away from its handler, resolver, GraphQL field."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import re
from typing import Any

import pytest
from strawberry.types.base import get_object_definition

from chargegraph.cli import main
from rest_compat.endpoint import REGISTRY
from rest_compat.openapi import openapi_document
from rest_compat.routes import load_all
from schema.root import build_schema
from tests.spec import CATALOGUE

LINE = re.compile(r"^(?P<method>[A-Z]+) +(?P<path>\S+) -> (?P<handler>\S+) -> (?P<rest>.+)$")


@pytest.fixture(scope="module")
def listing() -> tuple[str, list[dict[str, Any]]]:
    """The text and the ``--json`` output of ``chargegraph routes`` (run in-process, once each)."""
    outputs = []
    for args in ([], ["--json"]):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            assert main(["routes", *args]) == 0
        outputs.append(out.getvalue())
    return outputs[0], json.loads(outputs[1])


def _lines(text: str) -> dict[tuple[str, str], re.Match[str]]:
    parsed: dict[tuple[str, str], re.Match[str]] = {}
    for line in text.splitlines():
        match = LINE.match(line)
        assert match is not None, f"not METHOD path -> handler -> resolver: {line!r}"
        key = (match["method"], match["path"])
        assert key not in parsed, f"listed twice: {key}"
        parsed[key] = match
    return parsed


def test_every_registered_endpoint_is_listed_once_with_its_handler(listing: tuple[str, Any]) -> None:
    lines = _lines(listing[0])
    load_all()
    assert REGISTRY
    for ep in REGISTRY:
        line = lines[(ep.method, ep.path)]
        assert line["handler"] == f"{ep.handler.__module__}.{ep.handler.__qualname__}"


def test_every_documented_path_the_api_serves_is_listed(listing: tuple[str, Any]) -> None:
    lines = _lines(listing[0])
    served = openapi_document()["paths"]
    documented = json.loads(CATALOGUE.read_text())["endpoints"]
    wanted = {
        (e["method"].upper(), e["path"])
        for e in documented
        if e["method"].lower() in served.get(e["path"], {})
    }
    assert len(wanted) >= 100
    assert wanted - set(lines) == set()


def test_sorted_by_path_then_method(listing: tuple[str, Any]) -> None:
    keys = [(m["path"], m["method"]) for m in _lines(listing[0]).values()]
    assert keys == sorted(keys)


def test_a_documented_path_leads_to_its_resolver_and_graphql_field(listing: tuple[str, Any]) -> None:
    text = listing[0]
    assert (
        "POST   /cpms/v1/locations -> rest_compat.routes.cpms_locations.create_location"
        " -> resolvers.locations.create_location  [graphql: Mutation.createLocation]"
    ) in text.splitlines()
    lines = _lines(text)
    assert (
        lines[("GET", "/emsp/v1/tariffs/{id}")]["rest"]
        == "resolvers.tariffs.get_tariff  [graphql: Query.tariff]"
    )
    # The cpms and emsp reboot routes and the GraphQL mutation share one resolver.
    for key in (
        ("POST", "/cpms/v1/chargers/{chargerUuid}/reboot"),
        ("POST", "/emsp/v1/chargers/{id}/reboot"),
    ):
        assert lines[key]["rest"] == "resolvers.charger_commands.reset  [graphql: Mutation.rebootCharger]"


def test_routes_outside_the_registry_are_listed_with_their_endpoint(listing: tuple[str, Any]) -> None:
    lines = _lines(listing[0])
    expected = {
        ("WS", "/ocpp/{charge_point_id}"): "ocpp_server.endpoint.OcppEndpoint.handle",
        ("POST", "/graphql"): "schema.app.GraphQLApp",
        ("GET", "/graphql"): "schema.app.GraphQLApp",
        ("WS", "/graphql"): "schema.app.GraphQLApp",
        ("GET", "/openapi.json"): "rest_compat.app.rest_routes.<locals>.openapi",
        ("GET", "/health"): "chargegraph.app.create_app.<locals>.health",
        ("PUT", "/ocpp/uploads/{token}/{filename}"): "ocpp_server.uploads.Uploads.upload",
        ("GET", "/ocpp/uploads/{token}/{filename}"): "ocpp_server.uploads.Uploads.download",
    }
    for key, handler in expected.items():
        assert lines[key]["handler"] == handler
        assert lines[key]["rest"] == "-", "a route that calls no resolver shows -"


def test_every_named_resolver_and_field_exists(listing: tuple[str, list[dict[str, Any]]]) -> None:
    text, entries = listing
    assert [(e["method"], e["path"]) for e in entries] == list(_lines(text))
    schema = build_schema()
    roots = [get_object_definition(t) for t in (schema.query, schema.mutation, schema.subscription) if t]
    fields = {
        f"{d.name}.{schema.config.name_converter.get_graphql_name(f)}" for d in roots if d for f in d.fields
    }
    registered = {(ep.method, ep.path) for ep in REGISTRY}
    for entry in entries:
        if (entry["method"], entry["path"]) in registered:
            assert entry["resolvers"], f"{entry['method']} {entry['path']} calls no resolver"
        for name in entry["resolvers"]:
            module, _, function = name.rpartition(".")
            assert module.startswith("resolvers.")
            assert callable(getattr(importlib.import_module(module), function))
        assert set(entry["graphql"]) <= fields
