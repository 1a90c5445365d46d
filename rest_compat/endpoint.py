"""Declaring a REST endpoint: path, family, status and parameters, in one registry for routing and OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain import bounded_json
from domain.container import Services
from domain.errors import BadRequest, DomainError, ValidationFailed
from domain.paging import Page, PageRequest
from resolvers.context import Context
from resolvers.principal import client_address, resolve_principal
from rest_compat.envelope import PaginationStyle, error_body, failure, pagination, success

log = logging.getLogger("chargegraph.rest")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "string"
    fmt: str | None = None
    description: str | None = None
    required: bool = False
    where: str = "query"
    """Where the parameter travels: ``query`` or ``header``."""


@dataclass
class Paged:
    """A handler's answer for a paginated list: the page and its items already shaped."""

    page: Page[Any]
    items: list[Any]
    style: PaginationStyle


class Call:
    """One REST call: the request, the resolver context, and typed access to its inputs."""

    def __init__(self, request: Request, ctx: Context) -> None:
        self.request = request
        self.ctx = ctx

    def path_uuid(self, name: str) -> UUID:
        raw = self.request.path_params[name]
        try:
            return UUID(str(raw))
        except ValueError as exc:
            raise BadRequest(f"{name} must be a UUID", error="invalid_id") from exc

    def path_str(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query_str(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value if value not in (None, "") else None

    def query_int(self, name: str, default: int | None = None) -> int | None:
        raw = self.query_str(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise BadRequest(f"{name} must be an integer", error="invalid_parameter") from exc

    def query_bool(self, name: str) -> bool | None:
        raw = self.query_str(name)
        if raw is None:
            return None
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise BadRequest(f"{name} must be true or false", error="invalid_parameter")

    def query_uuid(self, name: str) -> UUID | None:
        raw = self.query_str(name)
        if raw is None:
            return None
        try:
            return UUID(raw)
        except ValueError as exc:
            raise BadRequest(f"{name} must be a UUID", error="invalid_parameter") from exc

    def query_datetime(self, name: str) -> datetime | None:
        raw = self.query_str(name)
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadRequest(f"{name} must be an ISO 8601 date-time", error="invalid_parameter") from exc

    def page_request(self) -> PageRequest:
        """``page`` and ``pageSize`` as sent (defaults 1 and 50); 0 or out of range is a 400."""
        page, page_size = self.query_int("page"), self.query_int("pageSize")
        return PageRequest(page=1 if page is None else page, page_size=50 if page_size is None else page_size)

    async def json(self) -> dict[str, Any]:
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            body = bounded_json.loads(raw)
        except bounded_json.UnsafeInput as exc:
            raise BadRequest(exc.reason, error="invalid_json") from exc
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object", error="invalid_json")
        return body

    async def body(self, model: type[M]) -> M:
        data = await self.json()
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_failed(exc) from exc


def validation_failed(exc: ValidationError) -> ValidationFailed:
    problems = [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()
    ]
    first = problems[0] if problems else {"field": "", "message": "invalid"}
    return ValidationFailed(f"{first['field']}: {first['message']}", details=problems)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass
class Endpoint:
    method: str
    path: str
    family: str
    handler: Handler
    status: int = 200
    summary: str = ""
    params: list[Param] = field(default_factory=list)
    body: type[BaseModel] | None = None
    public: bool = False
    media_type: str | None = None
    """What a successful answer is when not the JSON envelope (e.g. ``text/event-stream``)."""


REGISTRY: list[Endpoint] = []


def endpoint(
    method: str,
    path: str,
    *,
    status: int = 200,
    summary: str = "",
    params: list[Param] | None = None,
    body: type[BaseModel] | None = None,
    media_type: str | None = None,
) -> Callable[[Handler], Handler]:
    family = path.split("/")[1]

    def register(handler: Handler) -> Handler:
        REGISTRY.append(
            Endpoint(
                method,
                path,
                family,
                handler,
                status,
                summary or (handler.__doc__ or "").strip(),
                params or [],
                body,
                media_type=media_type,
            )
        )
        return handler

    return register


def asgi_handler(ep: Endpoint, services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            principal = await resolve_principal(
                services,
                request.headers,
                client_ip=client_address(request.scope),
                family=ep.family,
                require_key=True,
            )
            result = await ep.handler(Call(request, Context(services, principal)))
        except DomainError as exc:
            return failure(exc)
        except Exception:
            log.exception("unhandled error on %s %s", ep.method, ep.path)
            return JSONResponse(error_body("internal_error", "An unexpected error occurred"), status_code=500)
        if isinstance(result, Response):
            return result
        if isinstance(result, Paged):
            return success(result.items, ep.status, {"pagination": pagination(result.page, result.style)})
        return success(result, ep.status)

    return handle
