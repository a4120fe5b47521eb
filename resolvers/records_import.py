"""Loading a cohort of new records at once (第十条): every bad row reported with
its row number, column and code; then all rows go in, or none.

The form checks run before the write transaction (they need no database); class
look-ups, duplicates inside the file and against the database, numbers and the
bulk inserts run in one transaction. Each ID number is hashed once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Enrolment,
    Guardian,
    Placement,
    RecordChange,
    School,
    SchoolClass,
    Student,
    StudentNumber,
)
from resolvers.context import RequestContext
from resolvers.mutations import Done, perform
from resolvers.records_columns import (
    caller_school,
    district_code,
    enrolment_values,
    guardian_values,
    id_digest,
    length_faults,
    placement_start,
    student_values,
    without_derived_gaps,
)
from resolvers.records_identity import (
    CHUNK,
    checked_document,
    duplicate_person,
    issue_numbers,
)
from resolvers.records_import_file import (
    ImportFileError,
    ImportFormat,
    ParsedRow,
    column_for,
    read_cohort,
)
from rules.access import Role
from rules.errors import RuleViolation
from rules.identity import IdDocument
from rules.record_review import (
    RecordState,
)
from rules.records import (
    FORM,
    BasicInfo,
    normalise_basic_info,
    validate_basic_info,
)

IMPORT = "importStudentRecords"


@dataclass(frozen=True)
class RowFault:
    """One fault of one row: row number (the header is row 1), column, code."""

    row: int
    column: str | None
    field: list[str] | None
    code: str
    message: str
    article: str | None


@dataclass
class ImportReport:
    dry_run: bool
    rows: int
    faults: list[RowFault] = field(default_factory=list)
    imported: int = 0


@dataclass
class CheckedRow:
    """A row after the form checks: the normalised record and its faults."""

    number: int
    info: BasicInfo
    faults: list[RuleViolation]
    document: IdDocument | None = None
    digest: str | None = None
    klass: SchoolClass | None = None


def check_rows(
    rows: Sequence[ParsedRow], *, today: date, special_education: bool
) -> list[CheckedRow]:
    """The form checks of every row (no database): all faults, each on its cell."""
    checked = []
    for row in rows:
        info = normalise_basic_info(row.info, today=today)
        unreadable = {tuple(f.field or ()) for f in row.faults}
        found = validate_basic_info(info, today, special_education=special_education)
        found = without_derived_gaps(found, info) + length_faults(info)
        faults = row.faults + [
            f for f in found if tuple(f.field or ()) not in unreadable
        ]
        checked.append(CheckedRow(row.number, info, faults))
    return checked


def _fault(
    code: str, message: str, path: list[str], article: str | None = None
) -> RuleViolation:
    return RuleViolation(code, message, article=article, field=path)


async def _place(
    session: AsyncSession, school_id: int, year: int, rows: list[CheckedRow]
) -> None:
    stmt = select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year == year
    )
    classes = {c.name: c for c in await session.scalars(stmt)}
    for row in rows:
        name, grade = row.info.class_name, row.info.grade
        if name is None:
            continue
        klass = classes.get(name)
        if klass is None:
            message = f"本校{year}学年没有名为“{name}”的班级。"
            row.faults.append(_fault("CLASS_NOT_FOUND", message, ["className"], FORM))
        elif grade is not None and grade != klass.grade:
            message = f"年级与班级不符（该班为{klass.grade}年级）。"
            row.faults.append(_fault("GRADE_CLASS_MISMATCH", message, ["grade"], FORM))
        row.klass = klass


def _identify(ctx: RequestContext, rows: list[CheckedRow]) -> None:
    """Documents and hashes of the rows without faults; a repeat in the file is a
    fault of the later row (第十一条: one person, one record)."""
    first_row: dict[str, int] = {}
    for row in rows:
        if row.faults:
            continue
        row.document = checked_document(row.info, ctx.today)
        row.digest = id_digest(ctx.crypto, row.document.type, row.document.number)
        if row.digest is None:
            continue
        earlier = first_row.setdefault(row.digest, row.number)
        if earlier != row.number:
            message = f"与第{earlier}行为同一人，一人只能建立一个学籍。"
            row.faults.append(
                _fault("DUPLICATE_IN_FILE", message, ["idNumber"], "第十一条")
            )


async def _against_database(
    session: AsyncSession, rows: list[CheckedRow], school_id: int
) -> None:
    wanted = {r.digest: r for r in rows if r.digest is not None and not r.faults}
    digests = list(wanted)
    for start in range(0, len(digests), CHUNK):
        chunk = digests[start : start + CHUNK]
        stmt = (
            select(Student.id_number_hash, Student.student_number, Enrolment.school_id)
            .outerjoin(
                Enrolment,
                (Enrolment.student_id == Student.id) & Enrolment.exit_date.is_(None),
            )
            .where(Student.id_number_hash.in_(chunk))
        )
        for digest, number, active in (await session.execute(stmt)).all():
            fault = duplicate_person(
                number, active_school_id=active, school_id=school_id
            )
            wanted[str(digest)].faults.append(fault)


async def import_cohort(
    session: AsyncSession,
    ctx: RequestContext,
    rows: list[CheckedRow],
    *,
    school_year: int,
    dry_run: bool,
) -> ImportReport:
    """Check the rows against the school's classes and every record kept, then
    write them all — unless it is a dry run or any row has a fault."""
    school = await caller_school(session, ctx.principal.school)
    await _place(session, school.id, school_year, rows)
    _identify(ctx, rows)
    await _against_database(session, rows, school.id)
    report = ImportReport(dry_run=dry_run, rows=len(rows), faults=row_faults(rows))
    if report.faults or dry_run:
        return report
    area = await district_code(session, school.district_id)
    people = [
        (r.document, r.info.birth_date)
        for r in rows
        if r.document and r.info.birth_date
    ]
    numbers = await issue_numbers(session, people, area)
    await _write(session, ctx, rows, numbers, school.id, school.district_id)
    report.imported = len(rows)
    return report


def row_faults(rows: Iterable[CheckedRow]) -> list[RowFault]:
    """Every fault, in row order, each with the column it is in."""
    faults = []
    for row in rows:
        for fault in row.faults:
            column = column_for(fault.field)
            faults.append(
                RowFault(
                    row=row.number,
                    column=column.label if column else None,
                    field=fault.field,
                    code=fault.code,
                    message=fault.message,
                    article=fault.article,
                )
            )
    return faults


async def _write(
    session: AsyncSession,
    ctx: RequestContext,
    rows: list[CheckedRow],
    numbers: list[str],
    school_id: int,
    district_id: int,
) -> None:
    """Bulk inserts, one statement per table (batched by the driver)."""
    students = [
        {
            "student_number": number,
            "number_kind": number[0],
            "record_state": RecordState.DRAFT.value,
            "status": "STUDYING",
            "district_id": district_id,
            "id_number_cipher": _sealed(ctx, row.document),
            "id_number_hash": row.digest,
            "created_at": ctx.now,
            "updated_at": ctx.now,
            **student_values(row.info),
        }
        for row, number in zip(rows, numbers, strict=True)
    ]
    by_number = await _insert_keyed(session, Student.student_number, students)
    ids = [by_number[n] for n in numbers]
    await session.execute(
        insert(StudentNumber),
        [
            {"student_id": i, "number": n, "kind": n[0], "issued_at": ctx.now}
            for i, n in zip(ids, numbers, strict=True)
        ],
    )
    guardians = [
        {"student_id": i, **guardian_values(g, position, ctx.crypto)}
        for i, row in zip(ids, rows, strict=True)
        for position, g in enumerate(row.info.guardians, start=1)
    ]
    if guardians:
        await session.execute(insert(Guardian), guardians)
    episodes = [
        {"student_id": i, **enrolment_values(row.info, school_id)}
        for i, row in zip(ids, rows, strict=True)
    ]
    by_student = await _insert_keyed(session, Enrolment.student_id, episodes)
    enrolment_ids = [by_student[i] for i in ids]
    await session.execute(
        insert(Placement),
        [
            _placement(e, i, row)
            for e, i, row in zip(enrolment_ids, ids, rows, strict=True)
        ],
    )
    await session.execute(
        insert(RecordChange),
        [
            {
                "student_id": i,
                "kind": "IMPORT",
                "changes": {},
                "changed_by": ctx.principal.subject,
                "changed_at": ctx.now,
            }
            for i in ids
        ],
    )


async def _insert_keyed(
    session: AsyncSession, key: Any, rows: list[dict[str, Any]]
) -> dict[Any, int]:
    """Insert ``rows``; the new ids by a column unique among them. (Asking for
    the ids in parameter order makes SQLite insert one row per statement.)"""
    model = key.class_
    result = await session.execute(insert(model).returning(key, model.id), rows)
    return {found: int(pk) for found, pk in result.all()}


def _sealed(ctx: RequestContext, document: IdDocument | None) -> bytes | None:
    if document is None or document.number is None:
        return None
    return ctx.crypto.encrypt(document.number)


def _placement(enrolment_id: int, student_id: int, row: CheckedRow) -> dict[str, Any]:
    klass, entry = row.klass, row.info.entry_date
    assert klass is not None and entry is not None  # else the row had a fault
    return {
        "enrolment_id": enrolment_id,
        "student_id": student_id,
        "class_id": klass.id,
        "grade": klass.grade,
        "start_date": placement_start(entry, klass),
    }


def school_year_of(day: date) -> int:
    """School year N runs 1 September N to 31 August N+1 (DOMAIN §10)."""
    return day.year if day.month >= 9 else day.year - 1


async def _refuse_unless_registrar(ctx: RequestContext) -> None:
    async def nothing(session: AsyncSession) -> Done:
        return Done({})

    if ctx.principal.role is not Role.REGISTRAR:
        # Refused (and audited) by perform before the file is even decoded.
        await perform(ctx, IMPORT, nothing, roles={Role.REGISTRAR})


async def run_import(
    ctx: RequestContext,
    data: bytes,
    fmt: ImportFormat,
    *,
    dry_run: bool,
    school_year: int | None = None,
    client_request_id: str | None = None,
) -> tuple[ImportReport | None, list[RuleViolation]]:
    """Read, check and (unless a dry run or any fault) write a cohort file.

    The answer is the report (None when the file as a whole was refused) and the
    refusals; a file with faulty rows is refused whole with IMPORT_REJECTED.
    """
    await _refuse_unless_registrar(ctx)
    try:
        rows = read_cohort(data, fmt)
    except ImportFileError as exc:
        return None, [exc.violation]
    kinds = await ctx.scalars(
        select(School.kind).where(School.code == ctx.principal.school)
    )
    special = bool(kinds) and kinds[0] == "SPECIAL"
    # The form checks are pure and take a few seconds for a large cohort: run
    # them beside the event loop, and before the write transaction opens.
    checked = await asyncio.to_thread(
        check_rows, rows, today=ctx.today, special_education=special
    )
    year = school_year if school_year is not None else school_year_of(ctx.today)
    found: list[ImportReport] = []

    async def action(session: AsyncSession) -> Done:
        report = await import_cohort(
            session, ctx, checked, school_year=year, dry_run=dry_run
        )
        found.append(report)
        if report.faults and not dry_run:
            raise RuleViolation(
                "IMPORT_REJECTED",
                f"文件中有{len(report.faults)}处错误，未导入任何记录；请改正后重新导入。",
                article="第十条",
                field=["file"],
            )
        return Done(
            {"rows": report.rows, "imported": report.imported, "dryRun": dry_run}
        )

    outcome = await perform(
        ctx,
        IMPORT,
        action,
        roles={Role.REGISTRAR},
        client_request_id=client_request_id,
    )
    if found:
        return found[-1], outcome.errors
    # A repeated request: the first answer again, from its receipt.
    done = outcome.result
    if done is None:
        return None, outcome.errors
    again = ImportReport(dry_run=done["dryRun"], rows=done["rows"])
    again.imported = done["imported"]
    return again, outcome.errors
