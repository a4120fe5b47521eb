"""Death, dropout, other leaving and re-entry (第二十二、二十四至二十六条,
第三十八条（四）) over the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.models import AttendanceMark, School
from rules.calendar import WorkingDayCalendar
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    OFFICER,
    SCHOOL_A,
    class_pk,
    codes,
    episodes,
    leader,
    log_categories,
    mutate,
    pick_student,
    registrar,
    replays,
    set_clock,
    status_of,
)

MONDAY = dt.date(2026, 10, 12)


async def test_death_cancels_record_with_deadline(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    given = {
        "studentNumber": student.student_number,
        "dateOfDeath": "2026-10-08",
        "learnedOn": "2026-10-09",
        "reason": "DEATH_ILLNESS",
        "documents": ["死亡医学证明"],
    }
    payload = await mutate(demo, "recordDeath", registrar(SCHOOL_A), given)
    change = payload["changes"][0]
    assert (change["category"], change["toStatus"], change["details"]) == (
        "DEATH",
        "DECEASED",
        {"learnedOn": "2026-10-09", "dueBy": "2026-10-22", "overdue": False},
    )
    assert await episodes(demo, student.id) == [(SCHOOL_A, "2025-09-01", "2026-10-08")]
    again = await mutate(demo, "recordDeath", OFFICER, given)
    assert codes(again) == [("ILLEGAL_STATUS_TRANSITION", None)]


async def test_late_death_record_marked_overdue(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    given = {
        "studentNumber": student.student_number,
        "dateOfDeath": "2026-08-30",
        "learnedOn": "2026-09-01",
        "documents": ["死亡证明"],
    }
    payload = await mutate(demo, "recordDeath", registrar(SCHOOL_A), given)
    assert payload["changes"][0]["details"] == {
        "learnedOn": "2026-09-01",
        "dueBy": "2026-09-15",
        "overdue": True,
    }


async def _truant_month(hub: Hub, student_id: int) -> None:
    workdays = WorkingDayCalendar.bundled()
    days = (dt.date(2026, 9, 7) + dt.timedelta(days=i) for i in range(33))
    async with hub.state.sessionmaker() as session:
        school_id = await session.scalar(
            select(School.id).where(School.code == SCHOOL_A)
        )
        assert school_id is not None
        session.add_all(
            AttendanceMark(
                student_id=student_id,
                day=day,
                kind="TRUANT",
                at=dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC),
                school_id=school_id,
                entered_by="test",
            )
            for day in days
            if workdays.is_working_day(day)
        )
        await session.commit()


UNREPORTED = "{ unreportedDropouts { studentNumber truantFrom truantTo schoolDays } }"


async def test_unreported_dropout_listed_until_reported(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    await _truant_month(demo, student.id)
    listed = (await demo.data(UNREPORTED, OFFICER))["unreportedDropouts"]
    assert listed == [
        {
            "studentNumber": student.student_number,
            "truantFrom": "2026-09-07",
            "truantTo": "2026-10-09",
            "schoolDays": 20,
        }
    ]
    given = {"studentNumber": student.student_number}
    payload = await mutate(demo, "reportDropout", registrar(SCHOOL_A), given)
    assert [(c["category"], c["toStatus"]) for c in payload["changes"]] == [
        ("DROPOUT", "DROPPED_OUT")
    ]
    assert await episodes(demo, student.id) == [(SCHOOL_A, "2025-09-01", "2026-10-12")]
    assert (await demo.data(UNREPORTED, OFFICER))["unreportedDropouts"] == []


async def test_other_leaving_then_reentry_same_number(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 5)
    left = {
        "studentNumber": student.student_number,
        "ground": "LEFT_UNREACHABLE",
        "reportedToDistrict": True,
        "leftOn": "2026-06-01",
    }
    payload = await mutate(demo, "recordOtherLeaving", registrar(SCHOOL_A), left)
    assert payload["changes"][0]["details"] == {
        "ground": "LEFT_UNREACHABLE",
        "certificate": "义务教育阶段学业证明",
        "certificateSchool": SCHOOL_A,
        "grade": 5,
    }
    applied = await mutate(
        demo, "applyReentry", OFFICER, {"studentNumber": student.student_number}
    )
    assert applied["workflow"]["openStep"] == {
        "name": "SCHOOL",
        "ownerUnit": SCHOOL_A,
        "dueDate": None,
    }
    klass = await class_pk(demo, SCHOOL_A, "5-2")
    back = await mutate(
        demo,
        "decideReentry",
        leader(SCHOOL_A),
        {
            "workflowId": applied["workflow"]["id"],
            "decision": "APPROVE",
            "classId": str(klass),
        },
    )
    assert [(c["category"], c["effectiveDate"]) for c in back["changes"]] == [
        ("REENTRY", "2026-10-13")
    ]
    assert await episodes(demo, student.id) == [
        (SCHOOL_A, "2022-09-01", "2026-10-12"),
        (SCHOOL_A, "2026-10-13", None),
    ]
    assert await status_of(demo, student.id) == "STUDYING"
    assert await log_categories(demo, student.id) == ["OTHER_LEAVING", "REENTRY"]
    assert await replays(demo, student.id) is True
