"""Untrusted JSON and text, read once with bounds: nesting depth and characters PostgreSQL refuses.

Every transport (REST bodies, GraphQL requests, OCPP frames) parses what a client sends through
:func:`loads`, so a body nested a thousand levels deep or a string holding ``\\u0000`` is refused
with a clear error before anything reaches a resolver or the database. The standard library's
parser recurses in C and raises ``RecursionError`` near Python's recursion limit; the depth check
here is iterative and runs on the parsed value, so no input can exhaust the stack afterwards
(pydantic, the JSON schema validator, the ORM all walk the value again).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects accepted (the deepest documented body is about 6)."""


UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""Characters no database stores as text: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates
(JSON's ``\\ud800`` escapes parse to them; they have no UTF-8 encoding). A valid surrogate pair is
one character once parsed and is not matched."""


class UnsafeInput(ValueError):
    """The input is not valid, bounded JSON or text; ``reason`` says why in a client's words."""

    def __init__(self, reason: str, *, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        """``invalid_json``, ``too_deep``, ``nul_character`` or ``lone_surrogate``."""


def unstorable(text: str, what: str = "A value") -> UnsafeInput | None:
    """Why ``text`` cannot be stored (a NUL or a lone surrogate in it), or None when it can."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return UnsafeInput(f"{what} contains a NUL character", kind="nul_character")
    return UnsafeInput(f"{what} contains a lone UTF-16 surrogate", kind="lone_surrogate")


def check_text(text: str, what: str = "A value") -> str:
    """``text`` itself when it holds no NUL character or lone surrogate (see :data:`UNSTORABLE`)."""
    problem = unstorable(text, what)
    if problem is not None:
        raise problem
    return text


def check_value(value: Any, *, max_depth: int = MAX_DEPTH, refuse_nul: bool = True) -> Any:
    """``value`` itself when no array/object in it is nested deeper than ``max_depth`` and no string
    (object keys included) holds a NUL or a lone surrogate (unless ``refuse_nul`` is false: then only
    the depth is checked, for a caller that looks for them itself). Iterative: safe for any depth."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if refuse_nul:
                check_text(item, "A string in the JSON")
        elif isinstance(item, dict):
            if depth >= max_depth:
                raise _too_deep(max_depth)
            for key, child in item.items():
                if refuse_nul:
                    check_text(key, "A key in the JSON")
                if isinstance(child, (str, dict, list)):
                    stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth >= max_depth:
                raise _too_deep(max_depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, (str, dict, list)))
    return value


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH, refuse_nul: bool = True) -> Any:
    """Parse untrusted JSON: :class:`UnsafeInput` for invalid JSON, nesting deeper than
    ``max_depth`` or (with ``refuse_nul``) a NUL or lone surrogate in any string; never
    ``RecursionError``."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise _too_deep(max_depth) from exc
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise UnsafeInput("The body is not valid JSON", kind="invalid_json") from exc
    return check_value(value, max_depth=max_depth, refuse_nul=refuse_nul)


def _too_deep(max_depth: int) -> UnsafeInput:
    return UnsafeInput(f"The JSON is nested deeper than {max_depth} levels", kind="too_deep")
