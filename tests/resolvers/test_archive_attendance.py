"""Attendance (第三十四条): school days in Asia/Shanghai (C16), marks that
survive a transfer (C06), and summaries per student and class."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import update

from db.models import Enrolment, Student
from tests.conftest import Hub
from tests.resolvers.archive_support import (
    PRIMARY,
    Pupil,
    execute,
    head_teacher,
    pupils,
    registrar,
    set_clock,
)

MARK = """mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) {
  attendance { day kind alsoKind at classId } userErrors { code field article } } }"""


def _mark(number: str, at: str, kind: str = "PRESENT") -> dict[str, Any]:
    return {"input": {"studentNumber": number, "at": at, "kind": kind}}


async def _pupil(hub: Hub) -> Pupil:
    set_clock(hub)
    return (await pupils(hub, PRIMARY, "3-1"))[0]


async def test_c16_check_in_is_on_shanghai_day(demo: Hub) -> None:
    pupil = await _pupil(demo)
    query = """query($n: String!) { student(studentNumber: $n) { archive {
      byDay: attendance(start: "2025-09-01", end: "2025-09-01") { day kind at }
      byInstant: attendance(takenFrom: "2025-09-01T00:00:00+08:00",
                            takenTo: "2025-09-01T23:59:59+08:00") { day at } } } }"""

    marked = await demo.data(
        MARK, registrar(), _mark(pupil.number, "2025-09-01T07:30:00+08:00")
    )
    archive = (await demo.data(query, registrar(), {"n": pupil.number}))["student"][
        "archive"
    ]

    entry = marked["recordAttendance"]["attendance"]
    assert entry["day"] == "2025-09-01"
    assert [e["day"] for e in archive["byDay"]] == ["2025-09-01"]
    assert [e["day"] for e in archive["byInstant"]] == ["2025-09-01"]
    instants = [datetime.fromisoformat(a["at"]) for a in (entry, *archive["byDay"])]
    assert all(i.tzinfo is not None for i in instants)
    assert instants == [datetime(2025, 8, 31, 23, 30, tzinfo=UTC)] * 2


async def test_c16_small_hours_stay_on_local_day(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(
        MARK, registrar(), _mark(pupil.number, "2025-09-01T00:30:00+08:00")
    )

    assert data["recordAttendance"]["attendance"]["day"] == "2025-09-01"


async def test_naive_instant_is_refused(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(
        MARK, registrar(), _mark(pupil.number, "2025-09-01T07:30:00")
    )

    assert data["recordAttendance"] == {
        "attendance": None,
        "userErrors": [{"code": "NAIVE_DATETIME", "field": ["at"], "article": None}],
    }


async def test_future_mark_is_refused(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(
        MARK, registrar(), _mark(pupil.number, "2026-10-16T08:00:00+08:00")
    )

    assert data["recordAttendance"]["userErrors"] == [
        {"code": "ATTENDANCE_IN_FUTURE", "field": ["at"], "article": "第三十四条"}
    ]


async def test_late_and_early_leave_share_a_day(demo: Hub) -> None:
    pupil = await _pupil(demo)
    teacher = head_teacher(pupil.class_id)

    await demo.data(
        MARK, teacher, _mark(pupil.number, "2026-10-12T08:20:00+08:00", "LATE")
    )
    both = await demo.data(
        MARK, teacher, _mark(pupil.number, "2026-10-12T15:00:00+08:00", "EARLY_LEAVE")
    )
    replaced = await demo.data(
        MARK, teacher, _mark(pupil.number, "2026-10-12T16:00:00+08:00", "SICK_LEAVE")
    )

    assert both["recordAttendance"]["attendance"] == {
        "day": "2026-10-12",
        "kind": "LATE",
        "alsoKind": "EARLY_LEAVE",
        "at": "2026-10-12T07:00:00+00:00",
        "classId": pupil.class_id,
    }
    assert replaced["recordAttendance"]["attendance"]["kind"] == "SICK_LEAVE"
    assert replaced["recordAttendance"]["attendance"]["alsoKind"] is None


async def test_head_teacher_marks_only_class_days(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(
        MARK,
        head_teacher(pupil.class_id),
        _mark(pupil.number, "2026-03-13T08:05:00+08:00"),
    )

    assert data["recordAttendance"]["userErrors"] == [
        {"code": "ATTENDANCE_OTHER_CLASS", "field": ["at"], "article": "第三十四条"}
    ]


CLASS = """query($id: ID!) { classAttendance(classId: $id, start: "2026-10-01",
  end: "2026-10-31") { className totals { present late truant days }
  students { studentNumber summary { present late truant days } } } }"""


async def test_class_summary_counts_each_kind(demo: Hub) -> None:
    first, second, *rest = await pupils(demo, PRIMARY, "3-1")
    set_clock(demo)
    teacher = head_teacher(first.class_id)
    for number, at, kind in (
        (first.number, "2026-10-12T08:00:00+08:00", "PRESENT"),
        (first.number, "2026-10-13T08:00:00+08:00", "TRUANT"),
        (second.number, "2026-10-12T08:30:00+08:00", "LATE"),
    ):
        await demo.data(MARK, teacher, _mark(number, at, kind))

    data = await demo.data(CLASS, teacher, {"id": str(first.class_id)})

    summary = data["classAttendance"]
    assert summary["className"] == "3-1"
    assert summary["totals"] == {"present": 1, "late": 1, "truant": 1, "days": 3}
    assert summary["students"][:2] == [
        {
            "studentNumber": first.number,
            "summary": {"present": 1, "late": 0, "truant": 1, "days": 2},
        },
        {
            "studentNumber": second.number,
            "summary": {"present": 0, "late": 1, "truant": 0, "days": 1},
        },
    ]
    assert len(summary["students"]) == 2 + len(rest)


async def test_other_teacher_cannot_see_class(demo: Hub) -> None:
    pupil = await _pupil(demo)
    other = (await pupils(demo, PRIMARY, "3-2"))[0]

    body = (
        await demo.gql(CLASS, head_teacher(other.class_id), {"id": str(pupil.class_id)})
    ).json()

    assert body["data"] == {"classAttendance": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


HISTORY = """query($n: String!) { student(studentNumber: $n) { status
  enrolments { exitDate }
  archive { attendance(start: "2026-03-01", end: "2026-03-13") { day kind }
            attendanceSummary(start: "2026-03-01", end: "2026-03-31") { present days }
            health { checks { bmi } } } } }"""


async def test_c06_mark_survives_transfer_out(demo: Hub) -> None:
    pupil = (await pupils(demo, PRIMARY, "3-1"))[0]
    set_clock(demo, datetime(2026, 3, 13, 0, 10, tzinfo=UTC))
    await demo.data(MARK, registrar(), _mark(pupil.number, "2026-03-13T08:05:00+08:00"))
    await execute(
        demo,
        update(Enrolment)
        .where(Enrolment.student_id == pupil.id)
        .values(exit_date=date(2026, 3, 13), exit_reason="TRANSFER_OUT"),
    )
    await execute(
        demo,
        update(Student).where(Student.id == pupil.id).values(status="TRANSFERRED_OUT"),
    )
    set_clock(demo, datetime(2026, 4, 20, 2, 0, tzinfo=UTC))

    body = (await demo.gql(HISTORY, registrar(), {"n": pupil.number})).json()

    student = body["data"]["student"]
    assert student["status"] == "TRANSFERRED_OUT"
    assert student["enrolments"] == [{"exitDate": "2026-03-13"}]
    assert student["archive"] == {
        "attendance": [{"day": "2026-03-13", "kind": "PRESENT"}],
        "attendanceSummary": {"present": 1, "days": 1},
        "health": None,
    }
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "FORBIDDEN_FIELD", "reason": "OUT_OF_SCOPE"}
    ]
