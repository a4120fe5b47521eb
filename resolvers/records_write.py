"""Writing student records (第十、十一条): create one, correct one.

One person, one record, one number: the keyed hash of the ID number is unique in
the database, so a second record of the same person is refused even when two
requests race; the constraint failure becomes ``DUPLICATE_PERSON`` as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
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
from resolvers.records_columns import (
    ENROLMENT_COLUMNS,
    STUDENT_COLUMNS,
    basic_info_of,
    caller_school,
    district_code,
    enrolment_values,
    find_class,
    guardian_values,
    id_digest,
    length_faults,
    not_found,
    placement_faults,
    placement_start,
    sealed_text,
    student_values,
    without_derived_gaps,
)
from resolvers.records_identity import (
    NumberHint,
    check_not_duplicate,
    checked_document,
    issue_number,
    number_after_id_change,
    replace_number,
)
from rules.errors import RuleViolation, RuleViolations
from rules.identity import IdDocument
from rules.record_review import (
    RecordAction,
    RecordState,
    next_record_state,
    record_deadline,
)
from rules.records import (
    BasicInfo,
    camel,
    normalise_basic_info,
    validate_basic_info,
)

SPECIAL = "SPECIAL"


def record_faults(
    info: BasicInfo, *, today: date, school: School
) -> list[RuleViolation]:
    """Every fault of the form; the class is checked by id (``placement_faults``)."""
    special = school.kind == SPECIAL
    faults = validate_basic_info(info, today, special_education=special)
    faults = [f for f in faults if f.field != [camel("class_name")]]
    return without_derived_gaps(faults, info) + length_faults(info)


@dataclass(frozen=True)
class CheckedRecord:
    """A record that passed every check of the form, with what it refers to."""

    info: BasicInfo
    school: School
    klass: SchoolClass
    document: IdDocument
    birth_date: date
    entry_date: date


async def check_new_record(
    session: AsyncSession, ctx: RequestContext, info: BasicInfo, class_pk: int | None
) -> CheckedRecord:
    """Every fault of a new record at once, or the record ready to write."""
    school = await caller_school(session, ctx.principal.school)
    info = normalise_basic_info(info, today=ctx.today)
    klass = await find_class(session, school.id, class_pk)
    if klass is not None:
        info = replace(info, class_name=klass.name)
    faults = record_faults(info, today=ctx.today, school=school)
    faults += placement_faults(klass, class_pk, info.grade)
    if faults or klass is None or info.birth_date is None or info.entry_date is None:
        raise RuleViolations(faults)
    document = checked_document(info, ctx.today)
    return CheckedRecord(
        info, school, klass, document, info.birth_date, info.entry_date
    )


async def create_student_record(
    session: AsyncSession,
    ctx: RequestContext,
    info: BasicInfo,
    class_pk: int | None,
    hint: NumberHint,
) -> Student:
    """A new record at the caller's school (第十条), refused whole on any fault,
    and refused as DUPLICATE_PERSON when the person has one (第十一条)."""
    record = await check_new_record(session, ctx, info, class_pk)
    document, school = record.document, record.school
    digest = id_digest(ctx.crypto, document.type, document.number)
    hint.digest, hint.school_id = digest, school.id
    await check_not_duplicate(session, digest, school_id=school.id)

    area = await district_code(session, school.district_id)
    number = await issue_number(
        session, document, birth_date=record.birth_date, area=area
    )
    hint.kind = number[0]

    student = Student(
        student_number=number,
        number_kind=number[0],
        record_state=RecordState.DRAFT.value,
        status="STUDYING",
        district_id=school.district_id,
        id_number_cipher=_sealed(ctx, document.number),
        id_number_hash=digest,
        **student_values(record.info),
    )
    session.add(student)
    await session.flush()
    await _add_episode(session, ctx, student, record)
    return student


async def _add_episode(
    session: AsyncSession, ctx: RequestContext, student: Student, record: CheckedRecord
) -> None:
    number = student.student_number
    session.add(
        StudentNumber(
            student_id=student.id, number=number, kind=number[0], issued_at=ctx.now
        )
    )
    await _add_guardians(session, ctx, student.id, record.info)
    values = enrolment_values(record.info, record.school.id)
    enrolment = Enrolment(student_id=student.id, **values)
    session.add(enrolment)
    await session.flush()
    session.add(_placement(enrolment, record.klass, record.entry_date))
    session.add(_change(student.id, "CREATE", {}, ctx, note=None))


def _sealed(ctx: RequestContext, number: str | None) -> bytes | None:
    return ctx.crypto.encrypt(number) if number else None


def _placement(enrolment: Enrolment, klass: SchoolClass, entry: date) -> Placement:
    return Placement(
        enrolment_id=enrolment.id,
        student_id=enrolment.student_id,
        class_id=klass.id,
        grade=klass.grade,
        start_date=placement_start(entry, klass),
    )


async def _add_guardians(
    session: AsyncSession, ctx: RequestContext, student_id: int, info: BasicInfo
) -> None:
    for position, guardian in enumerate(info.guardians, start=1):
        values = guardian_values(guardian, position, ctx.crypto)
        session.add(Guardian(student_id=student_id, **values))


def _change(
    student_id: int,
    kind: str,
    changes: dict[str, Any],
    ctx: RequestContext,
    *,
    note: str | None,
) -> RecordChange:
    return RecordChange(
        student_id=student_id,
        kind=kind,
        changes=changes,
        note=note,
        changed_by=ctx.principal.subject,
        changed_at=ctx.now,
    )


def record_change(
    student_id: int, kind: str, ctx: RequestContext, note: str | None = None
) -> RecordChange:
    """A log entry for a review step or a custody move (archive category 1)."""
    return _change(student_id, kind, {}, ctx, note=note)


async def student_at_school(
    session: AsyncSession, number: str, school_id: int
) -> tuple[Student, Enrolment]:
    """The student with this number (current or earlier) active at the school."""
    normalized = number.strip().upper()
    earlier = select(StudentNumber.student_id).where(StudentNumber.number == normalized)
    stmt = (
        select(Student, Enrolment)
        .join(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .where(
            or_(Student.student_number == normalized, Student.id.in_(earlier)),
            Enrolment.school_id == school_id,
        )
        .with_for_update(of=Student)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise not_found()
    return row[0], row[1]


async def open_placement(
    session: AsyncSession, enrolment_id: int
) -> tuple[Placement | None, SchoolClass | None]:
    stmt = (
        select(Placement, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Placement.class_id)
        .where(Placement.enrolment_id == enrolment_id, Placement.end_date.is_(None))
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else (None, None)


@dataclass
class StoredRecord:
    """A record as the tables hold it, with the rows an update may touch."""

    student: Student
    enrolment: Enrolment
    placement: Placement
    klass: SchoolClass
    guardians: list[Guardian]
    info: BasicInfo


async def load_record(
    session: AsyncSession, ctx: RequestContext, number: str, school_id: int
) -> StoredRecord:
    student, enrolment = await student_at_school(session, number, school_id)
    placement, klass = await open_placement(session, enrolment.id)
    if placement is None or klass is None:
        raise not_found()
    stmt = (
        select(Guardian)
        .where(Guardian.student_id == student.id)
        .order_by(Guardian.position)
    )
    guardians = list(await session.scalars(stmt))
    info = basic_info_of(student, enrolment, placement, klass, guardians, ctx.crypto)
    return StoredRecord(student, enrolment, placement, klass, guardians, info)


def _patched(before: BasicInfo, patch: Mapping[str, Any], today: date) -> BasicInfo:
    changes = {k: v for k, v in patch.items() if k != "class_pk"}
    if "id_number" in changes:
        # A new ID number brings its own birth date and sex unless both are given.
        for derived in ("birth_date", "sex"):
            changes.setdefault(derived, None)
    return normalise_basic_info(replace(before, **changes), today=today)


async def update_student_record(
    session: AsyncSession,
    ctx: RequestContext,
    number: str,
    patch: Mapping[str, Any],
    *,
    population_check_passed: bool = False,
) -> Student:
    """Correct a record still with the school (DRAFT or RETURNED, 第十、十一条).

    ``patch`` holds the form attributes given, plus ``class_pk`` for a new class.
    Every change is logged with its old and new value (archive category 1); a new
    ID number is checked for duplicates again and may upgrade an L or J number.
    """
    school = await caller_school(session, ctx.principal.school)
    stored = await load_record(session, ctx, number, school.id)
    student = stored.student
    next_record_state(RecordState(student.record_state), RecordAction.EDIT)

    class_pk = patch.get("class_pk", stored.klass.id)
    klass = await find_class(session, school.id, class_pk)
    after = _patched(stored.info, patch, ctx.today)
    if klass is not None:
        after = replace(after, class_name=klass.name)
    faults = record_faults(after, today=ctx.today, school=school)
    faults += placement_faults(klass, class_pk, after.grade)
    if faults or klass is None:
        raise RuleViolations(faults)

    document = checked_document(after, ctx.today)
    digest = id_digest(ctx.crypto, document.type, document.number)
    old_number = student.student_number
    if digest != student.id_number_hash:
        await _change_document(
            session,
            ctx,
            student,
            (document, digest, school.id),
            population_check_passed=population_check_passed,
        )
    log = _apply(student, stored.enrolment, stored.info, after, ctx)
    if student.student_number != old_number:
        # A G number holds an ID number: the log keeps both sealed.
        log["studentNumber"] = [
            sealed_text(ctx.crypto, old_number),
            sealed_text(ctx.crypto, student.student_number),
        ]
    placement = stored.placement
    if placement.class_id != klass.id:
        log["classId"] = [placement.class_id, klass.id]
        placement.class_id, placement.grade = klass.id, klass.grade
    if "guardians" in patch:
        log["guardians"] = [len(stored.guardians), len(after.guardians)]
        await _replace_guardians(session, ctx, stored, after)
    session.add(_change(student.id, "UPDATE", log, ctx, note=None))
    return student


async def _change_document(
    session: AsyncSession,
    ctx: RequestContext,
    student: Student,
    new: tuple[IdDocument, str | None, int],
    *,
    population_check_passed: bool,
) -> None:
    """A new ID document (with its hash, at the caller's school): no one else may
    hold it (第十一条); it may bring the student a G number (第十条)."""
    document, digest, school_id = new
    await check_not_duplicate(session, digest, school_id=school_id, exclude=student.id)
    student.id_number_hash = digest
    student.id_number_cipher = _sealed(ctx, document.number)
    renumber = number_after_id_change(
        student, document, population_check_passed=population_check_passed
    )
    if renumber is not None:
        await replace_number(session, student, renumber, ctx.now)


async def _replace_guardians(
    session: AsyncSession, ctx: RequestContext, stored: StoredRecord, after: BasicInfo
) -> None:
    for row in stored.guardians:
        await session.delete(row)
    await session.flush()
    await _add_guardians(session, ctx, stored.student.id, after)


def _apply(
    student: Student,
    enrolment: Enrolment,
    before: BasicInfo,
    after: BasicInfo,
    ctx: RequestContext,
) -> dict[str, Any]:
    """Write changed items to the rows; returns ``{field: [old, new]}``."""
    new_values = student_values(after)
    log: dict[str, Any] = {}
    for attr, column in STUDENT_COLUMNS.items():
        old, new = getattr(student, column), new_values[column]
        if old != new:
            log[camel(attr)] = [_plain(old), _plain(new)]
            setattr(student, column, new)
    for attr in ENROLMENT_COLUMNS:
        old, new = getattr(enrolment, attr), getattr(after, attr)
        if old != new:
            log[camel(attr)] = [_plain(old), _plain(new)]
            setattr(enrolment, attr, new)
    if after.entry_date is not None and "entryDate" in log:
        enrolment.record_due = record_deadline(after.entry_date)
    if before.id_number != after.id_number:
        log["idNumber"] = [
            sealed_text(ctx.crypto, before.id_number),
            sealed_text(ctx.crypto, after.id_number),
        ]
    return log


def _plain(value: Any) -> Any:
    """A value as JSON keeps it."""
    return value.isoformat() if hasattr(value, "isoformat") else value
