"""An OpenAPI 3.1 document of exactly the REST routes this build serves."""

from __future__ import annotations

import re
from typing import Any

from rest_compat.endpoint import REGISTRY, Endpoint

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "code": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
    },
}


def _operation(ep: Endpoint) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([^}]+)\}", ep.path)
    ]
    for p in ep.params:
        schema: dict[str, Any] = {"type": p.kind}
        if p.fmt:
            schema["format"] = p.fmt
        entry: dict[str, Any] = {"name": p.name, "in": p.where, "required": p.required, "schema": schema}
        if p.description:
            entry["description"] = p.description
        params.append(entry)
    op: dict[str, Any] = {
        "summary": ep.summary,
        "tags": [ep.family],
        "security": [{"ApiKey": []}],
        "parameters": params,
        "responses": {
            str(ep.status): {"description": "Success (the data/success/timestamp envelope)"},
            "default": {"description": "Error", "content": {"application/json": {"schema": _ERROR}}},
        },
    }
    if ep.media_type is not None:
        op["responses"][str(ep.status)] = {
            "description": "Success",
            "content": {ep.media_type: {"schema": {"type": "string"}}},
        }
    if ep.body is not None:
        op["requestBody"] = {
            "content": {"application/json": {"schema": ep.body.model_json_schema(by_alias=True)}}
        }
    return op


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for ep in REGISTRY:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep)
    return {
        "openapi": "3.1.0",
        "info": {"title": "chargegraph REST compatibility API", "version": "1"},
        "components": {
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "DriverBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            }
        },
        "paths": dict(sorted(paths.items())),
    }
