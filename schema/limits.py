"""Depth, alias and cost limits, checked before validation and execution.

Strawberry's own depth and alias limiters report without a stable code, and it
has no cost limit at all, so one walk over the document measures all three and
names the limit in ``extensions.code``. The walk runs before the (cached)
graphql-core validation and, when a limit is exceeded, replaces it: a document
built to be expensive is refused before the expensive rules look at it.
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
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.type import GraphQLField
from strawberry.extensions import ValidationCache

# Connections page with this argument; a variable counts as the largest page.
LIST_ARGUMENT = "first"
LARGEST_PAGE = 100


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int


@dataclass(frozen=True)
class Tally:
    """What a selection costs: nesting depth, aliases, and fields resolved
    (a connection multiplies what it selects by its page size)."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.cost + other.cost,
        )


EMPTY = Tally()


def limit_errors(
    schema: GraphQLSchema, document: DocumentNode, limits: Limits
) -> list[GraphQLError]:
    """An error for each limit an operation of ``document`` exceeds."""
    walker = _Walker(schema, document)
    errors: list[GraphQLError] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            tally = walker.selections(definition.selection_set, root)
            errors.extend(_exceeded(definition, tally, limits))
    return errors


def measure(schema: GraphQLSchema, document: DocumentNode) -> list[Tally]:
    """The tally of each operation in ``document``, in order."""
    walker = _Walker(schema, document)
    return [
        walker.selections(d.selection_set, schema.get_root_type(d.operation))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


@dataclass
class _Walker:
    """Measures selections; a fragment is measured once however often it is
    spread, so a document of fragments spreading fragments stays linear."""

    schema: GraphQLSchema
    document: DocumentNode
    fragments: dict[str, FragmentDefinitionNode] = field(init=False)
    done: dict[str, Tally] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.fragments = {
            d.name.value: d
            for d in self.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }

    def selections(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Tally:
        total = EMPTY
        for selection in node.selections if node is not None else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Tally:
        if node.name.value.startswith("__"):
            # Introspection (dev only) and __typename are not counted.
            return EMPTY
        definition = _field_of(parent, node.name.value)
        child = get_named_type(definition.type) if definition else None
        inner = self.selections(node.selection_set, child)
        return Tally(
            depth=inner.depth + 1,
            aliases=inner.aliases + (node.alias is not None),
            cost=1 + _page_of(node, definition) * inner.cost,
        )

    def fragment(self, name: str) -> Tally:
        known = self.done.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            # Unknown or cyclic: validation reports it, if no limit does.
            return EMPTY
        self.open.add(name)
        condition = self._type(definition.type_condition.name.value)
        tally = self.selections(definition.selection_set, condition)
        self.open.discard(name)
        self.done[name] = tally
        return tally

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name)


def _field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    found: GraphQLField | None = parent.fields.get(name)
    return found


def _page_of(node: FieldNode, definition: GraphQLField | None) -> int:
    """A connection field multiplies what it selects by its page size: the
    literal ``first``, the largest page for a variable, else the default.

    Limitation: plain list fields (no ``first``) count as one item each.
    """
    for argument in node.arguments or ():
        if argument.name.value != LIST_ARGUMENT:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(1, int(value.value))
        return LARGEST_PAGE
    declared = definition.args.get(LIST_ARGUMENT) if definition else None
    default = declared.default_value if declared else None
    return max(1, default) if isinstance(default, int) else 1


def _exceeded(
    node: OperationDefinitionNode, tally: Tally, limits: Limits
) -> Iterator[GraphQLError]:
    checks = (
        (tally.depth, limits.max_depth, "DEPTH_LIMIT", "查询嵌套层数"),
        (tally.aliases, limits.max_aliases, "ALIAS_LIMIT", "查询别名数量"),
        (tally.cost, limits.max_cost, "COST_LIMIT", "查询估算成本"),
    )
    for value, limit, code, label in checks:
        if value > limit:
            yield GraphQLError(
                f"{label} {value} 超过上限 {limit}。",
                node,
                extensions={"code": code, "limit": limit},
            )


class LimitedValidation(ValidationCache):
    """Cached validation, preceded by the limits: a document over a limit
    gets the limit errors alone and is not validated further."""

    def __init__(self, limits: Limits, maxsize: int = 256) -> None:
        super().__init__(maxsize=maxsize)
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        errors = (
            limit_errors(context.schema._schema, document, self.limits)
            if document is not None
            else []
        )
        if not errors:
            yield from super().on_validate()
            return
        context.pre_execution_errors = errors
        yield
