"""Password guessing is throttled: driver login, forgot/reset password and OCPP Basic (issue 9, item 8).

The throttle's clock is driven by the tests (``clock``): no test waits for a lock to run out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select
from websockets.exceptions import InvalidStatus

from chargegraph.settings import Settings
from domain.container import Services
from domain.errors import RateLimited
from domain.models import AuthThrottle, PasswordResetToken
from domain.services import auth_throttle
from domain.types import utcnow
from tests.live import LiveServer
from tests.mail import Inbox
from tests.ocpp_wire import open_raw
from tests.spec import assert_error
from tests.world import CHARGER_PASSWORD, DRIVER_PASSWORD, World

LOGIN = "/emsp/v1/auth/driver/login"
FORGOT = "/emsp/v1/auth/driver/forgot-password"
RESET = "/emsp/v1/auth/driver/reset-password"
LOGIN_GQL = """
mutation($email: String!, $password: String!) {
  loginDriver(input: {email: $email, password: $password}) { accessToken }
}"""
FREE = 3
ADDRESS_FREE = 6


@pytest.fixture
def settings(smtp: tuple[int, Inbox], tmp_path: Path) -> Settings:
    """The suite's settings with small thresholds, so that a test needs few attempts."""
    return Settings(
        CHARGEGRAPH_SECRET_KEY="test-secret-key-that-is-long-enough-for-hs256",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp[0],
        DATABASE_URL="sqlite+aiosqlite:///unused.db",
        CHARGEGRAPH_AUTH_THROTTLE_FREE_ATTEMPTS=FREE,
        CHARGEGRAPH_AUTH_THROTTLE_ADDRESS_FREE_ATTEMPTS=ADDRESS_FREE,
    )


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The throttle's notion of now, standing still until a test moves it."""
    fake = Clock()
    monkeypatch.setattr(auth_throttle, "utcnow", fake)
    return fake


@pytest.fixture
async def elsewhere(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling from another address than ``client``."""
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def log_in(
    client: httpx.AsyncClient, world: World, password: str, *, email: str | None = None
) -> httpx.Response:
    body = {"email": email or world.a.driver.email, "password": password}
    return await client.post(LOGIN, json=body, headers=world.a.emsp())


async def counters(world: World, scope: str) -> list[AuthThrottle]:
    async with world.services.db.session() as s:
        return list((await s.exec(select(AuthThrottle).where(AuthThrottle.scope == scope))).all())


def assert_throttled(r: httpx.Response, seconds: int) -> None:
    assert r.status_code == 429, r.text
    assert_error(r.json(), "rate_limited")
    assert r.headers["Retry-After"] == str(seconds)


async def test_wrong_passwords_lock_the_account_with_growing_short_delays(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    email = world.a.driver.email
    for variant in (email, email.upper(), f"  {email.title()} ")[:FREE]:  # one account, however typed
        r = await log_in(client, world, "wrong-password", email=variant.strip())
        assert r.status_code == 401
        assert_error(r.json(), "invalid_credentials")
    r = await log_in(client, world, "wrong-password")  # over the free attempts: locked for 1 s
    assert r.status_code == 401
    # While locked even the right password is refused, before it is checked.
    assert_throttled(await log_in(client, world, DRIVER_PASSWORD), 1)
    clock.advance(1)
    assert (await log_in(client, world, "wrong-password")).status_code == 401  # now 2 s
    assert_throttled(await log_in(client, world, DRIVER_PASSWORD), 2)
    clock.advance(1)
    assert_throttled(await log_in(client, world, DRIVER_PASSWORD), 1)
    clock.advance(1)
    assert (await log_in(client, world, DRIVER_PASSWORD)).status_code == 200
    # The success cleared the account's counter: the free attempts are back.
    assert await counters(world, auth_throttle.DRIVER_LOGIN) == []
    for _ in range(FREE):
        assert (await log_in(client, world, "wrong-password")).status_code == 401
    assert (await log_in(client, world, DRIVER_PASSWORD)).status_code == 200


async def test_an_account_lock_holds_from_every_address_but_locks_no_one_else(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    for _ in range(FREE + 1):
        assert (await log_in(client, world, "wrong-password")).status_code == 401
    assert_throttled(await log_in(elsewhere, world, DRIVER_PASSWORD), 1)
    # Another driver signs in from the guesser's own address.
    r = await client.post(
        LOGIN, json={"email": world.b.driver.email, "password": DRIVER_PASSWORD}, headers=world.b.emsp()
    )
    assert r.status_code == 200, r.text
    # GraphQL's login answers the same lock with code rate_limited.
    r = await client.post(
        "/graphql",
        json={"query": LOGIN_GQL, "variables": {"email": world.a.driver.email, "password": DRIVER_PASSWORD}},
        headers=world.a.emsp(),
    )
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "rate_limited" and error["extensions"]["status"] == 429
    assert error["extensions"]["retryAfter"] >= 1


async def test_spraying_accounts_from_one_address_locks_that_address(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    for i in range(ADDRESS_FREE + 1):
        r = await log_in(client, world, DRIVER_PASSWORD, email=f"guess{i}@example.com")
        assert r.status_code == 401
    assert_throttled(await log_in(client, world, DRIVER_PASSWORD), 1)
    # The lock is the address's: the driver signs in from anywhere else.
    assert (await log_in(elsewhere, world, DRIVER_PASSWORD)).status_code == 200
    clock.advance(1)
    assert (await log_in(client, world, DRIVER_PASSWORD)).status_code == 200


async def test_one_guesser_does_not_lock_out_the_whole_address(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    """An office NAT: one account hammered (past its own locks) counts only its free attempts there."""
    for _ in range(ADDRESS_FREE * 2):
        r = await log_in(client, world, "wrong-password")
        if r.status_code == 429:
            clock.advance(int(r.headers["Retry-After"]))
            r = await log_in(client, world, "wrong-password")
        assert r.status_code == 401
    (address,) = await counters(world, f"{auth_throttle.DRIVER_LOGIN}:address")
    assert address.failures == FREE and address.locked_until is None
    r = await client.post(
        LOGIN, json={"email": world.b.driver.email, "password": DRIVER_PASSWORD}, headers=world.b.emsp()
    )
    assert r.status_code == 200


async def test_counters_hold_no_email_or_address(client: httpx.AsyncClient, world: World) -> None:
    assert (await log_in(client, world, "wrong-password")).status_code == 401
    async with world.services.db.session() as s:
        rows = (await s.exec(select(AuthThrottle))).all()
    assert {r.scope for r in rows} == {"driver_login", "driver_login:address"}
    for row in rows:
        assert len(row.key) == 64 and "@" not in row.key and "127.0.0.1" not in row.key
        assert row.failures == 1  # written although the login's own transaction rolled back


async def reset_tokens(world: World) -> int:
    async with world.services.db.session() as s:
        return int((await s.exec(select(func.count()).select_from(PasswordResetToken))).one())


async def test_forgot_password_is_no_mail_bomb(client: httpx.AsyncClient, world: World, clock: Clock) -> None:
    for email in (world.a.driver.email, "nobody@example.com"):  # the same answers: no account oracle
        for i in range(FREE + 1):
            r = await client.post(
                FORGOT, json={"email": email.upper() if i % 2 else email}, headers=world.a.emsp()
            )
            assert r.status_code == 200, r.text
        assert_throttled(await client.post(FORGOT, json={"email": email}, headers=world.a.emsp()), 1)
    assert await reset_tokens(world) == FREE + 1  # one mail per request let through, none after
    clock.advance(1)
    r = await client.post(FORGOT, json={"email": world.a.driver.email}, headers=world.a.emsp())
    assert r.status_code == 200
    assert await reset_tokens(world) == FREE + 2


async def test_guessing_reset_tokens_locks_the_address(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    for i in range(ADDRESS_FREE + 1):
        r = await client.post(
            RESET, json={"token": f"guess-{i}", "newPassword": "long-enough-1"}, headers=world.a.emsp()
        )
        assert r.status_code == 422
        assert_error(r.json(), "invalid_reset_token")
    body = {"token": "guess-next", "newPassword": "long-enough-1"}
    assert_throttled(await client.post(RESET, json=body, headers=world.a.emsp()), 1)
    r = await elsewhere.post(RESET, json=body, headers=world.a.emsp())
    assert r.status_code == 422


async def _ocpp_status(server: LiveServer, password: str) -> tuple[int, str | None]:
    try:
        ws = await open_raw(server.ocpp_url(), "CP-A-01", protocols=["ocpp1.6"], password=password)
    except InvalidStatus as refused:
        return refused.response.status_code, refused.response.headers.get("Retry-After")
    await ws.close()
    return 101, None


async def test_ocpp_basic_passwords_are_throttled_per_charge_point(
    server: LiveServer, world: World, clock: Clock
) -> None:
    for _ in range(FREE + 1):
        assert await _ocpp_status(server, "wrong-password-123") == (403, None)
    # Locked: the charger's real password waits too (HTTP 429 with Retry-After), for a short while.
    assert await _ocpp_status(server, CHARGER_PASSWORD) == (429, "1")
    clock.advance(1)
    assert await _ocpp_status(server, CHARGER_PASSWORD) == (101, None)
    assert await counters(world, auth_throttle.OCPP_BASIC) == []


async def test_locks_are_capped_and_failures_forgotten_after_a_quiet_window(services: Services) -> None:
    auth, db = services.auth, services.db
    config = auth.throttle
    who = auth_throttle.subject(auth, auth_throttle.DRIVER_LOGIN, "Someone@Example.com", "192.0.2.1")
    assert who == auth_throttle.subject(auth, auth_throttle.DRIVER_LOGIN, "someone@example.com", "192.0.2.1")
    now = utcnow()
    waits = []
    for _ in range(FREE + 12):
        await auth_throttle.failed(db, auth, who, now=now)
        try:
            await auth_throttle.check(db, auth, who, now=now)
            waits.append(0)
        except RateLimited as locked:
            waits.append(locked.retry_after)
        now += timedelta(seconds=config.max_lock_seconds)
    assert waits == [0] * FREE + [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    # Quiet for the window after the last lock: the next failure is the first again.
    now += timedelta(seconds=config.window_seconds)
    await auth_throttle.failed(db, auth, who, now=now)
    assert await auth_throttle.check(db, auth, who, now=now) is True
    (row,) = await counters_of(services, auth_throttle.DRIVER_LOGIN)
    assert row.failures == 1 and row.locked_until is None
    assert await auth_throttle.purge(db, auth, now=now + timedelta(seconds=config.window_seconds + 1)) == 2


async def counters_of(services: Services, scope: str) -> list[AuthThrottle]:
    async with services.db.session() as s:
        return list((await s.exec(select(AuthThrottle).where(col(AuthThrottle.scope) == scope))).all())
