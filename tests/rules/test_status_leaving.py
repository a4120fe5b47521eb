from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from rules.attendance import AbsenceRun, AttendanceKind, AttendanceRecord
from rules.calendar import WorkingDayCalendar
from rules.errors import RuleViolation
from rules.status import StudentStatus
from rules.status_leaving import (
    DeathContext,
    OtherLeavingContext,
    OtherLeavingGround,
    ReentryContext,
    check_death_record,
    check_dropout_report,
    check_other_leaving,
    check_reentry,
    death_cancellation_due,
    is_death_cancellation_overdue,
)

D = dt.date
CALENDAR = WorkingDayCalendar.bundled()


def weekdays(start: dt.date, count: int) -> list[dt.date]:
    days = [start + dt.timedelta(days=i) for i in range(count * 2)]
    return [d for d in days if d.weekday() < 5][:count]


def violation(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str | None]:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.article


def test_death_cancelled_within_ten_working_days() -> None:
    assert death_cancellation_due(D(2026, 9, 28), CALENDAR) == D(2026, 10, 16)
    assert [
        is_death_cancellation_overdue(D(2026, 9, 28), D(2026, 10, 16), CALENDAR),
        is_death_cancellation_overdue(D(2026, 9, 28), D(2026, 10, 19), CALENDAR),
    ] == [False, True]


def death(**changes: Any) -> DeathContext:
    base = DeathContext(
        status=StudentStatus.STUDYING,
        date_of_death=D(2026, 5, 3),
        recorded_on=D(2026, 5, 8),
        has_proof=True,
    )
    return dataclasses.replace(base, **changes)


def test_death_with_proof_is_recorded() -> None:
    check_death_record(death())


def test_death_without_proof_refused() -> None:
    assert violation(check_death_record, death(has_proof=False)) == (
        "DEATH_PROOF_MISSING",
        "第二十二条",
    )


def test_death_date_after_recording_refused() -> None:
    assert violation(check_death_record, death(date_of_death=D(2026, 5, 9))) == (
        "DEATH_DATE_IN_FUTURE",
        "第二十二条",
    )


def test_graduate_death_not_a_record_change() -> None:
    assert violation(check_death_record, death(status=StudentStatus.GRADUATED)) == (
        "ILLEGAL_STATUS_TRANSITION",
        None,
    )


def test_month_of_truancy_is_dropout() -> None:
    days = weekdays(D(2026, 3, 2), 30)
    records = [AttendanceRecord("s1", d, AttendanceKind.TRUANT) for d in days[:23]]

    run = check_dropout_report(
        status=StudentStatus.STUDYING,
        records=records,
        student_id="s1",
        school_days=days,
    )

    assert run == AbsenceRun(D(2026, 3, 2), D(2026, 4, 1), 23)


def test_truancy_broken_by_attendance_refused() -> None:
    days = weekdays(D(2026, 3, 2), 30)
    records = [
        AttendanceRecord(
            "s1", d, AttendanceKind.PRESENT if i == 10 else AttendanceKind.TRUANT
        )
        for i, d in enumerate(days[:23])
    ]

    assert violation(
        check_dropout_report,
        status=StudentStatus.STUDYING,
        records=records,
        student_id="s1",
        school_days=days,
    ) == ("DROPOUT_NOT_ESTABLISHED", "第二十四条")


def test_sick_leave_month_is_not_dropout() -> None:
    days = weekdays(D(2026, 3, 2), 30)
    records = [AttendanceRecord("s1", d, AttendanceKind.SICK_LEAVE) for d in days[:23]]

    assert violation(
        check_dropout_report,
        status=StudentStatus.STUDYING,
        records=records,
        student_id="s1",
        school_days=days,
    ) == ("DROPOUT_NOT_ESTABLISHED", "第二十四条")


def leaving(**changes: Any) -> OtherLeavingContext:
    base = OtherLeavingContext(
        status=StudentStatus.STUDYING,
        ground=OtherLeavingGround.LEFT_UNREACHABLE,
        on=D(2026, 6, 2),
        birth_date=D(2013, 4, 1),
        reported_to_district=True,
        left_on=D(2026, 3, 1),
    )
    return dataclasses.replace(base, **changes)


def test_unreachable_over_three_months_leaves() -> None:
    check_other_leaving(leaving())


def test_exactly_three_months_is_too_soon() -> None:
    assert violation(check_other_leaving, leaving(on=D(2026, 6, 1))) == (
        "OTHER_LEAVING_TOO_SOON",
        "第二十五条",
    )


def test_reachable_student_does_not_leave() -> None:
    assert violation(check_other_leaving, leaving(reachable=True)) == (
        "OTHER_LEAVING_STILL_REACHABLE",
        "第二十五条",
    )


def test_reason_given_is_not_other_leaving() -> None:
    assert violation(check_other_leaving, leaving(reason_given=True)) == (
        "OTHER_LEAVING_REASON_KNOWN",
        "第二十五条",
    )


def test_other_leaving_needs_district_report() -> None:
    assert violation(check_other_leaving, leaving(reported_to_district=False)) == (
        "OTHER_LEAVING_NOT_REPORTED",
        "第二十五条",
    )


def long_suspension(**changes: Any) -> OtherLeavingContext:
    base = OtherLeavingContext(
        status=StudentStatus.SUSPENDED,
        ground=OtherLeavingGround.LONG_SUSPENSION,
        on=D(2026, 9, 10),
        birth_date=D(2010, 4, 1),
        reported_to_district=True,
        suspension_start=D(2023, 9, 1),
        suspension_end=D(2025, 8, 31),
    )
    return dataclasses.replace(base, **changes)


def test_suspension_over_three_years_leaves() -> None:
    check_other_leaving(long_suspension())


def test_expired_suspension_at_eighteen_leaves() -> None:
    ctx = long_suspension(
        on=D(2026, 6, 1),
        birth_date=D(2008, 5, 20),
        suspension_start=D(2024, 9, 1),
        suspension_end=D(2025, 8, 31),
    )

    check_other_leaving(ctx)


def test_expired_suspension_under_eighteen_stays() -> None:
    ctx = long_suspension(
        on=D(2026, 6, 1),
        suspension_start=D(2024, 9, 1),
        suspension_end=D(2025, 8, 31),
    )

    assert violation(check_other_leaving, ctx) == (
        "OTHER_LEAVING_SUSPENSION_GROUND_NOT_MET",
        "第二十五条",
    )


def test_suspension_ground_needs_suspended_student() -> None:
    ctx = long_suspension(status=StudentStatus.STUDYING)

    assert violation(check_other_leaving, ctx) == (
        "OTHER_LEAVING_GROUND_MISMATCH",
        "第二十五条",
    )


def reentry(**changes: Any) -> ReentryContext:
    base = ReentryContext(
        status=StudentStatus.LEFT_OTHER,
        on=D(2026, 8, 20),
        birth_date=D(2012, 3, 5),
        schooling_months=70,
        household_district="210311",
        applied_district="210311",
        original_school_code="2103110001",
        placed_school_code="2103110001",
    )
    return dataclasses.replace(base, **changes)


def test_reentry_to_original_school() -> None:
    check_reentry(reentry())


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"birth_date": D(2008, 8, 20)}, "REENTRY_AGE_LIMIT"),
        ({"schooling_months": 108}, "REENTRY_SCHOOLING_COMPLETE"),
        ({"applied_district": "210302"}, "REENTRY_WRONG_DISTRICT"),
        ({"placed_school_code": "2103110002"}, "REENTRY_NOT_ORIGINAL_SCHOOL"),
    ],
)
def test_reentry_refusals_by_ground(changes: dict[str, Any], code: str) -> None:
    assert violation(check_reentry, reentry(**changes)) == (code, "第二十六条")


def test_reentry_needs_left_status() -> None:
    assert violation(check_reentry, reentry(status=StudentStatus.DROPPED_OUT)) == (
        "ILLEGAL_STATUS_TRANSITION",
        None,
    )
