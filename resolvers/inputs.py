"""The base of operation inputs: pydantic models with camelCase names, shared by REST bodies and GraphQL."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Input(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", str_strip_whitespace=True
    )

    def given(self) -> dict[str, object]:
        """The fields the caller actually sent (for partial updates)."""
        return {name: getattr(self, name) for name in self.model_fields_set}
