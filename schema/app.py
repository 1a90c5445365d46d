"""The GraphQL ASGI app at /graphql: GraphiQL in a browser, the principal resolved from the request."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from domain.errors import DomainError
from domain.principal import ANONYMOUS, Principal
from resolvers.context import Context, Services
from resolvers.principal import client_address, resolve_principal
from schema.context import GraphQLContext
from schema.loaders import Loaders


class GraphQLApp(GraphQL[GraphQLContext, None]):
    def __init__(self, schema: strawberry.Schema, services: Services, *, trust_proxy: bool = False) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.services = services
        self.trust_proxy = trust_proxy

    async def get_context(self, request: Request | WebSocket, response: Any) -> GraphQLContext:
        principal: Principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
        ctx = Context(self.services, principal)
        return GraphQLContext(ctx=ctx, loaders=Loaders(ctx), request=request, response=response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            peer = request.client.host if request.client else None
            try:
                principal = await resolve_principal(
                    self.services,
                    request.headers,
                    client_ip=client_address(request.headers, peer, trust_proxy=self.trust_proxy),
                    family=None,
                    require_key=False,
                )
            except DomainError as exc:
                body = {
                    "errors": [
                        {"message": exc.message, "extensions": {"code": exc.error, "status": exc.status}}
                    ]
                }
                headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else None
                await JSONResponse(body, status_code=exc.status, headers=headers)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await super().__call__(scope, receive, send)
