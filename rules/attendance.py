"""Attendance (考勤, 第三十四条) and the absence counts other articles rest on.

Sick-leave totals feed suspension (第二十条: 因病连续休息一个月或累计休息两个月) and
truancy streaks feed dropout reports (第二十四条: 无故连续一个月不上学).

A run of absence is continuous across days that are not school days (weekends,
holidays, 调休 rest days): callers pass the school days of the student's calendar, so
no calendar is guessed here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules.errors import RuleViolation

DISTRICT_ZONE = ZoneInfo("Asia/Shanghai")

# 第二十条 counts "two months" of accumulated sick leave; accumulated days have no
# start date to count calendar months from, so they are counted as 2 × 30 days.
ACCUMULATED_SICK_DAYS = 60


class AttendanceKind(StrEnum):
    PRESENT = "PRESENT"
    LATE = "LATE"
    EARLY_LEAVE = "EARLY_LEAVE"
    SICK_LEAVE = "SICK_LEAVE"
    PERSONAL_LEAVE = "PERSONAL_LEAVE"
    TRUANT = "TRUANT"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    AttendanceKind.PRESENT: "出勤",
    AttendanceKind.LATE: "迟到",
    AttendanceKind.EARLY_LEAVE: "早退",
    AttendanceKind.SICK_LEAVE: "病假",
    AttendanceKind.PERSONAL_LEAVE: "事假",
    AttendanceKind.TRUANT: "旷课",
}


@dataclass(frozen=True)
class AttendanceRecord:
    """One mark for one student on one school day (a day may carry LATE and
    EARLY_LEAVE both)."""

    student_id: str
    day: date
    kind: AttendanceKind


@dataclass(frozen=True)
class AttendanceSummary:
    """Counts of marks per kind and the number of distinct days marked."""

    counts: dict[AttendanceKind, int] = field(default_factory=dict)
    days: int = 0

    def count(self, kind: AttendanceKind) -> int:
        return self.counts.get(kind, 0)


@dataclass(frozen=True)
class AbsenceRun:
    """Consecutive school days of one kind of absence, first to last day."""

    start: date
    end: date
    school_days: int

    @property
    def calendar_days(self) -> int:
        return (self.end - self.start).days + 1

    def spans_months(self, months: int) -> bool:
        """Whether the run covers ``months`` whole calendar months from its start."""
        return self.end >= _add_months(self.start, months) - timedelta(days=1)


@dataclass(frozen=True)
class SickLeaveTotals:
    longest: AbsenceRun | None
    total_days: int


def school_day(instant: datetime) -> date:
    """The school day (a date in Asia/Shanghai) of an aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise RuleViolation(
            "NAIVE_DATETIME",
            "时间必须带时区。",
            field=["at"],
        )
    return instant.astimezone(DISTRICT_ZONE).date()


def _check_range(start: date, end: date) -> None:
    if start <= end:
        return
    raise RuleViolation(
        "ATTENDANCE_RANGE_INVALID",
        "统计的开始日期不能晚于结束日期。",
        article="第三十四条",
        field=["from"],
    )


def _summarize(records: Iterable[AttendanceRecord]) -> AttendanceSummary:
    listed = list(records)
    counts = Counter(r.kind for r in listed)
    return AttendanceSummary(dict(counts), len({(r.student_id, r.day) for r in listed}))


def student_summary(
    records: Iterable[AttendanceRecord], student_id: str, start: date, end: date
) -> AttendanceSummary:
    """One student's marks per kind over ``start``–``end`` inclusive (第三十四条)."""
    _check_range(start, end)
    return _summarize(
        r for r in records if r.student_id == student_id and start <= r.day <= end
    )


def class_summary(
    records: Iterable[AttendanceRecord],
    student_ids: Collection[str],
    start: date,
    end: date,
) -> dict[str, AttendanceSummary]:
    """Each student's summary over a range (第三十四条); no marks, empty summary."""
    _check_range(start, end)
    in_range = [
        r for r in records if r.student_id in student_ids and start <= r.day <= end
    ]
    return {
        student_id: _summarize(r for r in in_range if r.student_id == student_id)
        for student_id in student_ids
    }


def class_totals(summaries: Iterable[AttendanceSummary]) -> AttendanceSummary:
    """A class's marks per kind (第三十四条); ``days`` counts student-days."""
    counts: Counter[AttendanceKind] = Counter()
    days = 0
    for summary in summaries:
        counts.update(summary.counts)
        days += summary.days
    return AttendanceSummary(dict(counts), days)


def absence_runs(
    records: Iterable[AttendanceRecord],
    student_id: str,
    kind: AttendanceKind,
    *,
    school_days: Collection[date],
) -> list[AbsenceRun]:
    """Runs of ``kind`` on consecutive school days, in date order.

    A run breaks at a school day without that mark; days that are not school days
    neither break nor count.
    """
    marked = sorted(
        {r.day for r in records if r.student_id == student_id and r.kind is kind}
    )
    calendar = sorted(set(school_days) | set(marked))
    position = {day: index for index, day in enumerate(calendar)}

    runs: list[AbsenceRun] = []
    for day in marked:
        if runs and position[day] == position[runs[-1].end] + 1:
            last = runs[-1]
            runs[-1] = AbsenceRun(last.start, day, last.school_days + 1)
        else:
            runs.append(AbsenceRun(day, day, 1))
    return runs


def sick_leave_totals(
    records: Iterable[AttendanceRecord],
    student_id: str,
    *,
    school_days: Collection[date],
) -> SickLeaveTotals:
    """The longest continuous sick leave and the accumulated sick-leave days (第二十条).

    Days are calendar days: a run from Friday to Monday is four days of rest.
    """
    runs = absence_runs(
        records, student_id, AttendanceKind.SICK_LEAVE, school_days=school_days
    )
    longest = max(runs, key=lambda run: run.calendar_days, default=None)
    return SickLeaveTotals(longest, sum(run.calendar_days for run in runs))


def suspension_threshold_met(totals: SickLeaveTotals) -> bool:
    """因病连续休息一个月或累计休息两个月 (第二十条): the student may apply for 休学."""
    continuous = totals.longest is not None and totals.longest.spans_months(1)
    return continuous or totals.total_days >= ACCUMULATED_SICK_DAYS


def truancy_streaks(
    records: Iterable[AttendanceRecord],
    student_id: str,
    *,
    school_days: Collection[date],
) -> list[AbsenceRun]:
    """Runs of 旷课 on consecutive school days (第二十四条)."""
    return absence_runs(
        records, student_id, AttendanceKind.TRUANT, school_days=school_days
    )


def dropout_streak(
    records: Iterable[AttendanceRecord],
    student_id: str,
    *,
    school_days: Collection[date],
) -> AbsenceRun | None:
    """The first truancy run of a month or more (第二十四条).

    辍学 is 无故连续一个月不上学: 旷课 on every school day for a calendar month.
    """
    streaks = truancy_streaks(records, student_id, school_days=school_days)
    return next((run for run in streaks if run.spans_months(1)), None)


def _add_months(day: date, months: int) -> date:
    # The same day-of-month ``months`` later, clipped to the month's last day
    # (31 January + 1 month = 28/29 February). The standard library has no month
    # arithmetic, and one small function is not worth a dependency.
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last))
