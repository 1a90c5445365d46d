"""The layers import only what they may: the README's layer table (Architecture) as an executable contract.

Every import statement counts, wherever it is (inside functions and ``TYPE_CHECKING`` blocks too).
Third-party: the domain knows no transport, resolvers no GraphQL or HTTP. First-party: each package
imports only the packages its row of the table names (and itself).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "domain": {"strawberry", "starlette", "ocpp", "websockets", "httpx", "uvicorn"},
    "resolvers": {"strawberry", "starlette"},
}

EVERYTHING = frozenset(
    {"chargegraph", "domain", "resolvers", "schema", "rest_compat", "ocpp_server", "migrations"}
)
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "resolvers": frozenset({"domain"}),
    "schema": frozenset({"resolvers", "domain"}),
    "rest_compat": frozenset({"resolvers", "domain"}),
    "ocpp_server": frozenset({"domain"}),
    "chargegraph": EVERYTHING,
    "migrations": frozenset({"domain"}),
}
"""The first-party packages each layer may import besides itself (the README's "may import" column)."""

UNCHECKED = {"tests", "bench"}
"""May import anything."""


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (anywhere in it, TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def first_party_packages() -> set[str]:
    """The packages the distribution ships (pyproject's ``[tool.setuptools.packages.find] include``)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.rstrip("*").rstrip(".") for pattern in include}


def back_edges(layer: str) -> dict[str, list[str]]:
    """Each module of ``layer`` that imports a first-party package its row does not allow, with those."""
    allowed = MAY_IMPORT[layer] | {layer}
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(ROOT)): sorted((imported_packages(path) & EVERYTHING) - allowed)
        for path in files
    }
    return {name: bad for name, bad in offenders.items() if bad}


def test_imports_are_parsed() -> None:
    assert {"sqlmodel", "domain"} <= imported_packages(ROOT / "domain" / "services" / "api_keys.py")


def test_the_contract_names_every_first_party_package() -> None:
    """A new top-level package must get a row (here and in the README) before it can be imported."""
    on_disk = {path.parent.name for path in ROOT.glob("*/__init__.py")} - UNCHECKED
    assert first_party_packages() == set(MAY_IMPORT) == EVERYTHING == on_disk


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_no_forbidden_package(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer]) for path in files
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_layer_imports_only_the_layers_below(layer: str) -> None:
    offenders = back_edges(layer)
    allowed = ", ".join(sorted(MAY_IMPORT[layer])) or "no other first-party package"
    assert offenders == {}, f"{layer} may import only {allowed}; these modules import more: {offenders}"
