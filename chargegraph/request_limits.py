"""Bounds every HTTP request meets before routing: a body-size limit (413) and no NUL in the URL (400).

A pure ASGI middleware, for HTTP only (websockets and lifespan pass through untouched). The body is
read here, never past the limit, and handed to the application whole: a declared ``Content-Length``
beyond the limit is refused before a byte of the body is read, a chunked body as soon as it passes
the limit. Paths under an exempt prefix (the charger upload route, which streams files to disk under
its own limit) are not read here. A NUL character in the decoded path or query string is refused,
since PostgreSQL cannot store one in text. Refusals on the GraphQL path are GraphQL-shaped; all
others are the documented REST error body.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import unquote_to_bytes

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rest_compat.envelope import error_body
from schema.http_errors import graphql_error_body


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        exempt_prefixes: tuple[str, ...] = (),
        graphql_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.exempt_prefixes = exempt_prefixes
        self.graphql_paths = graphql_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await self._refuse(
                scope, receive, send, 400, "invalid_parameter", "The URL contains a NUL character"
            )
            return
        if scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        messages = await self._read(receive)
        if messages is None:
            await self._too_large(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.popleft() if messages else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> deque[Message] | None:
        """The body as one message (and a disconnect if one came), or None once it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return deque([{"type": "http.request", "body": b"".join(chunks)}, message])
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return deque([{"type": "http.request", "body": b"".join(chunks), "more_body": False}])

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is limited to {self.max_body_bytes} bytes"
        await self._refuse(scope, receive, send, 413, "payload_too_large", message)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, error: str, message: str
    ) -> None:
        if scope["path"] in self.graphql_paths:
            body = graphql_error_body(message, error, status)
        else:
            body = error_body(error, message)
        # The rest of an unread body is not waited for: the connection is closed after the answer.
        headers = {"Connection": "close"} if status == 413 else None
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
