"""Route modules, one per resource; each registers its endpoints with ``rest_compat.endpoint``."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every module of this package so that its endpoints are registered."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")
