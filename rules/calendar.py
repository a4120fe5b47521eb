"""The three units the regulation counts time in, and each district's school year.

Working days ("10个工作日内", 第十六条、第二十二条; "30个工作日内",
第三十六条) follow the State Council's yearly arrangement of statutory holidays and
makeup working days (调休). Calendar days ("30日内", 第三十六条) and months
("1个月内", 第十六条) are plain date arithmetic. School years, terms and holidays
(寒暑假) decide where 第十三条 and 第二十一条 forbid transfers and suspensions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rules.errors import RuleViolation

# The rules read the arrangement from rules/data/workdays.json rather than calling the
# chinese-calendar package at run time: a district officer must be able to load next
# year's arrangement the day the State Council notice comes out, and the package only
# learns it with a later release. scripts/seed_workdays.py seeds the file from it.
WORKDAYS_RESOURCE = "data/workdays.json"

SATURDAY = 5


def _invalid_data(message: str) -> RuleViolation:
    return RuleViolation("CALENDAR_DATA_INVALID", message)


def _parse_days(raw: Mapping[str, str], what: str) -> dict[dt.date, str]:
    days: dict[dt.date, str] = {}
    for text, name in raw.items():
        try:
            days[dt.date.fromisoformat(text)] = str(name)
        except ValueError as exc:
            raise _invalid_data(f"{what}中的日期“{text}”无法识别。") from exc
    return days


@dataclass(frozen=True)
class YearArrangement:
    """One calendar year's statutory holidays (days off) and makeup working days.

    ``holidays`` lists every day off of the holiday periods, weekends inside them
    included; ``makeup_workdays`` lists the Saturdays and Sundays worked instead.
    """

    year: int
    holidays: Mapping[dt.date, str]
    makeup_workdays: Mapping[dt.date, str]

    def __post_init__(self) -> None:
        for day in [*self.holidays, *self.makeup_workdays]:
            if day.year != self.year:
                raise _invalid_data(f"{day.isoformat()}不属于{self.year}年的安排。")
        for day in self.makeup_workdays:
            if day in self.holidays:
                raise _invalid_data(f"{day.isoformat()}不能既放假又调休上班。")
            if day.weekday() < SATURDAY:
                raise _invalid_data(f"调休上班日{day.isoformat()}不是周末。")

    @classmethod
    def from_json(cls, year: int, data: Mapping[str, Any]) -> YearArrangement:
        """Read ``{"holidays": {date: name}, "makeup_workdays": {date: name}}``."""
        return cls(
            year=year,
            holidays=_parse_days(data.get("holidays", {}), "放假日期"),
            makeup_workdays=_parse_days(data.get("makeup_workdays", {}), "调休上班日"),
        )

    def to_json(self) -> dict[str, dict[str, str]]:
        return {
            "holidays": {d.isoformat(): n for d, n in sorted(self.holidays.items())},
            "makeup_workdays": {
                d.isoformat(): n for d, n in sorted(self.makeup_workdays.items())
            },
        }


class WorkingDayCalendar:
    """Working days of the years whose arrangement is loaded; other years refuse."""

    def __init__(self, arrangements: Iterable[YearArrangement]) -> None:
        self._years = {a.year: a for a in arrangements}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkingDayCalendar:
        """Read the layout of rules/data/workdays.json: ``{"years": {"2026": ...}}``."""
        years = data.get("years", {})
        return cls(YearArrangement.from_json(int(y), years[y]) for y in years)

    @classmethod
    def bundled(cls) -> WorkingDayCalendar:
        """The arrangements shipped in rules/data/workdays.json (2004–2026)."""
        return _bundled()

    def with_year(self, arrangement: YearArrangement) -> WorkingDayCalendar:
        """A calendar with ``arrangement`` added (or replacing the same year)."""
        return WorkingDayCalendar([*self._years.values(), arrangement])

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def arrangement(self, year: int) -> YearArrangement:
        """The loaded arrangement of ``year``; refuses a year not loaded."""
        found = self._years.get(year)
        if found is None:
            raise RuleViolation(
                "CALENDAR_YEAR_NOT_LOADED",
                f"尚未载入{year}年的法定节假日和调休安排，无法按工作日计算期限；"
                f"请区教育局按国务院办公厅公布的{year}年安排载入后再办理。",
            )
        return found

    def is_working_day(self, day: dt.date) -> bool:
        arrangement = self.arrangement(day.year)
        if day in arrangement.makeup_workdays:
            return True
        if day in arrangement.holidays:
            return False
        return day.weekday() < SATURDAY

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a day off belongs to, or ``None`` for any other day."""
        return self.arrangement(day.year).holidays.get(day)

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself excluded)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if
        ``end`` comes first, so that ``add_working_days(s, n)`` gives back ``n``."""
        if end < start:
            return -self.working_days_between(end, start)
        span = (end - start).days
        days = (start + dt.timedelta(days=i) for i in range(1, span + 1))
        return sum(1 for day in days if self.is_working_day(day))


@cache
def _bundled() -> WorkingDayCalendar:
    text = resources.files("rules").joinpath(WORKDAYS_RESOURCE).read_text("utf-8")
    return WorkingDayCalendar.from_json(json.loads(text))


def add_days(start: dt.date, count: int) -> dt.date:
    """``count`` calendar days after ``start`` ("30日内" ends on this day)."""
    return start + dt.timedelta(days=count)


def add_months(start: dt.date, count: int) -> dt.date:
    """The same day ``count`` months later, clamped to the end of a shorter month
    (one month after 31 January is 28 or 29 February)."""
    months = start.year * 12 + start.month - 1 + count
    year, month = divmod(months, 12)
    month += 1
    return dt.date(year, month, min(start.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on ``day`` (a 29 February birthday counts on 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def school_year_of(day: dt.date) -> int:
    """The school year a date belongs to, named by its first year (1 Sep–31 Aug)."""
    return day.year if day.month >= 9 else day.year - 1


class SchoolKind(StrEnum):
    PRIMARY = "primary"
    JUNIOR = "junior"
    NINE_YEAR = "nine_year"
    SPECIAL = "special"
    WORK_STUDY = "work_study"


# 第二条: the district splits the nine years "六三": primary 1-6, junior 7-9.
PRIMARY_FINAL_GRADE = 6
JUNIOR_FINAL_GRADE = 9
_GRADES = {
    SchoolKind.PRIMARY: range(1, 7),
    SchoolKind.JUNIOR: range(7, 10),
    SchoolKind.NINE_YEAR: range(1, 10),
    SchoolKind.SPECIAL: range(1, 10),
    SchoolKind.WORK_STUDY: range(7, 10),
}


def check_grade(grade: int, school_kind: SchoolKind) -> None:
    """A grade the kind of school teaches (第二条, "六三"分段)."""
    allowed = _GRADES[school_kind]
    if grade not in allowed:
        raise RuleViolation(
            "GRADE_OUT_OF_RANGE",
            f"该类学校只设{allowed.start}至{allowed.stop - 1}年级，没有{grade}年级。",
            article="第二条",
            field=["grade"],
        )


def is_final_grade(grade: int, school_kind: SchoolKind) -> bool:
    """Grade 6 ends primary school and grade 9 junior school, also in a nine-year
    school: 第十三条 and 第二十一条 speak of 小学、初中毕业年级 each."""
    check_grade(grade, school_kind)
    return grade in (PRIMARY_FINAL_GRADE, JUNIOR_FINAL_GRADE)


def _invalid_school_calendar(message: str) -> RuleViolation:
    return RuleViolation("SCHOOL_CALENDAR_INVALID", message)


@dataclass(frozen=True)
class Term:
    number: int
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class SchoolHoliday:
    name: str
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class SchoolYear:
    """One district's school year ``start_year``/``start_year + 1`` (1 Sep–31 Aug)."""

    district_code: str
    start_year: int
    first_term: Term
    second_term: Term
    holidays: tuple[SchoolHoliday, ...]

    def __post_init__(self) -> None:
        if (self.first_term.number, self.second_term.number) != (1, 2):
            raise _invalid_school_calendar("学期编号应为第一、第二学期。")
        spans: list[Term | SchoolHoliday] = [
            self.first_term,
            self.second_term,
            *self.holidays,
        ]
        if any(s.end < s.start for s in spans):
            raise _invalid_school_calendar("学期或假期的结束日期早于开始日期。")
        if self.second_term.start <= self.first_term.end:
            raise _invalid_school_calendar("第二学期应在第一学期结束后开始。")
        if not all(self.contains(s.start) and self.contains(s.end) for s in spans):
            raise _invalid_school_calendar(
                f"学期和假期应在{self.first_day}至{self.last_day}之间。"
            )

    @classmethod
    def from_terms(
        cls,
        district_code: str,
        first_term: tuple[dt.date, dt.date],
        second_term: tuple[dt.date, dt.date],
    ) -> SchoolYear:
        """A school year whose holidays are the gaps around its two terms: 寒假
        between them, 暑假 before the first and after the second."""
        start_year = school_year_of(first_term[0])
        one_day = dt.timedelta(days=1)
        first_day = dt.date(start_year, 9, 1)
        last_day = dt.date(start_year + 1, 8, 31)
        gaps = [
            SchoolHoliday("暑假", first_day, first_term[0] - one_day),
            SchoolHoliday("寒假", first_term[1] + one_day, second_term[0] - one_day),
            SchoolHoliday("暑假", second_term[1] + one_day, last_day),
        ]
        return cls(
            district_code=district_code,
            start_year=start_year,
            first_term=Term(1, *first_term),
            second_term=Term(2, *second_term),
            holidays=tuple(g for g in gaps if g.start <= g.end),
        )

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start_year, 9, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.start_year + 1, 8, 31)

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def require(self, day: dt.date) -> None:
        """Refuses a date this school year does not cover."""
        if not self.contains(day):
            raise _school_year_not_loaded(day)

    def term_of(self, day: dt.date) -> Term | None:
        """The term in session on ``day``; ``None`` in a holiday or between terms."""
        self.require(day)
        terms = (self.first_term, self.second_term)
        return next((t for t in terms if t.contains(day)), None)

    def is_school_holiday(self, day: dt.date) -> bool:
        self.require(day)
        return any(h.contains(day) for h in self.holidays)

    def is_final_grade_second_term(
        self, grade: int, school_kind: SchoolKind, day: dt.date
    ) -> bool:
        """Whether ``day`` falls in the second term of a final grade, counting the
        winter holiday before it, when the second term is the next to come."""
        self.require(day)
        in_second_half = self.first_term.end < day <= self.second_term.end
        return is_final_grade(grade, school_kind) and in_second_half


def _school_year_not_loaded(day: dt.date) -> RuleViolation:
    year = school_year_of(day)
    return RuleViolation(
        "SCHOOL_YEAR_NOT_LOADED",
        f"尚未载入{year}—{year + 1}学年的校历（学期与寒暑假），无法判断{day}的学期。",
    )


class SchoolCalendar:
    """A district's loaded school years; a date outside them refuses."""

    def __init__(self, years: Iterable[SchoolYear]) -> None:
        self._years = {y.start_year: y for y in years}

    def year_of(self, day: dt.date) -> SchoolYear:
        found = self._years.get(school_year_of(day))
        if found is None:
            raise _school_year_not_loaded(day)
        return found

    def term_of(self, day: dt.date) -> Term | None:
        return self.year_of(day).term_of(day)

    def is_school_holiday(self, day: dt.date) -> bool:
        return self.year_of(day).is_school_holiday(day)

    def is_final_grade_second_term(
        self, grade: int, school_kind: SchoolKind, day: dt.date
    ) -> bool:
        return self.year_of(day).is_final_grade_second_term(grade, school_kind, day)
