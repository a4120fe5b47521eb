"""Reads over what the nightly sync brought in.

- sync status and history, and the quarantine, for district officers (and
  auditors): operations data, no student fields;
- the household proofs that disagree with the record (name, birth date, sex),
  for the registrar (第十一条（二）), and the household district of a student,
  which decides the transfer route (第十四、十五条);
- the school-entry vaccination check (入学查验, 《儿童入托、入学预防接种证查验办法》):
  each new entrant, transfer-in and mid-year joiner of a primary grade this
  school year with the doses missing by 30 days after entry and the December
  re-check, for the school's health staff.

Every list of students filters through ``student_scope``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sync_entrants import entrants_select, entry_kind
from adapters.sync_rows import HOUSEHOLD_PROOF
from db.models import (
    Enrolment,
    Placement,
    ProofDocument,
    QuarantinedRecord,
    SchoolClass,
    Student,
    SyncRun,
    SyncWatermark,
    VaccinationDose,
)
from resolvers.archive_health import _Dose as StoredDose
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.scope import (
    current_at_school,
    relation_for,
    school_id_of,
    student_scope,
)
from rules.access import Relation, Role
from rules.vaccination import MissingDose, check_deadline, entry_check, recheck_date

OPERATORS = frozenset({Role.DISTRICT_OFFICER, Role.AUDITOR})
_ID_NUMBER = re.compile(r"\d{6}(\d{8})\d{3}[\dXx]")


def require_operator(ctx: RequestContext) -> None:
    if ctx.principal.role not in OPERATORS:
        raise Forbidden("只有区教育局和审计员可以查看同步情况。")


async def sync_runs(
    ctx: RequestContext, source: str | None, limit: int
) -> Sequence[SyncRun]:
    require_operator(ctx)
    stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
    if source is not None:
        stmt = stmt.where(SyncRun.source == source)
    return await ctx.scalars(stmt)


@dataclass(frozen=True)
class SourceStatus:
    source: str
    watermark: str | None
    watermark_updated_at: Any
    last_run: SyncRun | None
    open_quarantined: int


async def sync_status(
    ctx: RequestContext, sources: Sequence[str]
) -> list[SourceStatus]:
    """Per source: the watermark, the latest run and what waits in quarantine."""
    require_operator(ctx)
    marks = {m.source: m for m in await ctx.scalars(select(SyncWatermark))}
    latest = select(func.max(SyncRun.id)).group_by(SyncRun.source)
    runs = {
        r.source: r
        for r in await ctx.scalars(select(SyncRun).where(SyncRun.id.in_(latest)))
    }
    counted: Sequence[Any] = (
        await ctx.execute(
            select(QuarantinedRecord.source, func.count())
            .where(QuarantinedRecord.resolved_at.is_(None))
            .group_by(QuarantinedRecord.source)
        )
    ).all()
    waiting: dict[str, int] = {source: n for source, n in counted}
    return [
        SourceStatus(
            source,
            marks[source].watermark if source in marks else None,
            marks[source].updated_at if source in marks else None,
            runs.get(source),
            int(waiting.get(source, 0)),
        )
        for source in sources
    ]


async def quarantined(
    ctx: RequestContext, source: str | None, open_only: bool, limit: int
) -> Sequence[QuarantinedRecord]:
    require_operator(ctx)
    stmt = select(QuarantinedRecord).order_by(QuarantinedRecord.id.desc()).limit(limit)
    if source is not None:
        stmt = stmt.where(QuarantinedRecord.source == source)
    if open_only:
        stmt = stmt.where(QuarantinedRecord.resolved_at.is_(None))
    return await ctx.scalars(stmt)


def masked_payload(payload: Any) -> Any:
    """A quarantined payload with ID numbers cut to their birth-date digits."""
    if isinstance(payload, str):
        return _ID_NUMBER.sub(lambda m: "******" + m.group(1) + "****", payload)
    if isinstance(payload, list):
        return [masked_payload(item) for item in payload]
    if isinstance(payload, dict):
        return {key: masked_payload(value) for key, value in payload.items()}
    return payload


@dataclass(frozen=True)
class Difference:
    """One item where the household register and the record disagree."""

    student_id: int
    relation: Relation
    student_number: str
    name: str
    field: str  # GraphQL name of the record's field
    record_value: str
    registered_value: str


async def household_differences(
    ctx: RequestContext, school_code: str | None
) -> list[Difference]:
    """Household proofs in force whose person differs from the record."""
    stmt = (
        select(ProofDocument, Student.student_number, Student.name)
        .add_columns(
            Student.birth_date,
            Student.sex,
            current_at_school(ctx.principal, ctx.today),
        )
        .join(Student, Student.id == ProofDocument.student_id)
        .where(
            ProofDocument.kind == HOUSEHOLD_PROOF,
            ProofDocument.withdrawn_at.is_(None),
            student_scope(ctx.principal, ctx.today),
        )
        .order_by(Student.id, ProofDocument.id)
    )
    if school_code is not None:
        stmt = stmt.where(_at_school(school_code))
    found = []
    rows: Sequence[Any] = (await ctx.execute(stmt)).all()
    for proof, number, name, born, sex, current in rows:
        relation = relation_for(ctx.principal, bool(current))
        pairs = (
            ("name", name, proof.person_name),
            ("birthDate", born.isoformat(), _iso(proof.person_birth_date)),
            ("sex", sex, proof.person_sex),
        )
        for field, ours, theirs in pairs:
            if theirs is not None and theirs != ours:
                found.append(
                    Difference(
                        proof.student_id, relation, number, name, field, ours, theirs
                    )
                )
    return found


async def household_division(session: AsyncSession, student_id: int) -> str | None:
    """The GB/T 2260 division of the student's household proof in force, for the
    transfer route of 第十四、十五条 (``rules.status_transfer.transfer_route``)."""
    stmt = (
        select(ProofDocument.division_code)
        .where(
            ProofDocument.student_id == student_id,
            ProofDocument.kind == HOUSEHOLD_PROOF,
            ProofDocument.withdrawn_at.is_(None),
            ProofDocument.division_code.is_not(None),
        )
        .order_by(ProofDocument.fetched_at.desc(), ProofDocument.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True)
class EntrantCheck:
    """One entrant's entry check: when it is due and what is missing."""

    student_id: int
    relation: Relation
    student_number: str
    name: str
    class_name: str
    grade: int
    entry_date: date
    entry_kind: str
    check_by: date
    recheck_by: date
    missing: list[MissingDose]
    unmapped_doses: int


async def entry_checks(
    ctx: RequestContext, school_code: str | None, class_id: int | None
) -> list[EntrantCheck]:
    """The entry check of each entrant in scope, by class (入学查验)."""
    stmt = entrants_select(
        ctx.today,
        Student.id,
        Student.student_number,
        Student.name,
        Student.birth_date,
        Enrolment.entry_date,
        Enrolment.entry_reason,
        Placement.grade,
        SchoolClass.name,
        current_at_school(ctx.principal, ctx.today),
    ).join(SchoolClass, SchoolClass.id == Placement.class_id)
    stmt = stmt.where(student_scope(ctx.principal, ctx.today))
    if school_code is not None:
        stmt = stmt.where(Enrolment.school_id == school_id_of(school_code))
    if class_id is not None:
        stmt = stmt.where(Placement.class_id == class_id)
    ordered = stmt.order_by(SchoolClass.name, Student.id)
    rows: Sequence[Any] = (await ctx.execute(ordered)).all()
    doses = await _doses(ctx, [row[0] for row in rows])
    checks = []
    for sid, number, name, born, entered, reason, grade, klass, current in rows:
        if entered < born:
            continue  # a data error the record review catches, not a check
        mine = doses.get(sid, [])
        checks.append(
            EntrantCheck(
                student_id=sid,
                relation=relation_for(ctx.principal, bool(current)),
                student_number=number,
                name=name,
                class_name=klass,
                grade=grade,
                entry_date=entered,
                entry_kind=entry_kind(grade, reason),
                check_by=check_deadline(entered),
                recheck_by=recheck_date(entered),
                missing=entry_check(born, [StoredDose(d) for d in mine], entered),
                unmapped_doses=sum(
                    1 for d in mine if d.needs_manual_mapping and d.withdrawn_at is None
                ),
            )
        )
    return checks


async def _doses(
    ctx: RequestContext, student_ids: list[int]
) -> dict[int, list[VaccinationDose]]:
    if not student_ids:
        return {}
    stmt = (
        select(VaccinationDose)
        .where(VaccinationDose.student_id.in_(student_ids))
        .order_by(VaccinationDose.id)
    )
    grouped: dict[int, list[VaccinationDose]] = {}
    for dose in await ctx.scalars(stmt):
        grouped.setdefault(dose.student_id, []).append(dose)
    return grouped


def _at_school(school_code: str) -> Any:
    return Student.id.in_(
        select(Enrolment.student_id).where(
            and_(
                Enrolment.school_id == school_id_of(school_code),
                Enrolment.exit_date.is_(None),
            )
        )
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
