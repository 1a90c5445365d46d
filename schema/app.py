"""The GraphQL ASGI app at /graphql: GraphiQL in a browser, the principal resolved from the request.

Websockets speak ``graphql-transport-ws`` and the legacy ``graphql-ws``. The caller authenticates like
over HTTP, with the handshake's ``X-API-Key`` / ``Authorization: Bearer`` headers or, since browsers
cannot set those, with the ``connection_init`` payload (``apiKey``, ``X-API-Key``, ``authorization``,
``Authorization`` or ``token``). A connection without a valid credential is refused: closed with 4403
(graphql-transport-ws) or answered ``connection_error`` and closed (graphql-ws). Every operation on
the connection runs as that principal, with its own dataloaders.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from domain import bounded_json
from domain.container import Services
from domain.errors import DomainError
from domain.principal import ANONYMOUS, Principal
from resolvers.context import Context
from resolvers.principal import client_address, resolve_principal
from schema.context import GraphQLContext
from schema.http_errors import HTTP_CODES, graphql_error_body, is_request_error
from schema.loaders import Loaders
from schema.media_types import CONTENT_TYPES, GRAPHQL_RESPONSE_JSON, negotiate

API_KEY_PARAMS = ("apiKey", "X-API-Key", "x-api-key")
AUTHORIZATION_PARAMS = ("authorization", "Authorization")
TOKEN_PARAMS = ("token",)


@dataclass
class SocketContext(GraphQLContext):
    """The context of one websocket connection; ``connection_params`` is the connection_init payload."""

    connection_params: dict[str, object] | None = None

    def for_operation(self) -> SocketContext:
        """The same caller with fresh dataloaders, so one operation never sees another's cached rows."""
        return dataclasses.replace(self, loaders=Loaders(self.ctx))


def _param(params: Mapping[str, object], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def credential_headers(handshake: Mapping[str, str], params: Mapping[str, object] | None) -> dict[str, str]:
    """The credentials of a websocket connection as the headers ``resolve_principal`` reads: the
    handshake's ``X-API-Key`` and ``Authorization``, each replaced by the connection_init payload's
    (``apiKey`` / ``X-API-Key``; ``authorization`` / ``Authorization``, or a bare ``token``)."""
    headers = {name: handshake[name] for name in ("x-api-key", "authorization") if handshake.get(name)}
    params = params or {}
    key = _param(params, API_KEY_PARAMS)
    if key is not None:
        headers["x-api-key"] = key
    authorization = _param(params, AUTHORIZATION_PARAMS)
    token = _param(params, TOKEN_PARAMS)
    if authorization is not None:
        headers["authorization"] = authorization if " " in authorization else f"Bearer {authorization}"
    elif token is not None:
        headers["authorization"] = f"Bearer {token}"
    return headers


class _PerOperation:
    """The schema as the websocket handlers use it: every operation gets its own copy of the
    connection's context (same principal, fresh dataloaders). Strawberry shares one context object
    across a connection, so without this a dataloader cache would outlive its operation."""

    def __init__(self, schema: BaseSchema) -> None:
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    @staticmethod
    def _own(kwargs: dict[str, Any]) -> dict[str, Any]:
        context = kwargs.get("context_value")
        if isinstance(context, SocketContext):
            kwargs["context_value"] = context.for_operation()
        return kwargs

    async def stream(self, query: str | None, **kwargs: Any) -> Any:
        return await self._schema.stream(query, **self._own(kwargs))

    async def subscribe(self, query: str | None, **kwargs: Any) -> Any:
        """The legacy protocol's ``start``: any operation, as subscriptions-transport-ws clients send
        queries and mutations over the socket too (Strawberry would take subscriptions only)."""
        return await self._schema.stream(query, **self._own(kwargs))


class _TransportWSHandler(BaseGraphQLTransportWSHandler[GraphQLContext, None]):
    def __init__(self, *, schema: BaseSchema, **kwargs: Any) -> None:
        super().__init__(schema=cast("BaseSchema", _PerOperation(schema)), **kwargs)


class _LegacyWSHandler(BaseGraphQLWSHandler[GraphQLContext, None]):
    def __init__(self, *, schema: BaseSchema, **kwargs: Any) -> None:
        super().__init__(schema=cast("BaseSchema", _PerOperation(schema)), **kwargs)


class JSONRefused(HTTPException):
    """A request body (or GET ``variables``) that is not bounded, NUL-free JSON: 400 ``invalid_json``."""

    code = "invalid_json"


def refusal(
    request: Request, body: dict[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> Response:
    """A request refused before it ran, in the media type the client accepts (its status either way)."""
    media = {"content-type": CONTENT_TYPES[negotiate(request.headers.get("accept"))], "vary": "Accept"}
    return JSONResponse(body, status_code=status, headers={**(headers or {}), **media})


class GraphQLApp(GraphQL[GraphQLContext, None]):
    """Answers in the media type the client's ``Accept`` ranks highest (schema/media_types.py): in
    ``application/graphql-response+json`` a request error (schema/http_errors.py) is a 400 without a
    ``data`` entry; in ``application/json`` (the default) every executed request is a 200, as before."""

    graphql_transport_ws_handler_class = _TransportWSHandler
    graphql_ws_handler_class = _LegacyWSHandler

    def __init__(self, schema: strawberry.Schema, services: Services) -> None:
        # graphql-ws (legacy) clients expect "ka" keep-alives; graphql-transport-ws clients ping.
        super().__init__(
            schema,
            graphql_ide="graphiql",
            keep_alive=True,
            keep_alive_interval=services.events_config.sse_keepalive_seconds,
        )
        self.services = services

    def parse_json(self, data: str | bytes) -> Any:
        """HTTP bodies and GET ``variables``/``extensions``, parsed once with bounds (domain.bounded_json)."""
        try:
            return bounded_json.loads(data)
        except bounded_json.UnsafeInput as exc:
            raise JSONRefused(400, exc.reason) from exc

    def decode_json(self, data: str | bytes) -> object:
        """Websocket messages too: an unsafe one is refused as invalid JSON (graphql-transport-ws closes
        the socket with 4400; the legacy protocol ignores the message)."""
        try:
            return bounded_json.loads(data)
        except bounded_json.UnsafeInput as exc:
            raise json.JSONDecodeError(exc.reason, data if isinstance(data, str) else "", 0) from exc

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """The response the answer is built on carries the negotiated media type to ``create_response``."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept"))
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """A request error has no ``data`` entry in ``application/graphql-response+json``."""
        response = await super().process_result(request, result)
        if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            response.pop("data", None)
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """The negotiated ``Content-Type``; in ``application/graphql-response+json`` an answer without
        ``data`` (a request error) is a 400, unless a resolver chose the status."""
        response = super().create_response(response_data, sub_response)
        response.headers.add_vary_header("Accept")
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = CONTENT_TYPES[GRAPHQL_RESPONSE_JSON]
            request_error = isinstance(response_data, dict) and "data" not in response_data
            if request_error and not sub_response.status_code:
                response.status_code = 400
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> GraphQLContext:
        principal: Principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
        ctx = Context(self.services, principal)
        if isinstance(request, WebSocket):  # authenticated in on_ws_connect
            return SocketContext(ctx=ctx, loaders=Loaders(ctx), request=request, response=response)
        return GraphQLContext(ctx=ctx, loaders=Loaders(ctx), request=request, response=response)

    async def on_ws_connect(self, context: GraphQLContext) -> UnsetType | dict[str, object] | None:
        """Authenticate the connection from its connection_init payload or handshake headers."""
        assert isinstance(context, SocketContext)
        websocket: WebSocket = context.request
        try:
            principal = await resolve_principal(
                self.services,
                credential_headers(websocket.headers, context.connection_params),
                client_ip=client_address(websocket.scope),
                family=None,
                require_key=False,
            )
        except DomainError as exc:
            payload: dict[str, object] = {"message": exc.message, "code": exc.error, "status": exc.status}
            if hasattr(exc, "retry_after"):
                payload["retryAfter"] = exc.retry_after
            raise ConnectionRejectionError(payload) from exc
        if principal == ANONYMOUS:
            raise ConnectionRejectionError(
                {
                    "message": "Authentication required: send an API key or a driver's bearer token "
                    "in the connection_init payload (apiKey, token) or the handshake headers",
                    "code": "unauthorized",
                    "status": 401,
                }
            )
        context.ctx = Context(self.services, principal)
        context.loaders = Loaders(context.ctx)
        return cast("UnsetType", UNSET)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                principal = await resolve_principal(
                    self.services,
                    request.headers,
                    client_ip=client_address(request.scope),
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
                await refusal(request, body, exc.status, headers)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
            try:
                response = await self.run(request)
            except HTTPException as exc:  # refused before running: a GraphQL-shaped error, not plain text
                code = getattr(exc, "code", None) or HTTP_CODES.get(exc.status_code, "bad_request")
                body = graphql_error_body(exc.reason, code, exc.status_code)
                response = refusal(request, body, exc.status_code)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
