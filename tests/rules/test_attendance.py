from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules.attendance import (
    AbsenceRun,
    AttendanceKind,
    AttendanceRecord,
    AttendanceSummary,
    SickLeaveTotals,
    class_summary,
    class_totals,
    dropout_streak,
    school_day,
    sick_leave_totals,
    student_summary,
    suspension_threshold_met,
    truancy_streaks,
)
from rules.errors import RuleViolation

K = AttendanceKind
CST = timezone(timedelta(hours=8))
NATIONAL_DAY = {date(2025, 10, d) for d in range(1, 9)}
MAKEUP_DAYS = {date(2025, 9, 28), date(2025, 10, 11)}


def autumn_2025_school_days() -> set[date]:
    """Weekdays of autumn 2025 without the National Day break, plus 调休 Saturdays/Sundays."""
    days = set()
    day = date(2025, 9, 1)
    while day <= date(2026, 1, 31):
        if day.weekday() < 5 and day not in NATIONAL_DAY:
            days.add(day)
        day += timedelta(days=1)
    return days | MAKEUP_DAYS


SCHOOL_DAYS = autumn_2025_school_days()


def marks(
    student: str, kind: AttendanceKind, start: date, end: date
) -> list[AttendanceRecord]:
    return [
        AttendanceRecord(student, d, kind)
        for d in sorted(SCHOOL_DAYS)
        if start <= d <= end
    ]


def test_kind_labels_follow_article_34() -> None:
    assert [(k.value, k.label) for k in AttendanceKind] == [
        ("PRESENT", "出勤"),
        ("LATE", "迟到"),
        ("EARLY_LEAVE", "早退"),
        ("SICK_LEAVE", "病假"),
        ("PERSONAL_LEAVE", "事假"),
        ("TRUANT", "旷课"),
    ]


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2025, 9, 1, 7, 30, tzinfo=CST), date(2025, 9, 1)),
        (datetime(2025, 8, 31, 23, 30, tzinfo=UTC), date(2025, 9, 1)),
        (datetime(2025, 9, 1, 16, 30, tzinfo=UTC), date(2025, 9, 2)),
        (datetime(2025, 9, 1, 23, 59, tzinfo=CST), date(2025, 9, 1)),
    ],
)
def test_school_day_is_shanghai_date(instant: datetime, day: date) -> None:
    assert school_day(instant) == day


def test_naive_instant_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        school_day(datetime(2025, 9, 1, 7, 30))
    assert (caught.value.code, caught.value.field) == ("NAIVE_DATETIME", ["at"])


WEEK = [
    AttendanceRecord("s1", date(2025, 9, 1), K.PRESENT),
    AttendanceRecord("s1", date(2025, 9, 2), K.LATE),
    AttendanceRecord("s1", date(2025, 9, 2), K.EARLY_LEAVE),
    AttendanceRecord("s1", date(2025, 9, 3), K.SICK_LEAVE),
    AttendanceRecord("s1", date(2025, 9, 4), K.TRUANT),
    AttendanceRecord("s1", date(2025, 9, 5), K.PERSONAL_LEAVE),
    AttendanceRecord("s1", date(2025, 9, 8), K.PRESENT),
    AttendanceRecord("s2", date(2025, 9, 1), K.PRESENT),
    AttendanceRecord("s2", date(2025, 9, 2), K.LATE),
]


def test_student_summary_counts_each_kind() -> None:
    summary = student_summary(WEEK, "s1", date(2025, 9, 1), date(2025, 9, 5))
    assert summary == AttendanceSummary(
        {
            K.PRESENT: 1,
            K.LATE: 1,
            K.EARLY_LEAVE: 1,
            K.SICK_LEAVE: 1,
            K.TRUANT: 1,
            K.PERSONAL_LEAVE: 1,
        },
        5,
    )


def test_summary_count_defaults_to_zero() -> None:
    summary = student_summary(WEEK, "s2", date(2025, 9, 1), date(2025, 9, 30))
    assert (summary.count(K.LATE), summary.count(K.TRUANT), summary.days) == (1, 0, 2)


def test_reversed_range_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        student_summary(WEEK, "s1", date(2025, 9, 5), date(2025, 9, 1))
    assert (caught.value.code, caught.value.article) == (
        "ATTENDANCE_RANGE_INVALID",
        "第三十四条",
    )


def test_class_summary_covers_every_student() -> None:
    summaries = class_summary(
        WEEK, ["s1", "s2", "s3"], date(2025, 9, 1), date(2025, 9, 2)
    )
    assert summaries == {
        "s1": AttendanceSummary({K.PRESENT: 1, K.LATE: 1, K.EARLY_LEAVE: 1}, 2),
        "s2": AttendanceSummary({K.PRESENT: 1, K.LATE: 1}, 2),
        "s3": AttendanceSummary({}, 0),
    }


def test_class_totals_add_students() -> None:
    summaries = class_summary(WEEK, ["s1", "s2"], date(2025, 9, 1), date(2025, 9, 2))
    assert class_totals(summaries.values()) == AttendanceSummary(
        {K.PRESENT: 2, K.LATE: 2, K.EARLY_LEAVE: 1}, 4
    )


def test_weekend_does_not_break_sick_run() -> None:
    records = [
        AttendanceRecord("s1", date(2025, 9, 5), K.SICK_LEAVE),
        AttendanceRecord("s1", date(2025, 9, 8), K.SICK_LEAVE),
    ]
    assert sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS) == SickLeaveTotals(
        AbsenceRun(date(2025, 9, 5), date(2025, 9, 8), 2), 4
    )


def test_holiday_does_not_break_sick_run() -> None:
    records = [
        AttendanceRecord("s1", date(2025, 9, 30), K.SICK_LEAVE),
        AttendanceRecord("s1", date(2025, 10, 9), K.SICK_LEAVE),
    ]
    totals = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    assert totals.longest == AbsenceRun(date(2025, 9, 30), date(2025, 10, 9), 2)


def test_school_day_present_breaks_run() -> None:
    records = [
        AttendanceRecord("s1", date(2025, 9, 10), K.SICK_LEAVE),
        AttendanceRecord("s1", date(2025, 9, 12), K.SICK_LEAVE),
        AttendanceRecord("s1", date(2025, 9, 15), K.SICK_LEAVE),
    ]
    assert sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS) == SickLeaveTotals(
        AbsenceRun(date(2025, 9, 12), date(2025, 9, 15), 2), 5
    )


def test_makeup_sunday_breaks_run() -> None:
    records = marks("s1", K.SICK_LEAVE, date(2025, 9, 22), date(2025, 9, 26))
    records += marks("s1", K.SICK_LEAVE, date(2025, 9, 29), date(2025, 9, 30))
    totals = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    assert (totals.longest, totals.total_days) == (
        AbsenceRun(date(2025, 9, 22), date(2025, 9, 26), 5),
        7,
    )


def test_one_month_continuous_sick_leave() -> None:
    records = marks("s1", K.SICK_LEAVE, date(2025, 9, 1), date(2025, 9, 30))
    totals = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    assert (totals.longest, suspension_threshold_met(totals)) == (
        AbsenceRun(date(2025, 9, 1), date(2025, 9, 30), 23),
        True,
    )


def test_one_day_short_of_month() -> None:
    records = marks("s1", K.SICK_LEAVE, date(2025, 9, 1), date(2025, 9, 29))
    totals = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    assert (totals.total_days, suspension_threshold_met(totals)) == (29, False)


def test_sixty_accumulated_days_meet_threshold() -> None:
    records = marks("s1", K.SICK_LEAVE, date(2025, 9, 1), date(2025, 9, 26))
    records += marks("s1", K.SICK_LEAVE, date(2025, 10, 13), date(2025, 11, 7))
    before = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    records += marks("s1", K.SICK_LEAVE, date(2025, 11, 17), date(2025, 11, 24))
    after = sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS)
    assert [(t.total_days, suspension_threshold_met(t)) for t in (before, after)] == [
        (52, False),
        (60, True),
    ]


def test_other_students_are_not_counted() -> None:
    records = marks("s2", K.SICK_LEAVE, date(2025, 9, 1), date(2025, 9, 30))
    assert sick_leave_totals(records, "s1", school_days=SCHOOL_DAYS) == SickLeaveTotals(
        None, 0
    )


def test_truancy_streaks_split_on_attendance() -> None:
    records = marks("s1", K.TRUANT, date(2025, 9, 1), date(2025, 9, 3))
    records += marks("s1", K.TRUANT, date(2025, 9, 5), date(2025, 9, 9))
    assert truancy_streaks(records, "s1", school_days=SCHOOL_DAYS) == [
        AbsenceRun(date(2025, 9, 1), date(2025, 9, 3), 3),
        AbsenceRun(date(2025, 9, 5), date(2025, 9, 9), 3),
    ]


def test_month_of_truancy_is_dropout() -> None:
    records = marks("s1", K.TRUANT, date(2025, 9, 15), date(2025, 10, 14))
    assert dropout_streak(records, "s1", school_days=SCHOOL_DAYS) == AbsenceRun(
        date(2025, 9, 15), date(2025, 10, 14), 18
    )


def test_truancy_short_of_month_is_not_dropout() -> None:
    records = marks("s1", K.TRUANT, date(2025, 9, 15), date(2025, 10, 13))
    assert dropout_streak(records, "s1", school_days=SCHOOL_DAYS) is None


@pytest.mark.parametrize(
    ("start", "end", "spans"),
    [
        (date(2025, 1, 31), date(2025, 2, 27), True),
        (date(2025, 1, 31), date(2025, 2, 26), False),
        (date(2025, 12, 15), date(2026, 1, 14), True),
        (date(2025, 12, 15), date(2026, 1, 13), False),
    ],
)
def test_month_span_uses_calendar_months(start: date, end: date, spans: bool) -> None:
    assert AbsenceRun(start, end, 1).spans_months(1) is spans
