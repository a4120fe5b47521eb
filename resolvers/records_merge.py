"""School merger and closure (第十二条): where the records and archives go.

学校合并的，其学籍档案移交并入的学校；学校撤销的，移交区教育局教育科.

A merger closes the merged school on the effective date and makes the merging
school the keeper of its archives (``School.merged_into_id``). Students still at
the merged school are not rewritten: each active episode ends the day before the
merger and a new episode at the merging school starts on it (entry reason
``SCHOOL_MERGER``), in the same class, which moves with them. A closure leaves
the archives with the district office and is refused while students are active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import District, Enrolment, Placement, RecordChange, School, SchoolClass
from resolvers.context import RequestContext
from rules.errors import RuleViolation

ARTICLE = "第十二条"
MERGED_OUT = "SCHOOL_MERGED"
MERGED_IN = "SCHOOL_MERGER"
_NAME_LIMIT = 40


@dataclass(frozen=True)
class CustodyMove:
    """What a merger or closure moved."""

    school: School
    custodian: School | None
    students_moved: int
    classes_moved: int


def _refusal(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article=ARTICLE, field=[field])


async def _open_school(
    session: AsyncSession, district: str | None, code: str, field: str
) -> School:
    stmt = (
        select(School)
        .join(District, District.id == School.district_id)
        .where(School.code == code, District.code == district)
        .with_for_update(of=School)
    )
    school = await session.scalar(stmt)
    if school is None:
        raise _refusal("SCHOOL_NOT_FOUND", "本区没有该学校。", field)
    if school.closed_on is not None:
        raise _refusal("SCHOOL_CLOSED", "该学校已撤销或已并入其他学校。", field)
    return school


async def _active_episodes(session: AsyncSession, school_id: int) -> list[Enrolment]:
    stmt = select(Enrolment).where(
        Enrolment.school_id == school_id, Enrolment.exit_date.is_(None)
    )
    return list(await session.scalars(stmt))


async def merge_schools(
    session: AsyncSession,
    ctx: RequestContext,
    merged_code: str,
    into_code: str,
    effective: date,
) -> CustodyMove:
    """Merge one school into another of the district on ``effective`` (第十二条)."""
    district = ctx.principal.district
    if merged_code == into_code:
        raise _refusal("SAME_SCHOOL", "学校不能并入自身。", "intoSchoolCode")
    merged = await _open_school(session, district, merged_code, "schoolCode")
    into = await _open_school(session, district, into_code, "intoSchoolCode")

    episodes = await _active_episodes(session, merged.id)
    placements = await _open_placements(session, [e.id for e in episodes])
    classes = await _move_classes(session, merged, into, effective, placements)
    await _move_episodes(session, ctx, episodes, placements, into, effective)
    merged.closed_on = effective
    merged.merged_into_id = into.id
    return CustodyMove(merged, into, len(episodes), classes)


async def close_school(
    session: AsyncSession, ctx: RequestContext, code: str, effective: date
) -> CustodyMove:
    """Close a school; its archives pass to the district office (第十二条)."""
    school = await _open_school(session, ctx.principal.district, code, "schoolCode")
    episodes = await _active_episodes(session, school.id)
    if episodes:
        raise _refusal(
            "SCHOOL_HAS_STUDENTS",
            f"该校仍有{len(episodes)}名在读学生，须先办理转学或将学校合并。",
            "schoolCode",
        )
    school.closed_on = effective
    return CustodyMove(school, None, 0, 0)


async def _open_placements(
    session: AsyncSession, enrolment_ids: list[int]
) -> dict[int, Placement]:
    if not enrolment_ids:
        return {}
    stmt = select(Placement).where(
        Placement.enrolment_id.in_(enrolment_ids), Placement.end_date.is_(None)
    )
    return {p.enrolment_id: p for p in await session.scalars(stmt)}


async def _move_classes(
    session: AsyncSession,
    merged: School,
    into: School,
    effective: date,
    placements: dict[int, Placement],
) -> int:
    """Classes of this school year on, and any class a student sits in now, move
    to the merging school; a name already taken there gets the old school's name."""
    year = effective.year if effective.month >= 9 else effective.year - 1
    in_use = {p.class_id for p in placements.values()}
    stmt = select(SchoolClass).where(
        SchoolClass.school_id == merged.id,
        (SchoolClass.school_year >= year) | SchoolClass.id.in_(in_use),
    )
    classes = list(await session.scalars(stmt))
    taken_rows = await session.execute(
        select(SchoolClass.school_year, SchoolClass.name).where(
            SchoolClass.school_id == into.id
        )
    )
    taken = {(y, n) for y, n in taken_rows.all()}
    for klass in classes:
        if (klass.school_year, klass.name) in taken:
            klass.name = f"{klass.name}（原{merged.name}）"[:_NAME_LIMIT]
        klass.school_id = into.id
    await session.flush()
    return len(classes)


async def _move_episodes(
    session: AsyncSession,
    ctx: RequestContext,
    episodes: list[Enrolment],
    placements: dict[int, Placement],
    into: School,
    effective: date,
) -> None:
    last_day = effective - timedelta(days=1)
    # A student who entered on or after the effective date never studied at the
    # merged school: the episode itself moves, there is no history to keep.
    late = [e.id for e in episodes if e.entry_date >= effective]
    ending = [e for e in episodes if e.entry_date < effective]
    if late:
        await session.execute(
            update(Enrolment).where(Enrolment.id.in_(late)).values(school_id=into.id)
        )
    if not ending:
        return
    ids = [e.id for e in ending]
    await session.execute(
        update(Placement)
        .where(Placement.enrolment_id.in_(ids), Placement.end_date.is_(None))
        .values(end_date=last_day)
    )
    await session.execute(
        update(Enrolment)
        .where(Enrolment.id.in_(ids))
        .values(exit_date=last_day, exit_reason=MERGED_OUT)
    )
    rows = [_episode_row(e, into.id, effective) for e in ending]
    result = await session.execute(insert(Enrolment).returning(Enrolment.id), rows)
    new_ids = [row.id for row in result]
    moved = [
        _placement_row(new_id, placements[old.id], effective)
        for new_id, old in zip(new_ids, ending, strict=True)
        if old.id in placements
    ]
    if moved:
        await session.execute(insert(Placement), moved)
    await session.execute(
        insert(RecordChange),
        [
            {
                "student_id": e.student_id,
                "kind": MERGED_IN,
                "changes": {"schoolId": [e.school_id, into.id]},
                "note": f"学校合并，学籍档案移交{into.name}",
                "changed_by": ctx.principal.subject,
                "changed_at": ctx.now,
            }
            for e in ending
        ],
    )


def _episode_row(old: Enrolment, school_id: int, effective: date) -> dict[str, Any]:
    return {
        "student_id": old.student_id,
        "school_id": school_id,
        "entry_date": effective,
        "entry_reason": MERGED_IN,
        "entry_route": old.entry_route,
        "attendance_mode": old.attendance_mode,
        "student_source": old.student_source,
        "class_number": old.class_number,
    }


def _placement_row(
    enrolment_id: int, old: Placement, effective: date
) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment_id,
        "student_id": old.student_id,
        "class_id": old.class_id,
        "grade": old.grade,
        "start_date": effective,
    }
