"""Relay connections for lists that can grow (API.md: ``first`` capped at 100)."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info

from resolvers.context import RequestContext
from resolvers.errors import ClientError
from resolvers.records import MAX_PAGE, StudentFilter, student_count
from rules.access import AccessClass
from schema.org import SchoolType
from schema.permissions import classified
from schema.records import StudentType

N = TypeVar("N")


def page_size(first: int | None) -> int:
    """``first`` within 1..100; more is a client error, not a silent cut."""
    if first is None:
        return 20
    if first < 1 or first > MAX_PAGE:
        raise ClientError(f"first 必须在 1 到 {MAX_PAGE} 之间。", field="first")
    return first


@strawberry.type
class PageInfo:
    has_next_page: bool = classified(AccessClass.PUBLIC)
    has_previous_page: bool = classified(AccessClass.PUBLIC)
    start_cursor: str | None = classified(AccessClass.PUBLIC)
    end_cursor: str | None = classified(AccessClass.PUBLIC)


@strawberry.type
class Edge(Generic[N]):
    cursor: str = classified(AccessClass.PUBLIC)
    node: N = classified(AccessClass.PUBLIC)


@strawberry.type
class StudentConnection:
    edges: list[Edge[StudentType]] = classified(AccessClass.PUBLIC)
    page_info: PageInfo = classified(AccessClass.PUBLIC)
    filter: strawberry.Private[StudentFilter]

    @classified(AccessClass.PUBLIC, description="Students matching, all pages.")
    async def total_count(self, info: Info) -> int:
        ctx: RequestContext = info.context
        return await student_count(ctx, self.filter)


@strawberry.type
class SchoolConnection:
    edges: list[Edge[SchoolType]] = classified(AccessClass.PUBLIC)
    page_info: PageInfo = classified(AccessClass.PUBLIC)
    total_count: int = classified(AccessClass.PUBLIC)
