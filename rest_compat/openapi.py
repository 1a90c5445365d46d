"""An OpenAPI 3.1 document of exactly the REST routes this build serves.

Request bodies reference their models in ``components/schemas``: pydantic generates all body models in
one pass (``models_json_schema``), so nested models land there too (not in a body's own ``$defs``, which
a ``#/$defs/...`` reference resolved against the document could never reach) and a name used by two
models is made unique once for the whole document.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema

from rest_compat.endpoint import REGISTRY, Endpoint

REF_TEMPLATE = "#/components/schemas/{model}"

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "code": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
    },
}


def _operation(ep: Endpoint, bodies: dict[type[BaseModel], JsonSchemaValue]) -> dict[str, Any]:
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
        op["requestBody"] = {"content": {"application/json": {"schema": bodies[ep.body]}}}
    return op


def _body_schemas() -> tuple[dict[type[BaseModel], JsonSchemaValue], dict[str, JsonSchemaValue]]:
    """Each body model's schema (a reference) and every model it needs, for ``components/schemas``."""
    models = list(dict.fromkeys(ep.body for ep in REGISTRY if ep.body is not None))
    refs, definitions = models_json_schema(
        [(model, "validation") for model in models], by_alias=True, ref_template=REF_TEMPLATE
    )
    return {model: refs[(model, "validation")] for model in models}, dict(definitions.get("$defs", {}))


def openapi_document() -> dict[str, Any]:
    bodies, schemas = _body_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for ep in REGISTRY:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, bodies)
    return {
        "openapi": "3.1.0",
        "info": {"title": "chargegraph REST compatibility API", "version": "1"},
        "components": {
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "DriverBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
            "schemas": dict(sorted(schemas.items())),
        },
        "paths": dict(sorted(paths.items())),
    }
