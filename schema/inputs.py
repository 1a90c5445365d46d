"""GraphQL input helpers: what the caller actually sent, for partial updates."""

from __future__ import annotations

from typing import Any, Optional, TypeVar

import strawberry
from pydantic import BaseModel, ValidationError
from strawberry.types.nodes import SelectedField

from domain.errors import ValidationFailed
from schema.context import Info

M = TypeVar("M", bound=BaseModel)


def sent(info: Info, name: str = "input") -> dict[str, Any]:
    """The keys of argument ``name`` the caller gave (literal or through variables), camelCase."""
    field = info.selected_fields[0]
    value = field.arguments.get(name) if isinstance(field, SelectedField) else None
    return dict(value) if isinstance(value, dict) else {}


def parse(info: Info, model: type[M], name: str = "input") -> M:
    """Validate the sent argument with the operation's pydantic model, as the REST layer does."""
    try:
        return model.model_validate(sent(info, name))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{field}: {first['msg']}") from exc


def partial_input(model: type[BaseModel], name: str) -> Any:
    """A GraphQL input of ``model``'s fields, all optional and without defaults, so that unsent
    fields stay unsent (``parse`` then validates what was sent with ``model``)."""
    annotations = {
        field: info.annotation if _nullable(info.annotation) else Optional[info.annotation]  # noqa: UP045
        for field, info in model.model_fields.items()
    }
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    namespace.update(dict.fromkeys(model.model_fields, strawberry.UNSET))
    return strawberry.input(type(name, (), namespace), name=name)


def _nullable(annotation: Any) -> bool:
    return type(None) in getattr(annotation, "__args__", ())
