"""The scope vocabulary of API keys (``cpms:*`` for operators, ``emsp:*`` for driver-facing apps).

A scope is ``family:area:action``. A key holding ``family:*`` holds every scope of its family, and
``family:area:*`` every action of that area. ``GET /.well-known/scopes`` serves this catalogue.
"""

from __future__ import annotations

CPMS_SCOPES: dict[str, str] = {
    "cpms:networks:read": "List the networks the key may operate.",
    "cpms:settings:read": "Read network settings, branding and billing.",
    "cpms:settings:write": "Change network settings, branding and billing.",
    "cpms:locations:read": "Read locations (sites).",
    "cpms:locations:write": "Create, change and delete locations.",
    "cpms:chargers:read": "Read chargers, connectors, firmware status and diagnostics.",
    "cpms:chargers:write": "Register, change and decommission chargers and connectors.",
    "cpms:chargers:control": (
        "Send live commands to chargers (start, stop, reset, unlock, configuration, firmware)."
    ),
    "cpms:firmware:read": "Read the firmware catalogue.",
    "cpms:tariffs:read": "Read tariffs and their assignments.",
    "cpms:tariffs:write": "Create, change, assign and delete tariffs.",
    "cpms:sessions:read": "Read charging sessions.",
    "cpms:sessions:control": "Force-stop sessions.",
    "cpms:transactions:read": "Read CDRs and export them.",
    "cpms:refunds:write": "Refund a session's charge.",
    "cpms:team:read": "Read team members.",
    "cpms:team:write": "Add, change and remove team members.",
    "cpms:keys:read": "List API keys.",
    "cpms:keys:write": "Mint and revoke API keys.",
    "cpms:usage:read": "Read API usage metering.",
    "cpms:analytics:read": "Read analytics rollups and reports.",
    "cpms:smart-charging:read": "Read charging limits and composite schedules.",
    "cpms:smart-charging:write": "Set and clear charging limits.",
    "cpms:load-balancing:read": "Read load-balancing configuration.",
    "cpms:load-balancing:write": "Change load-balancing configuration and rebalance.",
    "cpms:fraud:read": "Read drivers' fraud holds.",
    "cpms:fraud:write": "Clear fraud holds.",
    "cpms:webhooks:read": "Read webhook subscriptions and deliveries.",
    "cpms:webhooks:write": "Create, change, test and delete webhook subscriptions.",
    "cpms:events:read": "Receive the live event stream.",
}

EMSP_SCOPES: dict[str, str] = {
    "emsp:networks:read": "Read public network branding.",
    "emsp:locations:read": "Read published locations.",
    "emsp:chargers:read": "Read public chargers and connectors.",
    "emsp:tariffs:read": "Read tariffs and calculate prices.",
    "emsp:drivers:auth": "Register, log in and manage driver accounts' credentials.",
    "emsp:users:read": "Read users (drivers) of the key's networks.",
    "emsp:users:write": "Create and change users.",
    "emsp:tokens:read": "Read charging tokens.",
    "emsp:tokens:write": "Issue and invalidate charging tokens.",
    "emsp:charging:read": "Read charging sessions and transactions.",
    "emsp:charging:control": "Start, stop and schedule charging; remote control; reservations.",
    "emsp:payments:write": "Manage payment methods and checkout.",
    "emsp:analytics:read": "Read analytics and reports.",
    "emsp:webhooks:read": "Read webhook subscriptions and deliveries.",
    "emsp:webhooks:write": "Create, change, test and delete webhook subscriptions.",
    "emsp:events:read": "Receive the live event stream.",
}

ALL_SCOPES: dict[str, str] = {**CPMS_SCOPES, **EMSP_SCOPES}

# What a publishable (client-side) emsp key gets when no scopes are named: public reads and driver
# sign-in, nothing that reads or changes other people's data.
PUBLISHABLE_EMSP_DEFAULT = (
    "emsp:networks:read",
    "emsp:locations:read",
    "emsp:chargers:read",
    "emsp:tariffs:read",
    "emsp:drivers:auth",
)

# What a signed-in driver may do on top of the key (always limited to their own data).
DRIVER_SCOPES = frozenset(
    {
        "emsp:networks:read",
        "emsp:locations:read",
        "emsp:chargers:read",
        "emsp:tariffs:read",
        "emsp:drivers:auth",
        "emsp:tokens:read",
        "emsp:charging:read",
        "emsp:charging:control",
        "emsp:payments:write",
    }
)


def family_of(scope: str) -> str:
    return scope.split(":", 1)[0]


def is_known(scope: str) -> bool:
    """A scope name in the catalogue, or a wildcard over a family or an area of one."""
    if scope in ALL_SCOPES:
        return True
    if scope.endswith(":*"):
        stem = scope[:-1]
        return any(name.startswith(stem) for name in ALL_SCOPES)
    return False


def grants(held: frozenset[str], wanted: str) -> bool:
    if wanted in held:
        return True
    parts = wanted.split(":")
    return any(":".join(parts[:i]) + ":*" in held for i in range(1, len(parts)))


def expand(held: frozenset[str] | set[str] | list[str]) -> list[str]:
    """The concrete catalogue scopes that ``held`` grants, sorted."""
    frozen = frozenset(held)
    return sorted(name for name in ALL_SCOPES if grants(frozen, name))
