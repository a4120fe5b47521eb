"""Written approvals and the audit trail (第三十七条)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import begin_write
from db.models import Approval, ApprovalStudent, AuditEvent, Student
from resolvers.context import RequestContext
from resolvers.scope import student_scope
from rules.access import (
    ApprovalGrant,
    DisclosureCategory,
    Principal,
    Role,
    check_approval_terms,
    grant_status,
)
from rules.audit import GENESIS, digest
from rules.errors import RuleViolation, RuleViolations

# One lock number for the audit chain on PostgreSQL: appends are serialised so
# that every event links to the one before it.
AUDIT_LOCK = 7_311_0037
AUDIT_TABLE = cast(Table, AuditEvent.__table__)


async def load_grant(ctx: RequestContext) -> ApprovalGrant | None:
    principal = ctx.principal
    if principal.role is not Role.EXTERNAL or principal.approval is None:
        return None
    rows = await ctx.scalars(
        select(Approval).where(Approval.document_number == principal.approval)
    )
    if not rows:
        return None
    approval: Approval = rows[0]
    return ApprovalGrant(
        number=approval.document_number,
        categories=frozenset(DisclosureCategory(c) for c in approval.categories),
        valid_from=approval.valid_from,
        valid_to=approval.valid_to,
        revoked=approval.revoked_at is not None,
    )


def note_invalid_grant(ctx: RequestContext) -> None:
    """An outside token whose approval is missing, expired or revoked reads
    nothing; each such request leaves a denial event."""
    if ctx.principal.role is not Role.EXTERNAL:
        return
    problem = grant_status(ctx.grant, ctx.today)
    if problem is not None:
        ctx.audit.denied(None, "*", problem.value)


@dataclass(frozen=True)
class AuditDraft:
    """An audit event before it joins the chain (a plain object, cheap to make
    by the hundred for a page of students)."""

    at: datetime
    principal: str
    role: str
    action: str
    outcome: str
    student_id: int | None = None
    fields: list[str] = field(default_factory=list)
    approval_number: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None


def event_content(event: AuditDraft | AuditEvent) -> dict[str, Any]:
    """What the digest covers: every column but the id and the digests."""
    return {
        "at": event.at,
        "principal": event.principal,
        "role": event.role,
        "action": event.action,
        "student_id": event.student_id,
        "fields": list(event.fields),
        "approval_number": event.approval_number,
        "outcome": event.outcome,
        "detail": event.detail,
        "request_id": event.request_id,
    }


async def append_events(
    session: AsyncSession, events: Sequence[AuditDraft | AuditEvent]
) -> None:
    """Link ``events`` to the chain's head and add them; the caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
    head = await session.execute(
        select(AuditEvent.digest).order_by(AuditEvent.id.desc()).limit(1)
    )
    prev = head.scalar_one_or_none() or GENESIS
    rows = []
    for event in events:
        content = event_content(event)
        current = digest(prev, content)
        rows.append({**content, "prev_digest": prev, "digest": current})
        prev = current
    if rows:
        # One Core executemany, however many students a page touched.
        await session.execute(AUDIT_TABLE.insert(), rows)


def new_event(
    principal: Principal,
    *,
    action: str,
    at: datetime,
    outcome: str,
    student_id: int | None = None,
    fields: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditDraft:
    return AuditDraft(
        at=at,
        principal=principal.subject,
        role=principal.role.value,
        action=action,
        outcome=outcome,
        student_id=student_id,
        fields=sorted(fields),
        approval_number=principal.approval,
        detail=detail or {},
        request_id=request_id,
    )


async def write_audit(ctx: RequestContext) -> None:
    """Write the request's reads and denials; raises if that is impossible."""
    events = [
        new_event(
            ctx.principal,
            action="READ",
            at=ctx.now,
            outcome=note.outcome,
            student_id=note.student_id or None,
            fields=sorted(note.fields),
            detail={"reason": note.reason} if note.reason else None,
            request_id=ctx.request_id,
        )
        for note in ctx.audit.notes.values()
    ]
    async with ctx.sessionmaker() as session:
        await begin_write(session)
        await append_events(session, events)
        await session.commit()


async def register_approval(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    document_number: str,
    authority: str,
    approver: str,
    requesting_party: str,
    purpose: str,
    categories: Sequence[DisclosureCategory],
    student_numbers: Sequence[str],
    valid_from: date,
    valid_to: date,
) -> Approval:
    """Record a written approval (第三十七条) over students of the district."""
    check_approval_terms(
        document_number, categories, student_numbers, valid_from, valid_to
    )
    existing = await session.execute(
        select(Approval.id).where(Approval.document_number == document_number)
    )
    if existing.first() is not None:
        raise RuleViolation(
            "APPROVAL_EXISTS",
            "该批准文号已登记。",
            article="第三十七条",
            field=["documentNumber"],
        )
    ids = await _district_students(session, ctx, student_numbers)
    approval = Approval(
        document_number=document_number,
        authority=authority,
        approver=approver,
        requesting_party=requesting_party,
        purpose=purpose,
        categories=[c.value for c in categories],
        valid_from=valid_from,
        valid_to=valid_to,
        registered_by=ctx.principal.subject,
        registered_at=ctx.now,
    )
    session.add(approval)
    await session.flush()
    session.add_all(ApprovalStudent(approval_id=approval.id, student_id=i) for i in ids)
    return approval


async def _district_students(
    session: AsyncSession, ctx: RequestContext, numbers: Sequence[str]
) -> list[int]:
    wanted = [n.strip().upper() for n in numbers]
    stmt = select(Student.student_number, Student.id).where(
        Student.student_number.in_(wanted),
        student_scope(ctx.principal, ctx.today),
    )
    found = {number: pk for number, pk in (await session.execute(stmt)).all()}
    missing = [i for i, n in enumerate(wanted) if n not in found]
    if missing:
        raise RuleViolations(
            [
                RuleViolation(
                    "STUDENT_NOT_FOUND",
                    "本区没有该学籍号的学生。",
                    field=["studentNumbers", str(i)],
                )
                for i in missing
            ]
        )
    return [found[n] for n in wanted]


async def revoke_approval(
    session: AsyncSession, ctx: RequestContext, document_number: str
) -> Approval:
    rows = await session.execute(
        select(Approval).where(Approval.document_number == document_number)
    )
    approval = rows.scalar_one_or_none()
    if approval is None:
        raise RuleViolation(
            "APPROVAL_NOT_FOUND",
            "没有该批准文号。",
            article="第三十七条",
            field=["documentNumber"],
        )
    if approval.revoked_at is not None:
        raise RuleViolation(
            "APPROVAL_ALREADY_REVOKED",
            "该批准已撤销。",
            article="第三十七条",
            field=["documentNumber"],
        )
    approval.revoked_at = ctx.now
    approval.revoked_by = ctx.principal.subject
    return approval
