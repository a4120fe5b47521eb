"""How an archive mutation runs and answers: one entry written through
``resolvers.mutations.perform``, then read back in a fresh session so that the
payload shows the committed row (and a repeated ``clientRequestId`` the first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.context import RequestContext
from resolvers.mutations import Done, Outcome, perform
from resolvers.scope import relation_for
from rules.access import Relation
from rules.errors import RuleViolation
from schema.errors import UserError
from schema.node import from_global_id


def user_errors(outcome: Outcome) -> list[UserError]:
    return [UserError.from_violation(v) for v in outcome.errors]


async def _rows(ctx: RequestContext, model: Any, ids: Sequence[int]) -> list[Any]:
    async with ctx.sessionmaker() as session:
        stmt = select(model).where(model.id.in_(ids)).order_by(model.id)
        return list((await session.scalars(stmt)).all())


async def written(ctx: RequestContext, model: Any, outcome: Outcome) -> list[Any]:
    if outcome.result is None:
        return []
    return await _rows(ctx, model, outcome.result["ids"])


def writer_relation(ctx: RequestContext) -> Relation:
    return relation_for(ctx.principal, True)


def done(rows: Sequence[Any], field: str) -> Done:
    student = rows[0].student_id if rows else None
    return Done({"ids": [r.id for r in rows]}, student_id=student, fields=[field])


def pk_of(global_id: str, type_name: str, field: str) -> int:
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        raise RuleViolation("ID_INVALID", "编号无效。", field=[field])
    return parsed[1]


Write = Callable[[AsyncSession], Awaitable[Any]]


async def write_one(
    ctx: RequestContext, name: str, write: Write, field: str, **options: Any
) -> Outcome:
    async def action(session: AsyncSession) -> Done:
        return done([await write(session)], field)

    return await perform(ctx, name, action, **options)
