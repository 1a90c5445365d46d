"""The layers import only what they may: the domain knows no transport, resolvers no GraphQL or HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "domain": {"strawberry", "starlette", "ocpp", "websockets", "httpx", "uvicorn"},
    "resolvers": {"strawberry", "starlette"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (anywhere in it, TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_imports_are_parsed() -> None:
    assert {"sqlmodel", "domain"} <= imported_packages(ROOT / "domain" / "services" / "api_keys.py")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_no_forbidden_package(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer]) for path in files
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}
