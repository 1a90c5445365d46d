"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests of emails."""

from __future__ import annotations

import asyncio
import email
import socket
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    async def wait_for(self, to: str, timeout: float = 5.0) -> Message:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.messages:
                if message["To"] == to:
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no mail to {to} within {timeout}s")
            await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller, inbox
