"""The charger's verdict on a command, as every live-control mutation returns it."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain.commands import Verdict


@strawberry.type(description="What the charger answered to a command.")
class CommandResult:
    accepted: bool
    reason: str | None = strawberry.field(description="Why it was not accepted, or the charger's note.")
    retryable: bool = strawberry.field(description="True when the charger could not be reached in time.")
    status: str | None = strawberry.field(description="The charger's own status word (Accepted, ...).")
    payload: JSON | None = strawberry.field(description="The charger's reply, for data-bearing commands.")

    @classmethod
    def of(cls, verdict: Verdict) -> CommandResult:
        payload: Any = verdict.payload or None
        return cls(
            accepted=verdict.accepted,
            reason=verdict.reason,
            retryable=verdict.retryable,
            status=verdict.status,
            payload=payload,
        )
