"""The GraphQL context: the resolver context plus this request's dataloaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.types import Info as StrawberryInfo

from domain.principal import Principal
from resolvers.context import Context
from schema.loaders import Loaders


@dataclass
class GraphQLContext:
    ctx: Context
    loaders: Loaders
    request: Any = None
    response: Any = None

    @property
    def principal(self) -> Principal:
        return self.ctx.principal


Info = StrawberryInfo[GraphQLContext, None]
