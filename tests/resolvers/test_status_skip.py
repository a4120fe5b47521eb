"""Grade skip (第三十一条) over the database; case C08."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import Enrolment, Placement, SchoolClass
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    OFFICER,
    SCHOOL_A,
    add_class,
    add_student,
    codes,
    leader,
    load_school_year,
    mutate,
    registrar,
    replays,
    set_clock,
)

C08_ID_NUMBER = "320106201706121007"
ROSTER = (
    "query($c: ID!, $d: Date!) { classRoster(classId: $c, date: $d) { studentNumber } }"
)
HEADCOUNT = (
    'query($d: Date!) { gradeHeadcount(schoolCode: "2103110001", date: $d) '
    "{ grade count } }"
)
LISTED = """
query($after: String) { students(schoolCode: "2103110001", first: 100, after: $after)
  { edges { node { studentNumber grade } } pageInfo { hasNextPage endCursor } } }
"""


async def _skip(hub: Hub) -> tuple[str, int, int, int]:
    await load_school_year(
        hub, ("2025-09-01", "2026-01-16"), ("2026-02-23", "2026-07-10")
    )
    from_class = await add_class(hub, SCHOOL_A, "3-1", 2025)
    to_class = await add_class(hub, SCHOOL_A, "4-2", 2025)
    student = await add_student(
        hub,
        SCHOOL_A,
        from_class,
        entered=dt.date(2023, 9, 1),
        placed=dt.date(2025, 9, 1),
        id_number=C08_ID_NUMBER,
        birth_date=dt.date(2017, 6, 12),
    )
    set_clock(hub, dt.date(2026, 2, 11))
    given = {
        "studentNumber": student.student_number,
        "toClassId": str(to_class),
        "effectiveDate": "2026-02-23",
        "approvalNumber": "跳级-2026-004",
    }
    applied = await mutate(hub, "applyGradeSkip", registrar(SCHOOL_A), given)
    assert codes(applied) == []
    decision = {"workflowId": applied["workflow"]["id"], "decision": "APPROVE"}
    await mutate(hub, "decideGradeSkip", leader(SCHOOL_A), decision)
    set_clock(hub, dt.date(2026, 2, 13))
    done = await mutate(hub, "decideGradeSkip", OFFICER, decision)
    assert done["changes"][0]["details"] == {
        "fromClassId": from_class,
        "toClassId": to_class,
        "fromGrade": 3,
        "toGrade": 4,
        "completionBefore": "2029-07",
        "completionAfter": "2028-07",
    }
    return student.student_number, student.id, from_class, to_class


async def test_c08_skip_keeps_one_episode(demo: Hub) -> None:
    _, student_id, _, _ = await _skip(demo)
    async with demo.state.sessionmaker() as session:
        enrolments = (
            await session.scalars(
                select(Enrolment).where(Enrolment.student_id == student_id)
            )
        ).all()
        placements = await session.execute(
            select(SchoolClass.name, Placement.start_date, Placement.end_date)
            .join(SchoolClass, SchoolClass.id == Placement.class_id)
            .where(Placement.student_id == student_id)
            .order_by(Placement.start_date)
        )
        history = [
            (n, s.isoformat(), e.isoformat() if e else None) for n, s, e in placements
        ]
    assert [(e.entry_date.isoformat(), e.exit_date) for e in enrolments] == [
        ("2023-09-01", None)
    ]
    assert history == [("3-1", "2025-09-01", "2026-02-22"), ("4-2", "2026-02-23", None)]
    assert await replays(demo, student_id) is True


async def test_c08_listed_once_counted_in_grade_four(demo: Hub) -> None:
    number, _, from_class, to_class = await _skip(demo)
    reader = registrar(SCHOOL_A)
    rosters = {}
    for klass, day in (
        (from_class, "2026-02-20"),
        (from_class, "2026-03-01"),
        (to_class, "2026-03-01"),
    ):
        data = await demo.data(ROSTER, reader, {"c": str(klass), "d": day})
        rosters[(klass, day)] = [s["studentNumber"] for s in data["classRoster"]]
    assert rosters == {
        (from_class, "2026-02-20"): [number],
        (from_class, "2026-03-01"): [],
        (to_class, "2026-03-01"): [number],
    }
    headcount = await demo.data(HEADCOUNT, reader, {"d": "2026-03-01"})
    assert headcount["gradeHeadcount"] == [{"grade": 4, "count": 1}]
    listed = await demo.data(LISTED, reader, {"after": None})
    mine = [
        e["node"]
        for e in listed["students"]["edges"]
        if e["node"]["studentNumber"] == number
    ]
    assert (mine, listed["students"]["pageInfo"]["hasNextPage"]) == (
        [{"studentNumber": number, "grade": 4}],
        False,
    )
