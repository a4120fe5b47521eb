"""Every refusal ground of the status articles, through GraphQL: the payload
carries the UserError's code and article and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from db.models import AttendanceMark, Sanction, School
from rules.calendar import WorkingDayCalendar
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    ASSIGNED_DOCS,
    JUNIOR,
    OFFICER,
    SCHOOL_A,
    SCHOOL_B,
    SCHOOL_C,
    TRANSFER_DOCS,
    class_pk,
    codes,
    log_categories,
    mutate,
    pick_student,
    registrar,
    set_clock,
    status_of,
)
from tests.resolvers.test_status_suspension import suspend

TERM_DAY = dt.date(2026, 10, 12)
CITY_CERTIFICATE = {"hospitalLevel": "CITY", "issuedOn": "2026-10-09"}
SICK_MONTH = [{"start": "2026-09-07", "end": "2026-10-09"}]


async def _transfer(
    hub: Hub, number: str, *, to: str = SCHOOL_C, by: Any = None, **extra: Any
) -> dict[str, Any]:
    given = {
        "studentNumber": number,
        "receivingSchoolCode": to,
        "reason": "FAMILY_MOVE",
        "documents": TRANSFER_DOCS,
        **extra,
    }
    return await mutate(hub, "applyTransfer", by or registrar(to), given)


async def test_urban_public_transfer_needs_reason(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    payload = await _transfer(demo, student.student_number, to=SCHOOL_B, reason=None)
    assert codes(payload) == [("TRANSFER_NO_REASON_URBAN_PUBLIC", "第十三条")]
    assert payload["userErrors"][0]["field"] == ["reason"]
    assert (await status_of(demo, student.id), payload["workflow"]) == (
        "STUDYING",
        None,
    )


async def test_transfer_refused_under_active_sanction(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 5)
    async with demo.state.sessionmaker() as session:
        session.add(
            Sanction(
                student_id=student.id,
                kind="WARNING",
                reason="测试用处分",
                decided_on=dt.date(2026, 9, 20),
                entered_by="test",
            )
        )
        await session.commit()
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("TRANSFER_DURING_SANCTION", "第十三条")]


async def test_transfer_refused_while_suspended(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    await suspend(demo, student.student_number, SCHOOL_A)
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("TRANSFER_DURING_SUSPENSION", "第十三条")]


async def test_transfer_refused_in_winter_holiday(demo: Hub) -> None:
    set_clock(demo, dt.date(2027, 1, 20))
    student = await pick_student(demo, SCHOOL_A, 3)
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("TRANSFER_DURING_HOLIDAY", "第十三条")]


async def test_transfer_refused_final_grade_second_term(demo: Hub) -> None:
    set_clock(demo, dt.date(2027, 3, 15))
    student = await pick_student(demo, SCHOOL_A, 6)
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("TRANSFER_FINAL_GRADE_SECOND_TERM", "第十三条")]


async def test_transfer_refused_within_six_months(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 1)
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("TRANSFER_WITHIN_SIX_MONTHS", "第十三条")]
    assert await log_categories(demo, student.id) == []


async def test_district_waiver_sets_six_months_aside(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 1)
    waived = ["TRANSFER_WITHIN_SIX_MONTHS"]
    payload = await _transfer(demo, student.student_number, by=OFFICER, waived=waived)
    assert (codes(payload), payload["workflow"]["state"]) == ([], "PENDING")


async def test_school_cannot_waive_a_ground(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 1)
    waived = ["TRANSFER_WITHIN_SIX_MONTHS"]
    payload = await _transfer(demo, student.student_number, waived=waived)
    assert codes(payload) == [("TRANSFER_WAIVER_DISTRICT_ONLY", "第十三条")]


async def test_unconditional_ground_cannot_be_waived(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    waived = ["TRANSFER_DURING_HOLIDAY"]
    payload = await _transfer(demo, student.student_number, by=OFFICER, waived=waived)
    assert codes(payload) == [("TRANSFER_WAIVER_NOT_ALLOWED", "第十三条")]


async def test_several_grounds_come_back_together(demo: Hub) -> None:
    set_clock(demo, dt.date(2027, 1, 20))
    student = await pick_student(demo, SCHOOL_A, 1)
    payload = await _transfer(demo, student.student_number, to=SCHOOL_B, reason=None)
    assert codes(payload) == [
        ("TRANSFER_NO_REASON_URBAN_PUBLIC", "第十三条"),
        ("TRANSFER_DURING_HOLIDAY", "第十三条"),
        ("TRANSFER_WITHIN_SIX_MONTHS", "第十三条"),
    ]


async def test_household_route_needs_household_register(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    docs = ["CONTACT_FORM", "GUARDIAN_ID"]
    payload = await _transfer(demo, student.student_number, documents=docs)
    assert codes(payload) == [("TRANSFER_DOCUMENTS_MISSING", "第十四条")]


async def test_assigned_route_needs_residence_papers(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 3, local=False)
    given = {"studentNumber": student.student_number, "reason": "FAMILY_MOVE"}
    payload = await mutate(demo, "applyTransfer", OFFICER, given)
    assert codes(payload) == [("TRANSFER_DOCUMENTS_MISSING", "第十五条")]
    given["documents"] = ASSIGNED_DOCS
    payload = await mutate(demo, "applyTransfer", OFFICER, given)
    assert codes(payload) == []


async def test_grade_not_taught_at_receiving_school(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    payload = await _transfer(demo, student.student_number, to=JUNIOR)
    assert codes(payload) == [("GRADE_OUT_OF_RANGE", "第二条")]


async def test_deadline_in_unloaded_year_refused(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 12, 28))
    student = await pick_student(demo, SCHOOL_A, 3)
    payload = await _transfer(demo, student.student_number)
    assert codes(payload) == [("CALENDAR_YEAR_NOT_LOADED", None)]
    assert "2027年" in payload["userErrors"][0]["message"]
    assert await status_of(demo, student.id) == "STUDYING"


def _suspension(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "studentNumber": number,
        "reason": "ILLNESS_OTHER",
        "startDate": "2026-10-12",
        "certificate": CITY_CERTIFICATE,
        "restPeriods": SICK_MONTH,
        **extra,
    }


async def test_suspension_needs_city_hospital_certificate(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    county = {"hospitalLevel": "COUNTY", "issuedOn": "2026-10-09"}
    given = _suspension(student.student_number, certificate=county)
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_CERTIFICATE_LEVEL", "第二十条")]
    given = _suspension(student.student_number, certificate=None)
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_CERTIFICATE_MISSING", "第二十条")]


async def test_suspension_needs_a_month_sick(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    rest = [{"start": "2026-09-21", "end": "2026-10-09"}]
    given = _suspension(student.student_number, restPeriods=rest)
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_SICK_LEAVE_INSUFFICIENT", "第二十条")]


async def test_sick_leave_read_from_attendance(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    workdays = WorkingDayCalendar.bundled()
    days = (dt.date(2026, 9, 7) + dt.timedelta(days=i) for i in range(33))
    school_days = [day for day in days if workdays.is_working_day(day)]
    async with demo.state.sessionmaker() as session:
        school_id = await session.scalar(
            select(School.id).where(School.code == SCHOOL_A)
        )
        for day in school_days:
            session.add(
                AttendanceMark(
                    student_id=student.id,
                    day=day,
                    kind="SICK_LEAVE",
                    at=dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC),
                    school_id=school_id,
                    entered_by="test",
                )
            )
        await session.commit()
    given = _suspension(student.student_number, restPeriods=[])
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert (codes(payload), payload["workflow"]["kind"]) == ([], "SUSPENSION")


async def test_suspension_only_for_illness(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    given = _suspension(student.student_number, reason="OTHER")
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_NOT_ILLNESS", "第二十条")]


async def test_no_suspension_final_grade_second_term(demo: Hub) -> None:
    set_clock(demo, dt.date(2027, 3, 15))
    load = {"year": 2027, "holidays": [], "makeupWorkdays": [], "source": "测试"}
    query = (
        "mutation($i: LoadWorkingDaysInput!) { loadWorkingDays(input: $i) "
        "{ years userErrors { code } } }"
    )
    await demo.data(query, OFFICER, {"i": load})
    student = await pick_student(demo, SCHOOL_A, 6)
    given = _suspension(student.student_number, startDate="2027-03-15")
    payload = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_FINAL_GRADE_SECOND_TERM", "第二十一条")]


async def test_third_suspension_application_refused(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    klass = await class_pk(demo, SCHOOL_A, "4-1")
    for _ in range(2):
        await suspend(demo, student.student_number, SCHOOL_A, resume_class=klass)
    payload = await mutate(
        demo,
        "applySuspension",
        registrar(SCHOOL_A),
        _suspension(student.student_number),
    )
    assert codes(payload) == [("SUSPENSION_TOO_MANY_APPLICATIONS", "第二十一条")]


async def test_extension_beyond_two_years_refused(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    await suspend(demo, student.student_number, SCHOOL_A)
    given = {"studentNumber": student.student_number, "newEnd": "2028-10-12"}
    payload = await mutate(demo, "applySuspensionExtension", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_EXCEEDS_TWO_YEARS", "第二十一条")]


async def test_resumption_below_grade_left_refused(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 4)
    await suspend(demo, student.student_number, SCHOOL_A)
    lower = await class_pk(demo, SCHOOL_A, "3-1")
    given = {
        "studentNumber": student.student_number,
        "classId": str(lower),
        "effectiveDate": "2026-11-02",
        "certificate": CITY_CERTIFICATE,
    }
    payload = await mutate(demo, "applyResumption", registrar(SCHOOL_A), given)
    assert codes(payload) == [("SUSPENSION_DISGUISED_REPEAT", "第二十二条")]


async def test_death_needs_proof(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    given = {
        "studentNumber": student.student_number,
        "dateOfDeath": "2026-10-08",
        "learnedOn": "2026-10-09",
    }
    payload = await mutate(demo, "recordDeath", registrar(SCHOOL_A), given)
    assert codes(payload) == [("DEATH_PROOF_MISSING", "第二十二条")]


async def test_dropout_needs_a_truant_month(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    given = {"studentNumber": student.student_number}
    payload = await mutate(demo, "reportDropout", registrar(SCHOOL_A), given)
    assert codes(payload) == [("DROPOUT_NOT_ESTABLISHED", "第二十四条")]


async def test_other_leaving_grounds_checked(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 2)
    given = {
        "studentNumber": student.student_number,
        "ground": "LEFT_UNREACHABLE",
        "reportedToDistrict": False,
        "leftOn": "2026-06-01",
    }
    payload = await mutate(demo, "recordOtherLeaving", registrar(SCHOOL_A), given)
    assert codes(payload) == [("OTHER_LEAVING_NOT_REPORTED", "第二十五条")]
    given |= {"reportedToDistrict": True, "leftOn": "2026-09-01"}
    payload = await mutate(demo, "recordOtherLeaving", registrar(SCHOOL_A), given)
    assert codes(payload) == [("OTHER_LEAVING_TOO_SOON", "第二十五条")]


async def test_grade_skip_across_stage_refused(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    nine_year = "2103110021"
    student = await pick_student(demo, nine_year, 6, local=None)
    target = await class_pk(demo, nine_year, "7-1")
    given = {
        "studentNumber": student.student_number,
        "toClassId": str(target),
        "effectiveDate": "2026-11-02",
    }
    payload = await mutate(demo, "applyGradeSkip", registrar(nine_year), given)
    assert codes(payload) == [("GRADE_SKIP_ACROSS_STAGE", "第三十一条")]


async def test_reentry_goes_to_original_school(demo: Hub) -> None:
    set_clock(demo, TERM_DAY)
    student = await pick_student(demo, SCHOOL_A, 5)
    left = {
        "studentNumber": student.student_number,
        "ground": "LEFT_UNREACHABLE",
        "reportedToDistrict": True,
        "leftOn": "2026-06-01",
    }
    payload = await mutate(demo, "recordOtherLeaving", registrar(SCHOOL_A), left)
    assert codes(payload) == []
    given = {"studentNumber": student.student_number, "schoolCode": SCHOOL_B}
    payload = await mutate(demo, "applyReentry", OFFICER, given)
    assert codes(payload) == [("REENTRY_NOT_ORIGINAL_SCHOOL", "第二十六条")]
