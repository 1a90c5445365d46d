"""Raw OCPP-J over websockets for the OCPP server tests: handshakes and hand-made frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpp_server.simulator.link import basic_auth


async def open_raw(
    url: str, uid: str, *, protocols: list[str], password: str | None = None
) -> ClientConnection:
    headers = {"Authorization": basic_auth(uid, password)} if password is not None else {}
    return await connect(
        f"{url}/{uid}",
        subprotocols=[Subprotocol(p) for p in protocols] or None,
        additional_headers=headers,
    )


async def exchange(ws: ClientConnection, text: str, timeout: float = 5) -> list[Any]:
    """Send a raw frame and return the next frame received, parsed."""
    await ws.send(text)
    reply: list[Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return reply


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy (or fail after ``timeout``)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(0.05)
