"""The GraphQL execution context: Strawberry's, with each subscription event given its own memo.

graphql-core 3.3 builds the executor of each subscription event as a shallow copy of the
subscription's executor, so every event shares one ``_relevant_sub_fields`` memo keyed by the
identity of field lists that are new for each event: the memo grows by about 2 KiB per delivery and is
never freed (1,000 dashboards at one event a second leak ~2 MiB/s, and the long garbage collections
that follow stall fan-out). Each event starts with an empty memo instead; within one event it still
saves the repeated work it was made for.
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class PerEventMemoExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if hasattr(executor, "_relevant_sub_fields"):
            executor._relevant_sub_fields = {}
        return executor
