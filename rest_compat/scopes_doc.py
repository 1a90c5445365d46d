"""``GET /.well-known/scopes``: the scope vocabulary, public."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from domain.scopes import CPMS_SCOPES, EMSP_SCOPES
from rest_compat.envelope import success


async def well_known_scopes(_request: Request) -> Response:
    def rows(scopes: dict[str, str]) -> list[dict[str, str]]:
        return [{"scope": name, "description": text} for name, text in scopes.items()]

    return success({"cpms": rows(CPMS_SCOPES), "emsp": rows(EMSP_SCOPES), "wildcards": ["cpms:*", "emsp:*"]})
