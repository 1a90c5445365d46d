"""What the caller got wrong (not found, missing scope or credential, invalid query or input) is logged at
INFO in one line without a traceback; only what broke on our side is logged at ERROR with its traceback."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest

from resolvers import networks
from tests.world import World, gql

LOGGERS = ("chargegraph", "strawberry")


def _graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(LOGGERS)]


EXPECTED: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("not_found", "query($id: UUID!) { charger(id: $id) { uid } }", {"id": str(uuid.uuid4())}, "cpms"),
    ("insufficient_scope", 'mutation { createCharger(input: {serial: "L-1"}) { uid } }', None, "emsp"),
    ("unauthorized", "{ networks { name } }", None, "none"),
    ("unknown_field", "{ noSuchField }", None, "cpms"),
    ("invalid_variable", "query($id: UUID!) { charger(id: $id) { uid } }", {"id": "not-a-uuid"}, "cpms"),
    ("syntax", "{ networks { ", None, "cpms"),
]


@pytest.mark.parametrize(("case", "query", "variables", "credential"), EXPECTED, ids=[c[0] for c in EXPECTED])
async def test_expected_errors_are_logged_at_info_without_traceback(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    case: str,
    query: str,
    variables: dict[str, Any] | None,
    credential: str,
) -> None:
    headers = {"cpms": world.a.cpms(), "emsp": world.a.emsp(), "none": {}}[credential]
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    body = await gql(client, query, variables, headers=headers)
    assert body["errors"], body
    records = _graphql_records(caplog)
    assert records, f"{case}: nothing logged"
    assert [r for r in records if r.levelno >= logging.WARNING] == []
    for record in records:
        assert record.exc_info is None and record.exc_text is None, case
        assert "Traceback" not in record.getMessage()
        assert "\n" not in record.getMessage()


async def test_a_domain_validation_error_is_logged_at_info(
    client: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mutation = (
        "mutation($input: ApiKeyCreateInput!) "
        '{ createApiKey(input: $input, family: "cpms", visibility: "Publishable") { key } }'
    )
    body = await gql(client, mutation, {"input": {"name": "x"}}, headers=world.a.cpms())
    assert body["errors"][0]["extensions"]["code"] == "validation_error", body
    records = _graphql_records(caplog)
    assert records and all(r.levelno == logging.INFO and r.exc_info is None for r in records)
    assert any("validation_error" in r.getMessage() for r in records)


async def test_an_unexpected_error_is_logged_at_error_with_its_traceback(
    client: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_ctx: object) -> list[object]:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(networks, "list_networks", broken)
    caplog.set_level(logging.DEBUG)
    body = await gql(client, "{ networks { name } }", headers=world.a.cpms())
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in str(body)
    errors = [r for r in _graphql_records(caplog) if r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in _graphql_records(caplog)]
    assert errors[0].exc_info is not None and isinstance(errors[0].exc_info[1], RuntimeError)
