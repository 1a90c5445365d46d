"""The one parser for untrusted JSON refuses deep nesting and NUL characters with UnsafeInput, never a
RecursionError, and passes everything else through unchanged."""

from __future__ import annotations

import json

import pytest

from domain.bounded_json import MAX_DEPTH, UnsafeInput, check_text, check_value, loads


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 200_000])
def test_deep_arrays_are_refused_not_recursed(depth: int) -> None:
    with pytest.raises(UnsafeInput) as caught:
        loads("[" * depth + "]" * depth)
    assert caught.value.kind == "too_deep"


def test_deep_objects_are_refused() -> None:
    raw = '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(UnsafeInput) as caught:
        loads(raw)
    assert caught.value.kind == "too_deep"


def test_the_deepest_allowed_value_passes() -> None:
    raw = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(raw) == json.loads(raw)


@pytest.mark.parametrize(
    "raw",
    ['{"name": "a\\u0000b"}', '{"a\\u0000": 1}', '[["x", ["\\u0000"]]]', '"\\u0000"'],
)
def test_nul_anywhere_is_refused(raw: str) -> None:
    with pytest.raises(UnsafeInput) as caught:
        loads(raw)
    assert caught.value.kind == "nul_character"


@pytest.mark.parametrize("raw", ["", "not json", b"\xff\xfe", "[1,", "{'a': 1}"])
def test_invalid_json_is_refused(raw: str | bytes) -> None:
    with pytest.raises(UnsafeInput) as caught:
        loads(raw)
    assert caught.value.kind == "invalid_json"


def test_ordinary_values_pass_unchanged() -> None:
    value = {"name": "Café ⚡", "list": [1, 2.5, None, True, {"nested": ["x"]}], "escaped": "\\u0000"}
    assert loads(json.dumps(value)) == value
    assert check_value(value) is value


def test_check_text() -> None:
    assert check_text("ok") == "ok"
    with pytest.raises(UnsafeInput):
        check_text("a\x00b", "q")
