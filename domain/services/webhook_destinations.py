"""Where webhooks may be sent: HTTPS URLs whose host resolves only to public addresses.

A subscription must not turn the server into a proxy towards its own network (loopback, private
ranges, link-local cloud metadata, carrier-grade NAT ...). The check runs when a subscription is
created or its URL changed, and again before every delivery, since DNS answers change.
``allow_private`` (``CHARGEGRAPH_WEBHOOK_ALLOW_PRIVATE``, local testing only) also accepts plain HTTP
and private addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from domain.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RESOLVE_TIMEOUT_SECONDS = 5.0
MAX_URL_LENGTH = 2000

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the system resolver). Tests replace this function: DNS is
    the one external edge of the check."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"url: {message}", error="invalid_url")


def _unreachable(host: str) -> ValidationFailed:
    # One message whether the name does not resolve or resolves inward: the answer must not tell a
    # caller which internal names exist.
    return _invalid(f"the host {host!r} must resolve to public internet addresses only")


def _embedded_v4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped ``::ffff:a.b.c.d``, NAT64, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved, unspecified
    or shared (100.64.0.0/10), looking through IPv4 addresses wrapped in IPv6 ones."""
    address = _embedded_v4(address)
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Raise ``ValidationFailed(error="invalid_url")`` unless ``url`` may receive webhooks."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise _invalid(f"must be 1 to {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _invalid("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid("is not a valid URL") from exc
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed:
        raise _invalid("must be an https:// URL")
    host = parts.hostname
    if not host:
        raise _invalid("must name a host")
    if port is None:
        port = 443 if scheme == "https" else 80
    literal = _parse_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = await asyncio.wait_for(resolve(host, port), RESOLVE_TIMEOUT_SECONDS)
        except (OSError, UnicodeError, TimeoutError) as exc:
            raise _unreachable(host) from exc
        addresses = [a for a in (_parse_address(text) for text in found) if a is not None]
        if not addresses:
            raise _unreachable(host)
    if not allow_private and not all(is_public(a) for a in addresses):
        raise _unreachable(host)
