"""The root query of API.md."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import org as org_reads
from resolvers import records as record_reads
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.records import StudentFilter, StudentView
from rules.access import AccessClass
from schema.connections import (
    Edge,
    PageInfo,
    SchoolConnection,
    StudentConnection,
    page_size,
)
from schema.node import Node, decode_cursor, encode_cursor, from_global_id
from schema.org import SchoolClassType, SchoolType
from schema.permissions import classified
from schema.records import StudentStatus, StudentType, student_type


@strawberry.type(name="Principal", description="Who the bearer token stands for.")
class PrincipalType:
    subject: str = classified(AccessClass.PUBLIC)
    role: str = classified(AccessClass.PUBLIC)
    school_code: str | None = classified(AccessClass.PUBLIC)
    district_code: str | None = classified(AccessClass.PUBLIC)
    class_id: int | None = classified(AccessClass.PUBLIC)
    approval_number: str | None = classified(AccessClass.PUBLIC)

    @classified(AccessClass.PUBLIC, description="A head teacher's own class now.")
    async def homeroom_students(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> StudentConnection:
        ctx: RequestContext = info.context
        if ctx.principal.class_id is None:
            return _student_connection([], False, StudentFilter(class_id=-1))
        flt = StudentFilter(class_id=ctx.principal.class_id)
        wants = _selects(info.selected_fields, GUARDIAN_FIELDS)
        return await _students(ctx, flt, first, after, wants_guardians=wants)


def _student_connection(
    views: list[StudentView], has_next: bool, flt: StudentFilter
) -> StudentConnection:
    edges = [
        Edge(cursor=encode_cursor(v.student.id), node=student_type(v)) for v in views
    ]
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=False,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return StudentConnection(edges=edges, page_info=info, filter=flt)


async def _students(
    ctx: RequestContext,
    flt: StudentFilter,
    first: int | None,
    after: str | None,
    *,
    wants_guardians: bool = False,
) -> StudentConnection:
    size = page_size(first)
    views, has_next = await record_reads.student_page(
        ctx, flt, first=size, after_id=decode_cursor(after)
    )
    if wants_guardians:
        await record_reads.attach_guardians(ctx, views)
    return _student_connection(views, has_next, flt)


GUARDIAN_FIELDS = frozenset({"guardians", "guardianPhone"})


def _selects(selections: list[Any], names: frozenset[str]) -> bool:
    """Whether any field named in ``names`` is selected at any depth."""
    for selection in selections:
        if getattr(selection, "name", None) in names:
            return True
        if _selects(getattr(selection, "selections", None) or [], names):
            return True
    return False


@strawberry.type
class CoreQuery:
    @classified(AccessClass.PUBLIC)
    def me(self, info: Info) -> PrincipalType:
        principal = info.context.principal
        return PrincipalType(
            subject=principal.subject,
            role=principal.role.value,
            school_code=principal.school,
            district_code=principal.district,
            class_id=principal.class_id,
            approval_number=principal.approval,
        )

    @classified(AccessClass.PUBLIC, description="Any object by its global ID.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx: RequestContext = info.context
        parsed = from_global_id(id)
        if parsed is None:
            raise NotFound()
        type_name, pk = parsed
        found: Node | None = None
        if type_name == "Student":
            view = await record_reads.student_by_id(ctx, pk)
            found = student_type(view) if view else None
        elif type_name == "School":
            school = await org_reads.school_by_id(ctx, pk)
            found = SchoolType(row=school) if school else None
        elif type_name == "SchoolClass":
            klass = await org_reads.class_by_id(ctx, pk)
            found = SchoolClassType(row=klass) if klass else None
        if found is None:
            raise NotFound()
        return found

    @classified(AccessClass.PUBLIC)
    async def school(self, info: Info, code: str) -> SchoolType | None:
        row = await org_reads.school_by_code(info.context, code)
        if row is None:
            raise NotFound()
        return SchoolType(row=row)

    @classified(AccessClass.PUBLIC)
    async def schools(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> SchoolConnection:
        rows, has_next, total = await org_reads.school_page(
            info.context, first=page_size(first), after_id=decode_cursor(after)
        )
        edges = [Edge(cursor=encode_cursor(r.id), node=SchoolType(row=r)) for r in rows]
        page = PageInfo(
            has_next_page=has_next,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return SchoolConnection(edges=edges, page_info=page, total_count=total)

    @classified(AccessClass.PUBLIC, description="By 学籍号, current or earlier.")
    async def student(self, info: Info, student_number: str) -> StudentType | None:
        ctx: RequestContext = info.context
        view = await record_reads.student_by_number(ctx, student_number)
        if view is None:
            await record_reads.audit_external_miss(ctx, student_number, "Query.student")
            raise NotFound()
        return student_type(view)

    @classified(AccessClass.PUBLIC, description="Students in the caller's scope.")
    async def students(
        self,
        info: Info,
        school_code: str | None = None,
        grade: int | None = None,
        class_id: strawberry.ID | None = None,
        status: StudentStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> StudentConnection:
        flt = StudentFilter(
            school_code=school_code,
            grade=grade,
            class_id=_class_pk(class_id),
            status=status.value if status else None,
        )
        wants = _selects(info.selected_fields, GUARDIAN_FIELDS)
        return await _students(info.context, flt, first, after, wants_guardians=wants)


def _class_pk(class_id: str | None) -> int | None:
    """A class by global ID or by its numeric id."""
    if class_id is None:
        return None
    if class_id.isdigit():
        return int(class_id)
    parsed = from_global_id(class_id)
    if parsed is None or parsed[0] != "SchoolClass":
        return -1
    return parsed[1]
