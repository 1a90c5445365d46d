"""Checks on a parsed GraphQL document before it is validated: no NUL in a string, bounded nesting.

Variables and the JSON around a document are checked when they are parsed (``GraphQLApp.parse_json``);
this covers what the document itself writes:

- a string literal holding a NUL character (``"a\\u0000b"``), which PostgreSQL cannot store;
- nesting counted through fragments (selection sets, fragment spreads, list and object values) deeper
  than :data:`MAX_NESTING`: a chain of a few hundred fragments exhausts the stack of the recursive
  depth check (graphql-core's parser bounds nesting within one definition, not across fragments);
- more than :data:`MAX_EXPANDED_FIELDS` fields once fragments are expanded: each fragment spreading
  the next twice doubles the work of the depth check, so twenty fragments cost seconds of CPU.

The walk is iterative and each fragment is measured once. A refused document is answered with a
GraphQL error (``extensions.code`` ``nul_character``, ``too_deep`` or ``too_complex``, status 400) and
nothing runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    SelectionSetNode,
    StringValueNode,
)
from strawberry.extensions import SchemaExtension

from domain import bounded_json

MAX_NESTING = 100
"""Deepest nesting of selection sets, fragment spreads, list and object values in one operation."""
MAX_EXPANDED_FIELDS = 10_000
"""Most fields an operation may select once its fragments are expanded."""

_NESTING = (SelectionSetNode, ListValueNode, ObjectValueNode)


@dataclass
class _Measure:
    depth: int = 0
    fields: int = 0
    spreads: list[tuple[int, str]] = field(default_factory=list)


def _refused(message: str, code: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": code, "status": 400})


def _measure(definition: Node) -> _Measure | GraphQLError:
    """One definition on its own: its nesting, its fields and where it spreads fragments."""
    found = _Measure()
    stack: list[tuple[Node, int]] = [(definition, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _NESTING):
            depth += 1
            found.depth = max(found.depth, depth)
        elif isinstance(node, StringValueNode):
            problem = bounded_json.unstorable(node.value, "A string in the document")
            if problem is not None:
                return _refused(problem.reason, problem.kind, node)
        elif isinstance(node, FieldNode):
            found.fields += 1
        elif isinstance(node, FragmentSpreadNode):
            found.spreads.append((depth, node.name.value))
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                stack.append((child, depth))
            elif isinstance(child, (list, tuple)):
                stack.extend((item, depth) for item in child if isinstance(item, Node))
    return found


def _expanded(own: _Measure, totals: dict[str, tuple[int, int]]) -> tuple[int, int]:
    depth, fields = own.depth, own.fields
    for at, name in own.spreads:
        child_depth, child_fields = totals.get(name, (0, 0))
        depth = max(depth, at + child_depth)
        fields = min(fields + child_fields, MAX_EXPANDED_FIELDS + 1)
    return depth, fields


def _fragment_totals(fragments: dict[str, _Measure]) -> dict[str, tuple[int, int]]:
    """Nesting and fields of every fragment with the fragments it spreads expanded; each measured once
    (iterative depth-first order; a cycle, refused by validation anyway, counts as nothing)."""
    totals: dict[str, tuple[int, int]] = {}
    open_: set[str] = set()
    for root in fragments:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            name, children_done = stack.pop()
            if children_done:
                open_.discard(name)
                totals[name] = _expanded(fragments[name], totals)
                continue
            if name in totals or name in open_:
                continue
            open_.add(name)
            stack.append((name, True))
            stack.extend(
                (child, False)
                for _, child in fragments[name].spreads
                if child in fragments and child not in totals
            )
    return totals


def check_document(document: DocumentNode) -> GraphQLError | None:
    """The first reason to refuse ``document``, or None."""
    fragments: dict[str, _Measure] = {}
    measured: list[tuple[Node, _Measure]] = []
    for definition in document.definitions:
        own = _measure(definition)
        if isinstance(own, GraphQLError):
            return own
        measured.append((definition, own))
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = own
    totals = _fragment_totals(fragments)
    for node, own in measured:  # operations, and fragments too (used or not)
        depth, fields = _expanded(own, totals)
        if depth > MAX_NESTING:
            return _refused(f"The document is nested deeper than {MAX_NESTING} levels", "too_deep", node)
        if fields > MAX_EXPANDED_FIELDS:
            message = (
                f"The document selects more than {MAX_EXPANDED_FIELDS} fields once fragments are expanded"
            )
            return _refused(message, "too_complex", node)
    return None


class DocumentGuards(SchemaExtension):
    """Runs :func:`check_document` before validation; a refusal replaces validation's errors."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            error = check_document(context.graphql_document)
            if error is not None:
                context.pre_execution_errors = [error]
        yield
