"""Who may open an OCPP connection: subprotocol negotiation and HTTP Basic (security profiles 1 and 2).

A charge point presents ``Authorization: Basic base64(identity:password)``. An unknown identity, a
username other than the identity, a missing or wrong password, or a charger without a password (the
operator sets one first) is refused. With ``OcppConfig.auto_register_network`` an unknown identity
is instead registered into that network with the password it presented (stored hashed).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass
from uuid import UUID

from domain.container import Services
from domain.errors import DomainError, RateLimited
from domain.services import auth_throttle, charge_point, charger_credentials, chargers
from domain.services.charge_point import ChargerIdentity

log = logging.getLogger("chargegraph.ocpp")

SUBPROTOCOLS = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1"}
MAX_IDENTITY = 48
"""The longest charge point identity (OCPP 2.0.1: at most 48 characters; ``Charger.uid`` holds 48)."""


def identity_problem(uid: str) -> str | None:
    """Why ``uid`` (from the URL path) cannot be a charge point identity, or None. Checked before
    anything is looked up, so such an identity never reaches the database."""
    if len(uid) > MAX_IDENTITY:
        return f"The charge point identity is longer than {MAX_IDENTITY} characters"
    if "\x00" in uid:
        return "The charge point identity contains a NUL character"
    return None


def negotiate(offered: list[str]) -> str | None:
    """The first subprotocol the charger offers that we speak."""
    for protocol in offered:
        if protocol.strip().lower() in SUBPROTOCOLS:
            return protocol.strip().lower()
    return None


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


@dataclass(frozen=True)
class Refusal:
    reason: str
    charger: ChargerIdentity | None = None
    retry_after: int | None = None
    """Set when the identity or the address is locked after too many failures (HTTP 429)."""


class Gatekeeper:
    """Checks a charge point's credentials. A password verified once is remembered (as a digest, next
    to the hash it matched) so that reconnect storms do not spend an argon2 check each."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._verified: dict[str, tuple[str, str]] = {}

    async def admit(
        self, uid: str, authorization: str | None, client_ip: str | None = None
    ) -> ChargerIdentity | Refusal:
        """Every refusal counts against the identity and the address (``auth_throttle``); while either
        is locked the charger is refused before its password is checked."""
        problem = identity_problem(uid)
        if problem is not None:
            return Refusal(problem)
        auth = self.services.auth
        who = auth_throttle.subject(auth, auth_throttle.OCPP_BASIC, uid, client_ip)
        try:
            on_record = await auth_throttle.check(self.services.db, auth, who)
        except RateLimited as exc:
            return Refusal("Too many failed attempts", retry_after=exc.retry_after)
        admitted = await self._admit(uid, authorization)
        if isinstance(admitted, Refusal):
            await auth_throttle.failed(self.services.db, auth, who)
        elif on_record:
            await auth_throttle.succeeded(self.services.db, who)
        return admitted

    async def _admit(self, uid: str, authorization: str | None) -> ChargerIdentity | Refusal:
        credentials = basic_credentials(authorization)
        if credentials is not None and credentials[0] != uid:
            credentials = None
        charger = await charge_point.identity(self.services.db, uid)
        if charger is None:
            if self.services.ocpp.auto_register_network and credentials is not None:
                return await self._register(uid, credentials[1])
            return Refusal("Unknown charge point")
        if credentials is None:
            return Refusal("No HTTP Basic credentials for this charge point", charger)
        if not await self._matches(charger, credentials[1]):
            return Refusal("Wrong password" if charger.password_hash else "No password is set", charger)
        return charger

    async def _matches(self, charger: ChargerIdentity, password: str) -> bool:
        if not charger.password_hash:
            return False
        presented = hashlib.sha256(password.encode()).hexdigest()
        cached = self._verified.get(charger.uid)
        if cached is not None and cached == (charger.password_hash, presented):
            return True
        ok = await asyncio.to_thread(charger_credentials.password_matches, charger.password_hash, password)
        if ok:
            self._verified[charger.uid] = (charger.password_hash, presented)
        return ok

    async def _register(self, uid: str, password: str) -> ChargerIdentity | Refusal:
        network = self.services.ocpp.auto_register_network
        assert network is not None
        try:
            network_uuid = UUID(network)
        except ValueError:
            log.error("CHARGEGRAPH_OCPP_AUTO_REGISTER is not a network UUID: %r", network)
            return Refusal("Unknown charge point")
        if not password:
            return Refusal("A password is needed to register")
        try:
            created = await chargers.auto_register(self.services.db, network_uuid, uid)
            assert created.id is not None
            await charger_credentials.set_password(
                self.services.db, created.id, password, enforce_policy=False
            )
        except DomainError as exc:
            log.warning("could not register charge point %s: %s", uid, exc.message)
            return Refusal("Unknown charge point")
        charger = await charge_point.identity_by_id(self.services.db, created.id)
        if charger is None:
            return Refusal("Unknown charge point")
        log.info("registered charge point %s into network %s", uid, network_uuid)
        return charger
