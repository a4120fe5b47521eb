"""Query limits (depth, aliases, cost) and the per-principal rate limit."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLSchema, parse

from hub.limits import RateLimited, RateLimiter
from schema.limits import LimitedValidation, Limits, Tally, limit_errors, measure

DEFAULTS = Limits(max_depth=12, max_aliases=30, max_cost=20_000)


@strawberry.type
class Member:
    name: str
    role: str


@strawberry.type
class MemberEdge:
    node: Member


@strawberry.type
class MemberConnection:
    edges: list[MemberEdge]
    total_count: int


@strawberry.type
class Group:
    name: str

    @strawberry.field
    def members(self, first: int = 20) -> MemberConnection:
        return MemberConnection(edges=[], total_count=0)


@strawberry.type
class GroupEdge:
    node: Group


@strawberry.type
class GroupConnection:
    edges: list[GroupEdge]


@strawberry.type
class Query:
    @strawberry.field
    def groups(self, first: int = 20) -> GroupConnection:
        return GroupConnection(edges=[])


def _schema(*extensions: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, extensions=list(extensions))


TOY: GraphQLSchema = _schema()._schema


def _measure(query: str) -> list[Tally]:
    return measure(TOY, parse(query))


def _codes(query: str, limits: Limits = DEFAULTS) -> list[tuple[str, str]]:
    errors = limit_errors(TOY, parse(query), limits)
    return [(e.extensions["code"], e.message) for e in errors if e.extensions]


NESTED = """
{ groups(first: 100) { edges { node { name
    members(first: 100) { edges { node { name role } } } } } } }
"""


def test_nested_connections_multiply_page_sizes() -> None:
    # groups 1 + 100 * (edges 1 + node 1 + name 1
    #   + members (1 + 100 * (edges 1 + node 1 + 2 leaves)))
    assert _measure(NESTED) == [Tally(depth=7, aliases=0, cost=1 + 100 * 404)]


def test_nested_connections_hit_cost_limit() -> None:
    assert _codes(NESTED) == [("COST_LIMIT", "查询估算成本 40401 超过上限 20000。")]


def test_default_page_counts_without_first() -> None:
    query = "{ groups { edges { node { name } } } }"
    assert _measure(query) == [Tally(depth=4, aliases=0, cost=1 + 20 * 3)]


def test_variable_page_counts_largest_page() -> None:
    query = "query Q($n: Int) { groups(first: $n) { edges { node { name } } } }"
    assert _measure(query) == [Tally(depth=4, aliases=0, cost=1 + 100 * 3)]


def test_aliases_counted_through_fragments() -> None:
    query = """
    { a: groups(first: 1) { ...G } b: groups(first: 1) { ...G } }
    fragment G on GroupConnection { edges { x: node { y: name } } }
    """
    assert _measure(query) == [Tally(depth=4, aliases=6, cost=2 * (1 + 3))]


def test_introspection_fields_are_not_counted() -> None:
    query = "{ __typename __schema { types { fields { type { ofType { name } } } } } }"
    assert _measure(query) == [Tally(depth=0, aliases=0, cost=0)]


def test_fragment_chain_is_measured_linearly() -> None:
    # Each fragment spreads the one before twice: 2**60 names, 61 fragments.
    fragments = ["fragment F0 on Group { name }"] + [
        f"fragment F{i} on Group {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 61)
    ]
    query = "{ groups(first: 1) { edges { node { ...F60 } } } }\n" + "\n".join(
        fragments
    )
    # Walking the 2**60 spreads one by one would never end: that the exact
    # count comes back at all shows each fragment is measured once.
    assert _measure(query) == [Tally(4, 0, 1 + (1 + 1 + 2**60))]


def test_fragment_cycle_ends_the_walk() -> None:
    query = """
    { groups { edges { node { ...A } } } }
    fragment A on Group { name ...B }
    fragment B on Group { ...A }
    """
    assert _measure(query) == [Tally(depth=4, aliases=0, cost=1 + 20 * 3)]


def test_every_exceeded_limit_is_named() -> None:
    groups = (f"g{i}: groups {{ edges {{ node {{ name }} }} }}" for i in range(3))
    query = "{ " + " ".join(groups) + " }"
    tight = Limits(max_depth=3, max_aliases=2, max_cost=100)
    assert _codes(query, tight) == [
        ("DEPTH_LIMIT", "查询嵌套层数 4 超过上限 3。"),
        ("ALIAS_LIMIT", "查询别名数量 3 超过上限 2。"),
        ("COST_LIMIT", "查询估算成本 183 超过上限 100。"),
    ]


def test_unknown_fields_still_measured() -> None:
    query = "{ " + "a { " * 20 + "b" + " }" * 20 + " }"
    assert _codes(query) == [("DEPTH_LIMIT", "查询嵌套层数 21 超过上限 12。")]


def test_limit_refusal_skips_validation() -> None:
    schema = _schema(lambda: LimitedValidation(DEFAULTS))
    result = schema.execute_sync("{ " + "a { " * 20 + "b" + " }" * 20 + " }")
    errors = [(e.message, e.extensions) for e in result.errors or []]
    assert (result.data, errors) == (
        None,
        [("查询嵌套层数 21 超过上限 12。", {"code": "DEPTH_LIMIT", "limit": 12})],
    )


def test_within_limits_validates_as_usual() -> None:
    schema = _schema(lambda: LimitedValidation(DEFAULTS))
    result = schema.execute_sync("{ groups { edges { node { nope } } } }")
    messages = [e.message for e in result.errors or []]
    assert (result.data, messages) == (
        None,
        ["Cannot query field 'nope' on type 'Group'. Did you mean 'name'?"],
    )


def test_within_limits_executes() -> None:
    schema = _schema(lambda: LimitedValidation(DEFAULTS))
    result = schema.execute_sync("{ groups(first: 5) { edges { node { name } } } }")
    assert (result.data, result.errors) == ({"groups": {"edges": []}}, None)


# --- rate limit -------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_refuses_past_burst() -> None:
    limiter = RateLimiter(2, clock=_Clock())
    limiter.check("a")
    limiter.check("a")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 30


def test_rate_limiter_refills_over_time() -> None:
    clock = _Clock()
    limiter = RateLimiter(60, clock=clock)
    for _ in range(60):
        limiter.check("a")
    clock.now = 1.0
    limiter.check("a")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 1


def test_rate_limiter_keys_are_separate() -> None:
    limiter = RateLimiter(1, clock=_Clock())
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 60
