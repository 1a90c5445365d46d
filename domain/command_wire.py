"""Commands and verdicts as JSON, for the instances of a deployment to hand each other over the bus.

A command travels as ``{"type": "<class name>", "args": {<field>: <value>}}``; a verdict as its
fields. Values follow the dataclasses' type hints: datetimes as ISO 8601 (offset kept), decimals as
strings, nested dataclasses as objects, tuples as arrays. Decoding is strict (unknown commands,
unknown or missing fields, wrong types are a :class:`WireError`): two instances of different
versions fail loudly instead of sending a charger something else than was asked.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from domain import commands
from domain.commands import Command, Verdict

COMMAND_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(Command)}
"""Every command class by name."""


class WireError(ValueError):
    """A message that is not a command or verdict this version understands."""


def encode_command(command: Command) -> dict[str, Any]:
    name = type(command).__name__
    if COMMAND_TYPES.get(name) is not type(command):
        raise WireError(f"not a command: {name}")
    return {"type": name, "args": _fields(command)}


def decode_command(raw: Any) -> Command:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise WireError("a command is an object with a type")
    cls = COMMAND_TYPES.get(raw["type"])
    if cls is None:
        raise WireError(f"unknown command {raw['type']!r}")
    command: Command = _dataclass(cls, raw.get("args", {}), raw["type"])
    return command


def encode_verdict(verdict: Verdict) -> dict[str, Any]:
    return _fields(verdict)


def decode_verdict(raw: Any) -> Verdict:
    verdict: Verdict = _dataclass(Verdict, raw, "verdict")
    return verdict


def _fields(value: Any) -> dict[str, Any]:
    return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    raise WireError(f"cannot encode {type(value).__name__}")


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls, vars(commands))
    return _HINTS[cls]


def _dataclass(cls: type[Any], raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise WireError(f"{where}: expected an object")
    hints = _hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise WireError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in known.items():
        if name in raw:
            values[name] = _decode(hints[name], raw[name], f"{where}.{name}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise WireError(f"{where}: {name} is missing")
    return cls(**values)


def _decode(hint: Any, raw: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        if raw is None and len(options) < len(get_args(hint)):
            return None
        if len(options) != 1:
            raise WireError(f"{where}: ambiguous type {hint}")
        return _decode(options[0], raw, where)
    if origin is Literal:
        if raw not in get_args(hint):
            raise WireError(f"{where}: {raw!r} is not one of {get_args(hint)}")
        return raw
    if origin is tuple:
        return _tuple(get_args(hint), raw, where)
    if origin is dict or hint is Any:
        if origin is dict and not isinstance(raw, dict):
            raise WireError(f"{where}: expected an object")
        return raw
    if dataclasses.is_dataclass(hint):
        return _dataclass(hint, raw, where)  # type: ignore[arg-type]
    return _scalar(hint, raw, where)


def _tuple(args: tuple[Any, ...], raw: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise WireError(f"{where}: expected an array")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_decode(args[0], item, f"{where}[{i}]") for i, item in enumerate(raw))
    if len(raw) != len(args):
        raise WireError(f"{where}: expected {len(args)} items")
    return tuple(
        _decode(arg, item, f"{where}[{i}]") for i, (arg, item) in enumerate(zip(args, raw, strict=True))
    )


def _scalar(hint: Any, raw: Any, where: str) -> Any:
    if hint is bool and isinstance(raw, bool):
        return raw
    if hint is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if hint is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if hint is str and isinstance(raw, str):
        return raw
    if hint is Decimal and isinstance(raw, str | int):
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise WireError(f"{where}: not a decimal") from None
    if hint is datetime and isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise WireError(f"{where}: not an ISO 8601 time") from None
    raise WireError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(raw).__name__}")
