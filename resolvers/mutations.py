"""How every mutation runs: role check, one transaction, audit, repeatability.

A refusal (``RuleViolation``) rolls the whole transaction back, so bad input
never writes half a record; it is still audited, in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from db.engine import begin_write
from db.models import MutationReceipt
from resolvers.access import append_events, new_event
from resolvers.context import RequestContext
from resolvers.errors import Conflict, Forbidden
from rules.access import Role
from rules.errors import RuleViolation, RuleViolations


@dataclass
class Done:
    """What a mutation wrote: ids for the payload, and whom it was about."""

    result: dict[str, Any]
    student_id: int | None = None
    fields: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    result: dict[str, Any] | None
    errors: list[RuleViolation]


Action = Callable[[AsyncSession], Awaitable[Done]]
# Maps a database constraint failure to the refusal it stands for, or None.
IntegrityMap = Callable[[IntegrityError], RuleViolation | None]


async def perform(
    ctx: RequestContext,
    name: str,
    action: Action,
    *,
    roles: Collection[Role],
    client_request_id: str | None = None,
    on_integrity: IntegrityMap | None = None,
) -> Outcome:
    if ctx.principal.role not in roles:
        await _audit_refusal(ctx, name, ["FORBIDDEN"])
        raise Forbidden()
    if client_request_id is not None:
        earlier = await _receipt(ctx, name, client_request_id)
        if earlier is not None:
            return Outcome(earlier, [])
    try:
        done = await _run(ctx, name, action, client_request_id)
    except RuleViolation as violation:
        return await _refused(ctx, name, [violation])
    except RuleViolations as many:
        return await _refused(ctx, name, many.violations)
    except StaleDataError:
        raise Conflict() from None
    except IntegrityError as exc:
        if client_request_id is not None:
            # The same request id won a race against this one: answer as it did.
            earlier = await _receipt(ctx, name, client_request_id)
            if earlier is not None:
                return Outcome(earlier, [])
        mapped = on_integrity(exc) if on_integrity else None
        if mapped is None:
            raise
        return await _refused(ctx, name, [mapped])
    return Outcome(done.result, [])


async def _run(
    ctx: RequestContext, name: str, action: Action, client_request_id: str | None
) -> Done:
    async with ctx.sessionmaker() as session:
        await begin_write(session)
        done = await action(session)
        event = new_event(
            ctx.principal,
            action=name,
            at=ctx.now,
            outcome="OK",
            student_id=done.student_id,
            fields=done.fields,
            detail={"result": done.result},
            request_id=ctx.request_id,
        )
        await session.flush()
        await append_events(session, [event])
        if client_request_id is not None:
            session.add(
                MutationReceipt(
                    principal=ctx.principal.subject,
                    mutation=name,
                    client_request_id=client_request_id,
                    result=done.result,
                    at=ctx.now,
                )
            )
        await session.commit()
    return done


async def _receipt(
    ctx: RequestContext, name: str, client_request_id: str
) -> dict[str, Any] | None:
    stmt = select(MutationReceipt.result).where(
        MutationReceipt.principal == ctx.principal.subject,
        MutationReceipt.mutation == name,
        MutationReceipt.client_request_id == client_request_id,
    )
    # A short session of its own: holding the request's read session open
    # across the write would take two pooled connections per mutation, and
    # concurrent mutations could then wait on each other for the pool (case
    # C10); on SQLite it would also keep a snapshot older than a twin's receipt.
    async with ctx.sessionmaker() as session:
        rows = (await session.scalars(stmt)).all()
    return dict(rows[0]) if rows else None


async def _refused(
    ctx: RequestContext, name: str, violations: list[RuleViolation]
) -> Outcome:
    await _audit_refusal(ctx, name, [v.code for v in violations])
    return Outcome(None, violations)


async def _audit_refusal(ctx: RequestContext, name: str, codes: list[str]) -> None:
    event = new_event(
        ctx.principal,
        action=name,
        at=ctx.now,
        outcome="REFUSED",
        detail={"codes": codes},
        request_id=ctx.request_id,
    )
    async with ctx.sessionmaker() as session:
        await begin_write(session)
        await append_events(session, [event])
        await session.commit()
