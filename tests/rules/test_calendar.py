from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.calendar import (
    SchoolCalendar,
    SchoolHoliday,
    SchoolKind,
    SchoolYear,
    Term,
    WorkingDayCalendar,
    YearArrangement,
    add_days,
    add_months,
    age_on,
    check_grade,
    is_final_grade,
    school_year_of,
)
from rules.errors import RuleViolation

D = dt.date
CALENDAR = WorkingDayCalendar.bundled()


def school_year_2025() -> SchoolYear:
    return SchoolYear.from_terms(
        "210311", (D(2025, 9, 1), D(2026, 1, 16)), (D(2026, 3, 2), D(2026, 7, 10))
    )


def test_ten_working_days_after_september_28() -> None:
    assert CALENDAR.add_working_days(D(2026, 9, 28), 10) == D(2026, 10, 16)


def test_thirty_working_days_after_september_1() -> None:
    assert CALENDAR.add_working_days(D(2026, 9, 1), 30) == D(2026, 10, 19)


def test_zero_working_days_is_start() -> None:
    assert CALENDAR.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


def test_2026_makeup_days_are_working_weekends() -> None:
    makeup = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9)]
    makeup += [D(2026, 9, 20), D(2026, 10, 10)]

    assert sorted(CALENDAR.arrangement(2026).makeup_workdays) == makeup
    assert [CALENDAR.is_working_day(d) for d in makeup] == [True] * 6
    assert [d.weekday() >= 5 for d in makeup] == [True] * 6


def test_national_day_week_is_off() -> None:
    week = [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)]

    assert [CALENDAR.is_working_day(d) for d in week] == [False] * 7
    assert CALENDAR.holiday_name(D(2026, 10, 5)) == "国庆节"


def test_plain_weekend_and_weekday() -> None:
    assert CALENDAR.is_working_day(D(2026, 10, 17)) is False
    assert CALENDAR.is_working_day(D(2026, 10, 16)) is True
    assert CALENDAR.holiday_name(D(2026, 10, 16)) is None


def test_bundled_years_are_2004_to_2026() -> None:
    assert CALENDAR.years == tuple(range(2004, 2027))


def test_bundled_data_agrees_with_seed_package() -> None:
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    disagreements = []
    while day <= last:
        if CALENDAR.is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += dt.timedelta(days=1)

    assert disagreements == []


def test_unloaded_year_refuses_naming_it() -> None:
    with pytest.raises(RuleViolation) as caught:
        CALENDAR.add_working_days(D(2026, 12, 20), 10)

    assert caught.value.code == "CALENDAR_YEAR_NOT_LOADED"
    assert caught.value.message == (
        "尚未载入2027年的法定节假日和调休安排，无法按工作日计算期限；"
        "请区教育局按国务院办公厅公布的2027年安排载入后再办理。"
    )


def test_year_before_data_refuses() -> None:
    with pytest.raises(RuleViolation) as caught:
        CALENDAR.is_working_day(D(2003, 6, 2))

    assert (caught.value.code, "2003年" in caught.value.message) == (
        "CALENDAR_YEAR_NOT_LOADED",
        True,
    )


def test_loading_new_year_extends_calendar() -> None:
    arrangement = YearArrangement.from_json(
        2027,
        {
            "holidays": {"2027-01-01": "元旦"},
            "makeup_workdays": {"2027-01-09": "元旦"},
        },
    )
    extended = CALENDAR.with_year(arrangement)

    assert extended.years[-1] == 2027
    assert extended.add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    assert extended.is_working_day(D(2027, 1, 9)) is True
    assert CALENDAR.years[-1] == 2026


def test_arrangement_json_round_trips() -> None:
    arrangement = CALENDAR.arrangement(2026)

    assert YearArrangement.from_json(2026, arrangement.to_json()) == arrangement


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"makeup_workdays": {"2027-01-06": "元旦"}}, "调休上班日2027-01-06不是周末。"),
        ({"holidays": {"2026-12-31": "元旦"}}, "2026-12-31不属于2027年的安排。"),
        (
            {
                "holidays": {"2027-01-09": "元旦"},
                "makeup_workdays": {"2027-01-09": "x"},
            },
            "2027-01-09不能既放假又调休上班。",
        ),
        (
            {"holidays": {"2027-13-01": "元旦"}},
            "放假日期中的日期“2027-13-01”无法识别。",
        ),
    ],
)
def test_invalid_arrangement_is_refused(
    data: dict[str, dict[str, str]], message: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        YearArrangement.from_json(2027, data)

    assert (caught.value.code, caught.value.message) == (
        "CALENDAR_DATA_INVALID",
        message,
    )


@given(
    start=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 10, 31)),
    count=st.integers(min_value=0, max_value=40),
)
def test_working_days_between_inverts_add(start: dt.date, count: int) -> None:
    end = CALENDAR.add_working_days(start, count)

    assert CALENDAR.working_days_between(start, end) == count
    assert CALENDAR.working_days_between(end, start) == -count


def test_thirty_calendar_days_after_term_start() -> None:
    assert add_days(D(2026, 9, 1), 30) == D(2026, 10, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 3, 13), 1, D(2026, 4, 13)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(
    start: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(start, months) == expected


def test_age_counts_full_years() -> None:
    birth = D(2008, 6, 12)

    assert [age_on(birth, D(2026, 6, 11)), age_on(birth, D(2026, 6, 12))] == [17, 18]


def test_school_year_turns_on_september_1() -> None:
    assert [school_year_of(D(2026, 8, 31)), school_year_of(D(2026, 9, 1))] == [
        2025,
        2026,
    ]


def test_holidays_derived_from_term_gaps() -> None:
    year = SchoolYear.from_terms(
        "210311", (D(2025, 9, 3), D(2026, 1, 16)), (D(2026, 3, 2), D(2026, 7, 10))
    )

    assert year.holidays == (
        SchoolHoliday("暑假", D(2025, 9, 1), D(2025, 9, 2)),
        SchoolHoliday("寒假", D(2026, 1, 17), D(2026, 3, 1)),
        SchoolHoliday("暑假", D(2026, 7, 11), D(2026, 8, 31)),
    )


def test_term_of_dates_across_year() -> None:
    year = school_year_2025()

    assert [
        year.term_of(D(2025, 10, 8)),
        year.term_of(D(2026, 2, 1)),
        year.term_of(D(2026, 3, 2)),
    ] == [
        Term(1, D(2025, 9, 1), D(2026, 1, 16)),
        None,
        Term(2, D(2026, 3, 2), D(2026, 7, 10)),
    ]


def test_school_holiday_covers_breaks_only() -> None:
    year = school_year_2025()
    days = [D(2025, 10, 8), D(2026, 1, 17), D(2026, 7, 11), D(2026, 3, 7)]

    assert [year.is_school_holiday(d) for d in days] == [False, True, True, False]


@pytest.mark.parametrize(
    ("grade", "kind", "day", "expected"),
    [
        (6, SchoolKind.PRIMARY, D(2026, 3, 10), True),
        (6, SchoolKind.NINE_YEAR, D(2026, 3, 10), True),
        (9, SchoolKind.NINE_YEAR, D(2026, 3, 10), True),
        (9, SchoolKind.JUNIOR, D(2026, 2, 1), True),
        (6, SchoolKind.PRIMARY, D(2025, 11, 10), False),
        (5, SchoolKind.PRIMARY, D(2026, 3, 10), False),
        (8, SchoolKind.JUNIOR, D(2026, 3, 10), False),
        (9, SchoolKind.JUNIOR, D(2026, 7, 20), False),
    ],
)
def test_final_grade_second_term(
    grade: int, kind: SchoolKind, day: dt.date, expected: bool
) -> None:
    assert school_year_2025().is_final_grade_second_term(grade, kind, day) is expected


def test_primary_school_has_no_grade_nine() -> None:
    with pytest.raises(RuleViolation) as caught:
        is_final_grade(9, SchoolKind.PRIMARY)

    assert (caught.value.code, caught.value.article, caught.value.field) == (
        "GRADE_OUT_OF_RANGE",
        "第二条",
        ["grade"],
    )


def test_nine_year_school_teaches_all_grades() -> None:
    for grade in range(1, 10):
        check_grade(grade, SchoolKind.NINE_YEAR)


def test_date_outside_school_year_refuses() -> None:
    with pytest.raises(RuleViolation) as caught:
        school_year_2025().term_of(D(2026, 9, 1))

    assert (caught.value.code, caught.value.message) == (
        "SCHOOL_YEAR_NOT_LOADED",
        "尚未载入2026—2027学年的校历（学期与寒暑假），无法判断2026-09-01的学期。",
    )


def test_school_calendar_finds_year_of_date() -> None:
    calendar = SchoolCalendar([school_year_2025()])

    assert calendar.year_of(D(2026, 5, 1)) == school_year_2025()
    assert calendar.is_school_holiday(D(2026, 2, 10)) is True
    with pytest.raises(RuleViolation) as caught:
        calendar.term_of(D(2025, 8, 31))
    assert caught.value.code == "SCHOOL_YEAR_NOT_LOADED"


def test_second_term_before_first_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        SchoolYear.from_terms(
            "210311", (D(2025, 9, 1), D(2026, 3, 5)), (D(2026, 3, 2), D(2026, 7, 10))
        )

    assert caught.value.code == "SCHOOL_CALENDAR_INVALID"
