"""The ASGI application: GraphQL at /graphql, the REST compatibility routes, health, lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from chargegraph import startup_checks
from chargegraph.bus import EventBus
from chargegraph.migrate import upgrade
from chargegraph.request_limits import RequestLimits
from chargegraph.security_headers import SecurityHeaders, page_policy
from chargegraph.services import build_services
from chargegraph.settings import Settings, get_settings
from chargegraph.workers import Workers
from domain.container import Services
from ocpp_server.endpoint import OcppEndpoint
from ocpp_server.registry import ConnectionRegistry
from ocpp_server.uploads import upload_routes
from rest_compat.app import method_not_allowed, not_found, rest_routes
from schema.app import GraphQLApp
from schema.root import build_schema

UPLOADS_PREFIX = "/ocpp/uploads/"
"""Charger file uploads: streamed to disk under their own limit, so not bound by ``max_body_bytes``."""


def create_app(
    settings: Settings | None = None, *, services: Services | None = None, migrate: bool = True
) -> Starlette:
    settings = settings or get_settings()
    services = services or build_services(settings)
    schema = build_schema(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
    )
    graphql = GraphQLApp(schema, services)

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def home(_request: Request) -> Response:
        return RedirectResponse("/graphql")

    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/health", health),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        *rest_routes(services),
        *upload_routes(services.db, services.auth, services.ocpp),
    ]
    registry = services.commands if isinstance(services.commands, ConnectionRegistry) else None
    if registry is not None:
        routes.append(OcppEndpoint(services, registry).route())

    bus = services.bus if isinstance(services.bus, EventBus) else None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if migrate:
            await upgrade(services.db)
        try:
            await startup_checks.check(services)
            async with contextlib.AsyncExitStack() as stack:
                if bus is not None:
                    await stack.enter_async_context(bus)
                if registry is not None:
                    await stack.enter_async_context(registry.routing())
                    # Runs before routing stops: chargers leaving are still announced to the others.
                    stack.push_async_callback(registry.close)
                await stack.enter_async_context(Workers(services))
                yield
        finally:
            await services.db.dispose()

    proxy_headers = (
        [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)]
        if settings.trust_proxy_headers
        else []
    )
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: method_not_allowed},
        middleware=[
            # Outermost, so every answer of the app (the request limits' 413 included) carries them.
            Middleware(SecurityHeaders, page_policies={"/graphql": page_policy(graphql.graphql_ide_html)}),
            # The one place the client address is decided: behind trusted proxies only, the right-most
            # X-Forwarded-For hop that is not one of them replaces the peer in the ASGI scope.
            *proxy_headers,
            Middleware(
                RequestLimits,
                max_body_bytes=settings.max_body_bytes,
                exempt_prefixes=(UPLOADS_PREFIX,),
                graphql_paths=("/graphql",),
            ),
        ],
    )
    app.state.services = services
    app.state.schema = schema
    return app
