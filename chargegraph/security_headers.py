"""Security headers on every HTTP answer of the app: REST, GraphQL, health, 404s, uploads, OCPP refusals.

A pure ASGI middleware (it only edits ``http.response.start``, so streaming answers such as SSE pass
through untouched). Every answer gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
no-referrer``, ``X-Frame-Options: DENY`` and a Content-Security-Policy that forbids framing and loading
anything (``default-src 'none'; frame-ancestors 'none'``): the app serves data, not pages. The one page,
GraphiQL, gets a policy computed from its own HTML at start-up (:func:`page_policy`): exactly its CDN
scripts and stylesheets, and its inline script by SHA-256 hash, never ``'unsafe-inline'`` for scripts.

``Cache-Control: no-store`` is added to every answer that does not set its own Cache-Control: the API
answers new API keys, webhook secrets, driver tokens and charger passwords, and nothing it answers is
meant to be cached by a browser or an intermediary, so one rule covers every secret (SSE streams keep
their ``no-cache``). A header the handler set itself is never replaced.

A websocket refused before its handshake (a charger without a valid password, a wrong subprotocol)
would be answered 403 by the server itself, without these headers; when the server supports the ASGI
denial-response extension the refusal is sent as that same 403 with the headers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The Content-Security-Policy of everything that is not a page: nothing may load or frame it."""

ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
NO_STORE = (b"cache-control", b"no-store")
_CSP = b"content-security-policy"
_DENIAL = "websocket.http.response"


class _Page(HTMLParser):
    """The resources a page loads: external scripts, inline scripts, stylesheets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.script_sources: list[str] = []
        self.inline_scripts: list[str] = []
        self.stylesheets: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            if values.get("src"):
                self.script_sources.append(values["src"])
            else:
                self._script = []
        elif tag == "link" and "stylesheet" in values.get("rel", "").split() and values.get("href"):
            self.stylesheets.append(values["href"])

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def _source(url: str) -> str:
    """A CSP source for exactly ``url`` (its origin when the URL has characters a policy cannot hold)."""
    if any(c in url for c in " ;,'\"\t\r\n"):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return url


def _hash(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def page_policy(html: str) -> str:
    """A Content-Security-Policy allowing what ``html`` loads and nothing else.

    Scripts: each external script's exact URL and each inline script's hash. Styles: the stylesheets
    and inline styles (GraphiQL sets styles at run time). Fetches and websockets to this origin only.
    """
    page = _Page()
    page.feed(html)
    page.close()
    scripts = [_source(src) for src in page.script_sources] + [_hash(s) for s in page.inline_scripts]
    styles = [_source(href) for href in page.stylesheets]
    fonts = sorted({f"{urlsplit(href).scheme}://{urlsplit(href).netloc}" for href in page.stylesheets})
    directives = [
        "default-src 'none'",
        "script-src " + " ".join(dict.fromkeys(scripts) or ["'none'"]),
        "style-src " + " ".join([*dict.fromkeys(styles), "'unsafe-inline'"]),
        "font-src " + " ".join(["'self'", "data:", *fonts]),
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


def _with_headers(headers: list[tuple[bytes, bytes]], policy: str) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    added = [header for header in ALWAYS if header[0] not in present]
    if NO_STORE[0] not in present:
        added.append(NO_STORE)
    if _CSP not in present:
        added.append((_CSP, policy.encode()))
    return [*headers, *added]


class SecurityHeaders:
    """Adds the security headers; ``page_policies`` maps a path to the policy of the HTML page it serves."""

    def __init__(self, app: ASGIApp, *, page_policies: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.page_policies = dict(page_policies or {})

    def _policy(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> str:
        page = self.page_policies.get(scope.get("path", ""))
        if page is not None:
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if content_type.startswith(b"text/html"):
                return page
        return API_POLICY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.app(scope, receive, self._http_send(scope, send))
        elif scope["type"] == "websocket":
            await self.app(scope, receive, self._websocket_send(scope, send))
        else:
            await self.app(scope, receive, send)

    def _http_send(self, scope: Scope, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                message["headers"] = _with_headers(headers, self._policy(scope, headers))
            await send(message)

        return wrapped

    def _websocket_send(self, scope: Scope, send: Send) -> Send:
        denial = _DENIAL in (scope.get("extensions") or {})
        handshake_done = False

        async def wrapped(message: Message) -> None:
            nonlocal handshake_done
            kind = message["type"]
            if not handshake_done and kind == "websocket.close" and denial:
                # Refused before the handshake: the same 403 the server would send, with the headers.
                handshake_done = True
                await send(
                    {
                        "type": "websocket.http.response.start",
                        "status": 403,
                        "headers": _with_headers([(b"content-length", b"0")], API_POLICY),
                    }
                )
                await send({"type": "websocket.http.response.body", "body": b""})
                return
            if kind == "websocket.http.response.start":
                message["headers"] = _with_headers(list(message.get("headers", [])), API_POLICY)
            if kind in ("websocket.accept", "websocket.close", "websocket.http.response.start"):
                handshake_done = True
            await send(message)

        return wrapped
