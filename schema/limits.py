"""Depth, alias and cost limits, checked during validation (before execution).

Strawberry's own depth and alias limiters report without a stable code, and it
has no cost limit at all, so one rule computes all three per operation and
names the limit in ``extensions.code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

DEFAULT_PAGE = 20
LIST_ARGUMENT = "first"


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int


@dataclass
class _Tally:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


def limits_rule(limits: Limits) -> type[ValidationRule]:
    """A validation rule class bound to ``limits``."""

    class LimitsRule(ValidationRule):
        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            tally = _Tally()
            _walk(node.selection_set, fragments, tally, 1, 1, frozenset())
            _report(self.context, node, tally, limits)

    return LimitsRule


def _walk(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    tally: _Tally,
    depth: int,
    multiplier: int,
    seen: frozenset[str],
) -> None:
    if selections is None:
        return
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            _field(selection, fragments, tally, depth, multiplier, seen)
        elif isinstance(selection, InlineFragmentNode):
            _walk(selection.selection_set, fragments, tally, depth, multiplier, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                _walk(
                    fragment.selection_set,
                    fragments,
                    tally,
                    depth,
                    multiplier,
                    seen | {name},
                )


def _field(
    node: FieldNode,
    fragments: dict[str, FragmentDefinitionNode],
    tally: _Tally,
    depth: int,
    multiplier: int,
    seen: frozenset[str],
) -> None:
    if node.name.value.startswith("__"):
        return
    if node.alias is not None:
        tally.aliases += 1
    tally.depth = max(tally.depth, depth)
    tally.cost += multiplier
    if node.selection_set is not None:
        inner = multiplier * _page_of(node)
        _walk(node.selection_set, fragments, tally, depth + 1, inner, seen)


def _page_of(node: FieldNode) -> int:
    """A connection field multiplies what it selects by its page size."""
    for argument in node.arguments or ():
        if argument.name.value == LIST_ARGUMENT:
            value = argument.value
            if isinstance(value, IntValueNode) and value.value.isdigit():
                return max(1, min(int(value.value), 100))
            # A variable: count the worst case.
            return 100
    return 1


def _report(
    context: ValidationContext,
    node: OperationDefinitionNode,
    tally: _Tally,
    limits: Limits,
) -> None:
    checks = (
        (tally.depth, limits.max_depth, "DEPTH_LIMIT", "查询嵌套层数"),
        (tally.aliases, limits.max_aliases, "ALIAS_LIMIT", "查询别名数量"),
        (tally.cost, limits.max_cost, "COST_LIMIT", "查询估算成本"),
    )
    for value, limit, code, label in checks:
        if value > limit:
            context.report_error(
                GraphQLError(
                    f"{label} {value} 超过上限 {limit}。",
                    node,
                    extensions={"code": code, "limit": limit},
                )
            )
