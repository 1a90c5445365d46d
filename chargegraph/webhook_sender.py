"""The webhook delivery worker: claims due outbox rows, POSTs them signed, records each result.

Every serving process runs :func:`serve` as a background job (``webhooks.deliver``); the rows are
claimed in the database (:mod:`domain.services.webhook_outbox`), so any number of processes share the
work and no delivery is attempted twice at once. Each pass claims at most :data:`BATCH_SIZE` rows and
sends them concurrently through one shared HTTP client; redirects are not followed (a 3xx is a
failed attempt) and the destination is checked again before each send, since DNS answers change.

One attempt is bounded by the HTTP timeout twice over (the destination check, then the request with
its response), so the claim lease is three times that timeout: a row is only claimed again once the
worker that held it cannot still be sending it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType

import httpx

from domain import secret_box
from domain.container import Services
from domain.errors import ValidationFailed
from domain.instance import INSTANCE_ID
from domain.services import webhook_outbox
from domain.services.webhook_destinations import check_destination
from domain.services.webhook_outbox import Claim, Outcome
from domain.types import utcnow
from domain.webhook_signature import payload_bytes, sign

log = logging.getLogger("chargegraph.webhooks")

USER_AGENT = "chargegraph-webhooks/1"
BATCH_SIZE = 20
"""Deliveries claimed per pass, all sent at once (so none waits for a slot while its lease runs)."""
MAX_PASSES = 10
"""Passes one :meth:`WebhookSender.run_once` makes while full batches keep coming."""
RESPONSE_READ_BYTES = 8192
"""How much of a receiver's response body is read (an excerpt is kept)."""


def lease_seconds(timeout_seconds: float) -> float:
    """How long a claim holds: longer than the longest attempt (destination check + request)."""
    return 3 * timeout_seconds


class WebhookSender:
    """One process's sender: the shared HTTP client and the worker id its claims carry."""

    def __init__(
        self, services: Services, worker_id: str = INSTANCE_ID, *, batch_size: int = BATCH_SIZE
    ) -> None:
        self.services = services
        self.config = services.webhooks
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout_seconds),
            follow_redirects=False,
            # Proxies from the environment would send the request elsewhere than the checked host.
            trust_env=False,
            limits=httpx.Limits(max_connections=batch_size, max_keepalive_connections=batch_size),
            # Bodies are read raw (an excerpt), so ask for them uncompressed.
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        )

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.client.aclose()

    async def run_once(self) -> int:
        """Claim and send due deliveries until none are left (or :data:`MAX_PASSES` full batches);
        returns how many attempts were made."""
        attempted = 0
        lease = lease_seconds(self.config.timeout_seconds)
        for _ in range(MAX_PASSES):
            claims = await webhook_outbox.claim_due(
                self.services.db, self.worker_id, utcnow(), self.batch_size, lease
            )
            if claims:
                await asyncio.gather(*(self._deliver(claim) for claim in claims))
            attempted += len(claims)
            if len(claims) < self.batch_size:
                break
        return attempted

    async def _deliver(self, claim: Claim) -> None:
        try:
            outcome = await self.attempt(claim)
            status = await webhook_outbox.record_result(
                self.services.db,
                claim.delivery_id,
                self.worker_id,
                claim.claimed_at,
                outcome,
                config=self.config,
            )
        except Exception:  # the lease runs out and the row is claimed again as the next attempt
            log.exception(
                "webhook delivery %s attempt %s failed to complete", claim.delivery_uuid, claim.attempt
            )
            return
        if status is None:
            log.warning("webhook delivery %s: claim lost before its result was recorded", claim.delivery_uuid)
        elif not outcome.succeeded:
            log.info(
                "webhook delivery %s attempt %s/%s to %s failed: %s (now %s)",
                claim.delivery_uuid,
                claim.attempt,
                claim.max_attempts,
                claim.url,
                outcome.error or f"HTTP {outcome.http_status}",
                status,
            )

    async def attempt(self, claim: Claim) -> Outcome:
        """One signed POST of the claimed delivery; never raises for what the receiver does."""
        timeout = self.config.timeout_seconds
        try:
            secret = secret_box.unseal(self.services.auth.secret_key, claim.secret_sealed)
        except ValueError:
            return Outcome(error="The signing secret cannot be decrypted with the server key")
        try:
            async with asyncio.timeout(timeout):
                await check_destination(claim.url, allow_private=self.config.allow_private)
        except ValidationFailed as exc:
            return Outcome(error=f"Destination refused: {exc.message}")
        except TimeoutError:
            return Outcome(error=f"Destination check timed out after {timeout:g}s")
        body = payload_bytes(claim.payload)
        headers = {
            "Content-Type": "application/json",
            "X-Chargegraph-Event": claim.event_type,
            "X-Chargegraph-Event-Id": str(claim.event_id),
            "X-Chargegraph-Delivery": str(claim.delivery_uuid),
            "X-Chargegraph-Attempt": str(claim.attempt),
            "X-Chargegraph-Signature": sign(secret, int(time.time()), body),
        }
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(timeout),
                self.client.stream("POST", claim.url, content=body, headers=headers) as response,
            ):
                excerpt = await _read_excerpt(response)
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(error=f"Timed out after {timeout:g}s", duration_ms=_since(started))
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            return Outcome(error=f"Request failed: {reason}", duration_ms=_since(started))
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Outcome(
            http_status=response.status_code,
            error=error,
            duration_ms=_since(started),
            response_body=excerpt,
        )


async def _read_excerpt(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_READ_BYTES:
            break
    raw = b"".join(chunks)[:RESPONSE_READ_BYTES]
    return raw.decode("utf-8", "replace")[: webhook_outbox.RESPONSE_EXCERPT_CHARS]


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


async def run_once(services: Services, worker_id: str = INSTANCE_ID) -> int:
    """One delivery pass with a client of its own (tests, one-off runs)."""
    async with WebhookSender(services, worker_id) as sender:
        return await sender.run_once()


async def serve(services: Services, worker_id: str = INSTANCE_ID) -> int:
    """The ``webhooks.deliver`` job: a pass every ``CHARGEGRAPH_WEBHOOK_POLL_SECONDS`` with one shared
    client, until cancelled (the job's own interval only spaces restarts after a crash)."""
    async with WebhookSender(services, worker_id) as sender:
        while True:
            try:
                await sender.run_once()
            except Exception:
                log.exception("webhook delivery pass failed")
            await asyncio.sleep(services.webhooks.poll_seconds)
