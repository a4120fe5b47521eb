"""One person, one record, one number (第十、十一条): duplicates and 学籍号.

The keyed hash of the ID number is unique in the database; a request that loses a
race on it gets the same ``DUPLICATE_PERSON`` refusal as one that found the record
first. Numbers: G + ID number, J with the next free sequence, L drawn anew until
free; an upgraded L or J number stays in ``student_numbers``, searchable.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Enrolment, Student, StudentNumber
from resolvers.context import RequestContext
from rules.errors import RuleViolation
from rules.identity import (
    NUMBER_ARTICLE,
    IdDocument,
    StudentNumberKind,
    official_student_number,
    student_number_for,
    student_number_kind,
    substitute_student_number,
    validate_id_document,
)
from rules.records import REVIEW_ARTICLE, BasicInfo

_DRAWS = 50
MAX_SEQUENCE = 999
# Bound parameters per look-up, well under SQLite's limit.
CHUNK = 900
# L numbers need four random digits; the operating system's generator keeps them
# unpredictable across processes.
_RANDOM = secrets.SystemRandom()


@dataclass
class NumberHint:
    """What a mutation learnt before a constraint may fail: the kind of number it
    issued, the ID hash and the caller's school, to explain a lost race."""

    kind: str | None = None
    digest: str | None = None
    school_id: int | None = None


class RacedDuplicate(RuleViolation):
    """DUPLICATE_PERSON found by the unique constraint, not by the look-up."""


def duplicate_person(
    number: str, *, active_school_id: int | None, school_id: int | None
) -> RuleViolation:
    """第十一条: 不得重复建立学籍 — with the number of the record that exists."""
    if active_school_id is None:
        message = (
            f"该学生已有学籍（学籍号{number}），目前不在读。一人一籍，"
            "请为其办理重新入学（reenrolStudent），沿用原学籍号。"
        )
    elif active_school_id == school_id:
        message = f"该学生已在本校建立学籍（学籍号{number}），不得重复建立。"
    else:
        message = (
            f"该学生已在其他学校就读（学籍号{number}），不得重复建立学籍；"
            "如需转入，请办理转学手续。"
        )
    return RuleViolation(
        "DUPLICATE_PERSON", message, article=REVIEW_ARTICLE, field=["idNumber"]
    )


async def existing_person(
    session: AsyncSession, digest: str | None, *, exclude: int | None = None
) -> tuple[Student, int | None] | None:
    """The record already kept for this document, and its active school."""
    if digest is None:
        return None
    stmt = (
        select(Student, Enrolment.school_id)
        .outerjoin(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .where(Student.id_number_hash == digest)
    )
    row = (await session.execute(stmt)).first()
    if row is None or row[0].id == exclude:
        return None
    return row[0], row[1]


async def check_not_duplicate(
    session: AsyncSession,
    digest: str | None,
    *,
    school_id: int | None,
    exclude: int | None = None,
) -> None:
    found = await existing_person(session, digest, exclude=exclude)
    if found is not None:
        student, active = found
        raise duplicate_person(
            student.student_number, active_school_id=active, school_id=school_id
        )


def integrity_refusal(
    hint: NumberHint,
) -> Callable[[IntegrityError], RuleViolation | None]:
    """Maps a lost race on a unique constraint to the refusal it stands for."""

    def mapped(exc: IntegrityError) -> RuleViolation | None:
        text = str(exc.orig).lower()
        # SQLite says "UNIQUE constraint failed", PostgreSQL "duplicate key".
        if "unique" not in text and "duplicate key" not in text:
            return None
        if "id_number_hash" in text or (
            "number" in text and hint.kind == StudentNumberKind.OFFICIAL
        ):
            return RacedDuplicate(
                "DUPLICATE_PERSON",
                "该学生已有学籍，不得重复建立（另一请求刚刚为其建立了学籍）。",
                article=REVIEW_ARTICLE,
                field=["idNumber"],
            )
        if "number" in text:
            message = "学籍号分配与其他请求冲突，请重试。"
            return RuleViolation(
                "STUDENT_NUMBER_TAKEN", message, article=NUMBER_ARTICLE
            )
        if "enrolments" in text:
            return already_enrolled(None, None)
        return None

    return mapped


def already_enrolled(school_id: int | None, own_school_id: int | None) -> RuleViolation:
    where = (
        "本校" if school_id is not None and school_id == own_school_id else "其他学校"
    )
    return RuleViolation(
        "ALREADY_ENROLLED",
        f"该学生正在{where}就读，不能再开始新的就读经历；转学请按转学程序办理。",
        article=REVIEW_ARTICLE,
        field=["studentNumber"],
    )


async def number_taken(session: AsyncSession, number: str) -> bool:
    found = await session.scalar(
        select(StudentNumber.id).where(StudentNumber.number == number)
    )
    return found is not None


def _draw(document: IdDocument, born: date, area: str, sequence: int) -> str:
    return student_number_for(
        document,
        birth_date=born,
        school_area_code=area,
        rng=_RANDOM,
        sequence=sequence,
    )


async def _free_sequences(session: AsyncSession, area: str, born: date) -> list[int]:
    # Numbers are stored sealed, so no prefix search: ask which of the 999
    # possible J numbers of this area and birth date are taken.
    candidates = {
        substitute_student_number(school_area_code=area, birth_date=born, sequence=n): n
        for n in range(1, MAX_SEQUENCE + 1)
    }
    taken = await taken_numbers(session, list(candidates))
    return [n for number, n in candidates.items() if number not in taken]


async def taken_numbers(session: AsyncSession, numbers: Sequence[str]) -> set[str]:
    """Which of ``numbers`` any student carries or carried."""
    found: set[str] = set()
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        stmt = select(StudentNumber.number).where(StudentNumber.number.in_(chunk))
        found.update(await session.scalars(stmt))
    return found


async def issue_numbers(
    session: AsyncSession, people: Sequence[tuple[IdDocument, date]], area: str
) -> list[str]:
    """New 学籍号 for each (document, birth date) (第十条): G + ID number; J with
    the next free sequence of its area and birth date; L drawn anew until free in
    the database and among these."""
    free: dict[date, list[int]] = {}
    numbers = []
    for document, born in people:
        sequence = 1
        if student_number_kind(document) is StudentNumberKind.SUBSTITUTE:
            if born not in free:
                free[born] = await _free_sequences(session, area, born)
            # An empty list means all 999 are used: the rule refuses 1000.
            sequence = free[born].pop(0) if free[born] else MAX_SEQUENCE + 1
        numbers.append(_draw(document, born, area, sequence))
    return await _redraw_taken(session, people, numbers, area)


async def _redraw_taken(
    session: AsyncSession,
    people: Sequence[tuple[IdDocument, date]],
    numbers: list[str],
    area: str,
) -> list[str]:
    temporary = StudentNumberKind.TEMPORARY.value
    for _ in range(_DRAWS):
        taken = await taken_numbers(session, [n for n in numbers if n[0] == temporary])
        seen: set[str] = set()
        clash = False
        for index, number in enumerate(numbers):
            if number[0] == temporary and (number in taken or number in seen):
                document, born = people[index]
                numbers[index] = _draw(document, born, area, 1)
                clash = True
            seen.add(numbers[index])
        if not clash:
            return numbers
    raise RuleViolation(
        "STUDENT_NUMBER_TAKEN",
        "临时学籍号分配冲突，请稍后重试。",
        article=NUMBER_ARTICLE,
    )


async def issue_number(
    session: AsyncSession, document: IdDocument, *, birth_date: date, area: str
) -> str:
    """A new 学籍号 for one person (see ``issue_numbers``)."""
    return (await issue_numbers(session, [(document, birth_date)], area))[0]


def checked_document(info: BasicInfo, today: date) -> IdDocument:
    """The ID document of a record that passed ``record_faults``."""
    return validate_id_document(
        info.id_type or "",
        info.id_number,
        today=today,
        attendance_proof_filed=info.attendance_proof_filed,
    )


async def replace_number(
    session: AsyncSession, student: Student, number: str, now: datetime
) -> None:
    """Give the student a new number; the old one stays searchable (第十条)."""
    if await number_taken(session, number):
        raise duplicate_person(number, active_school_id=None, school_id=None)
    await session.execute(
        update(StudentNumber)
        .where(
            StudentNumber.student_id == student.id, StudentNumber.replaced_at.is_(None)
        )
        .values(replaced_at=now)
    )
    session.add(
        StudentNumber(
            student_id=student.id, number=number, kind=number[0], issued_at=now
        )
    )
    student.student_number = number
    student.number_kind = number[0]


def number_after_id_change(
    student: Student, document: IdDocument, *, population_check_passed: bool
) -> str | None:
    """The number a corrected ID document calls for, or None to keep the number.

    A J number becomes G once there is an ID number; an L number only after the
    population check (第十条, DOMAIN §1.1). A G number never changes once the record
    was reported; before that it follows a corrected ID number.
    """
    resident = document.resident
    if resident is None:
        return None
    kind = StudentNumberKind(student.number_kind)
    if kind is StudentNumberKind.SUBSTITUTE or (
        kind is StudentNumberKind.TEMPORARY and population_check_passed
    ):
        return official_student_number(resident)
    if kind is StudentNumberKind.OFFICIAL and student.submitted_at is None:
        number = official_student_number(resident)
        return number if number != student.student_number else None
    return None


async def explained(
    ctx: RequestContext, hint: NumberHint, errors: list[RuleViolation]
) -> list[RuleViolation]:
    """A lost race names the record that won it, as a refusal found by look-up
    does (its 学籍号 and where the student is)."""
    if hint.digest is None or not any(isinstance(e, RacedDuplicate) for e in errors):
        return errors
    async with ctx.sessionmaker() as session:
        found = await existing_person(session, hint.digest)
    if found is None:
        return errors
    student, active = found
    better = duplicate_person(
        student.student_number, active_school_id=active, school_id=hint.school_id
    )
    return [better if isinstance(e, RacedDuplicate) else e for e in errors]
