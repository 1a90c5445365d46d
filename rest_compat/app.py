"""The Starlette routes of the REST compatibility layer, built from the endpoint registry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.container import Services
from rest_compat.endpoint import REGISTRY, asgi_handler
from rest_compat.envelope import error_body
from rest_compat.openapi import openapi_document
from rest_compat.routes import load_all
from rest_compat.scopes_doc import well_known_scopes


def rest_routes(services: Services) -> list[BaseRoute]:
    load_all()
    routes: list[BaseRoute] = [
        Route(ep.path, asgi_handler(ep, services), methods=[ep.method]) for ep in REGISTRY
    ]

    async def openapi(_request: Request) -> Response:
        return JSONResponse(openapi_document())

    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    routes.append(Route("/.well-known/scopes", well_known_scopes, methods=["GET"]))
    return routes


async def not_found(_request: Request, _exc: Exception) -> Response:
    return JSONResponse(error_body("not_found", "No such route"), status_code=404)


async def method_not_allowed(_request: Request, _exc: Exception) -> Response:
    return JSONResponse(error_body("method_not_allowed", "Method not allowed on this route"), status_code=405)
