"""Reading schools and classes."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import School, SchoolClass
from resolvers.context import RequestContext
from resolvers.scope import school_scope


async def school_by_code(ctx: RequestContext, code: str) -> School | None:
    stmt = select(School).where(School.code == code, school_scope(ctx.principal))
    rows = await ctx.scalars(stmt)
    return rows[0] if rows else None


async def school_by_id(ctx: RequestContext, pk: int) -> School | None:
    stmt = select(School).where(School.id == pk, school_scope(ctx.principal))
    rows = await ctx.scalars(stmt)
    return rows[0] if rows else None


async def school_page(
    ctx: RequestContext, *, first: int, after_id: int | None
) -> tuple[list[School], bool, int]:
    scope = school_scope(ctx.principal)
    stmt = select(School).where(scope).order_by(School.id).limit(first + 1)
    if after_id is not None:
        stmt = stmt.where(School.id > after_id)
    rows = list(await ctx.scalars(stmt))
    total = await ctx.execute(select(func.count()).select_from(School).where(scope))
    return rows[:first], len(rows) > first, int(total.scalar_one())


async def class_by_id(ctx: RequestContext, pk: int) -> SchoolClass | None:
    visible = select(School.id).where(school_scope(ctx.principal))
    stmt = select(SchoolClass).where(
        SchoolClass.id == pk, SchoolClass.school_id.in_(visible)
    )
    rows = await ctx.scalars(stmt)
    return rows[0] if rows else None
