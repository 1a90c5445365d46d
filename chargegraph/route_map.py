"""``chargegraph routes``: every served route, the handler behind it, the resolver that handler calls and
the GraphQL field that calls the same resolver.

The resolvers a function calls are read from its source: every name and dotted name it uses
(``ops.create_location``, ``list_locations``) is looked up in the function's globals and closure, and the
plain functions defined in a ``resolvers.*`` module are kept. Helpers of the same module that the
function uses are followed, so a handler that delegates to ``_target(call)`` still shows its resolver.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

RESOLVERS = "resolvers."
_MISSING = object()


@dataclass(frozen=True)
class RouteEntry:
    method: str
    """An HTTP method, or ``WS`` for a WebSocket route."""
    path: str
    handler: str
    resolvers: tuple[str, ...] = ()
    graphql: tuple[str, ...] = ()
    """``Type.field`` of every root GraphQL field whose resolver calls one of ``resolvers``."""

    def line(self) -> str:
        target = ", ".join(self.resolvers) or "-"
        fields = f"  [graphql: {', '.join(self.graphql)}]" if self.graphql else ""
        return f"{self.method:<6} {self.path} -> {self.handler} -> {target}{fields}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "resolvers": list(self.resolvers), "graphql": list(self.graphql)}


def qualified(obj: object) -> str:
    """``module.qualname`` of a function or method, else of the object's class."""
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _lookup(scope: dict[str, Any], parts: Sequence[str]) -> object:
    obj = scope.get(parts[0], _MISSING)
    for attr in parts[1:]:
        if obj is _MISSING:
            break
        try:
            obj = getattr(obj, attr, _MISSING)
        except Exception:  # noqa: BLE001  (a property that fails: not a function, so not a resolver)
            return _MISSING
    return obj


def _used(func: Callable[..., Any]) -> Iterator[object]:
    """The objects ``func``'s body names, in source order (its decorators and defaults excluded)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return
    scope = {**func.__globals__, **inspect.getclosurevars(func).nonlocals}
    nodes = [n for stmt in definition.body for n in ast.walk(stmt) if isinstance(n, ast.Attribute | ast.Name)]
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        parts = _dotted(node)
        if parts is not None:
            yield _lookup(scope, parts)


def is_operation(func: Callable[..., Any]) -> bool:
    """An operation resolver (async, like ``create_location``), not a shaping helper (``kwh``)."""
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


def resolvers_called(func: Callable[..., Any]) -> tuple[Callable[..., Any], ...]:
    """The ``resolvers.*`` functions ``func`` uses, directly or through helpers of its own module:
    operations before shaping helpers, then the ones ``func`` names itself before its helpers' ones."""
    found: list[Callable[..., Any]] = []
    seen: set[int] = set()
    pending = [inspect.unwrap(func)]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        for obj in _used(current):
            if not inspect.isfunction(obj):
                continue
            if obj.__module__.startswith(RESOLVERS):
                if obj not in found:
                    found.append(obj)
            elif obj.__module__ == current.__module__:
                pending.append(inspect.unwrap(obj))
    return tuple(sorted(found, key=lambda f: not is_operation(f)))


def graphql_fields() -> dict[str, list[str]]:
    """For each resolver function, the root GraphQL fields (``Mutation.createLocation``) that call it."""
    from strawberry.types.base import get_object_definition

    from schema.root import build_schema

    schema = build_schema()
    fields: dict[str, list[str]] = {}
    for root in (schema.query, schema.mutation, schema.subscription):
        definition = get_object_definition(root) if root is not None else None
        if definition is None:
            continue
        for field in definition.fields:
            if field.base_resolver is None:
                continue
            name = f"{definition.name}.{schema.config.name_converter.get_graphql_name(field)}"
            func = field.base_resolver.wrapped_func
            if isinstance(func, staticmethod | classmethod):
                func = func.__func__
            for resolver in resolvers_called(func):
                if is_operation(resolver):
                    fields.setdefault(qualified(resolver), []).append(name)
    return fields


def _served(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, object]]:
    """(method, path, endpoint) of every route, mounted ones included."""
    for route in routes:
        if isinstance(route, Mount):
            yield from _served(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            methods = route.methods or {"GET"}
            for method in sorted(methods - {"HEAD"} if "GET" in methods else methods):
                yield method, prefix + route.path, route.endpoint
        elif isinstance(route, WebSocketRoute):
            yield "WS", prefix + route.path, route.endpoint


def _app_routes() -> list[BaseRoute]:
    """The routes of the app ``chargegraph serve`` runs, built with default settings (nothing is read from
    the environment, nothing is connected or written)."""
    from chargegraph.app import create_app
    from chargegraph.settings import Settings

    settings = Settings.model_construct(secret_key="chargegraph-routes", database_url="sqlite+aiosqlite://")
    return list(create_app(settings, migrate=False).routes)


def route_map(routes: Sequence[BaseRoute] | None = None) -> list[RouteEntry]:
    """Every served route, sorted by path then method. A documented REST route names its registered
    handler (``rest_compat.endpoint.REGISTRY``); any other route names its Starlette endpoint."""
    from rest_compat.endpoint import REGISTRY
    from rest_compat.routes import load_all

    load_all()
    served = _app_routes() if routes is None else routes
    handlers = {(ep.method.upper(), ep.path): ep.handler for ep in REGISTRY}
    by_resolver = graphql_fields()
    entries: list[RouteEntry] = []
    for method, path, endpoint in _served(served):
        handler = handlers.get((method, path))
        if handler is None:
            entries.append(RouteEntry(method, path, qualified(endpoint)))
            continue
        called = tuple(qualified(resolver) for resolver in resolvers_called(handler))
        fields = [field for resolver in called for field in by_resolver.get(resolver, [])]
        entries.append(
            RouteEntry(method, path, qualified(inspect.unwrap(handler)), called, tuple(dict.fromkeys(fields)))
        )
    return sorted(entries, key=lambda e: (e.path, e.method))
