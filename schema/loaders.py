"""Per-request dataloaders, one per batch resolver, made on first use.

A batch resolver is ``async def f(ctx, keys) -> list[value]`` in ``resolvers/`` (the REST layer calls the
same functions with one key or many). Nested GraphQL fields load through ``loaders.of(f).load(key)``
so a query over many parents runs one statement per field, not one per parent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

from resolvers.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Batch = Callable[[Context, Sequence[K]], Awaitable[Sequence[V]]]


class Loaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._loaders: dict[Callable[..., Any], DataLoader[Any, Any]] = {}

    def of(self, batch: Batch[K, V]) -> DataLoader[K, V]:
        loader = self._loaders.get(batch)
        if loader is None:
            ctx = self._ctx

            async def load(keys: list[K]) -> Sequence[V]:
                return await batch(ctx, keys)

            loader = DataLoader(load_fn=load)
            self._loaders[batch] = loader
        return cast("DataLoader[K, V]", loader)
