"""The district's entry deadlines each term, 第三十六条."""

from __future__ import annotations

import datetime as dt

from rules.calendar import SchoolYear, WorkingDayCalendar, add_days

# "每学年第一学期开学后30日内" counts calendar days.
INTAKE_CALENDAR_DAYS = 30
# "每学期开学后30个工作日内" counts working days.
CHANGE_ENTRY_WORKING_DAYS = 30


def new_student_intake_due(first_term_start: dt.date) -> dt.date:
    """第三十六条: new students of grades 1 and 7 are collected and reported within
    30 calendar days after the first term starts (the start day not counted)."""
    return add_days(first_term_start, INTAKE_CALENDAR_DAYS)


def status_change_entry_due(
    term_start: dt.date, calendar: WorkingDayCalendar
) -> dt.date:
    """第三十六条: each term's status changes (升学、转学、休学、复学 …) are entered
    and checked within 30 working days after the term starts."""
    return calendar.add_working_days(term_start, CHANGE_ENTRY_WORKING_DAYS)


def term_deadlines(
    school_year: SchoolYear, calendar: WorkingDayCalendar
) -> dict[str, dt.date]:
    """The school year's three 第三十六条 deadlines, keyed by what is due."""
    return {
        "NEW_STUDENT_INTAKE": new_student_intake_due(school_year.first_term.start),
        "FIRST_TERM_CHANGES": status_change_entry_due(
            school_year.first_term.start, calendar
        ),
        "SECOND_TERM_CHANGES": status_change_entry_due(
            school_year.second_term.start, calendar
        ),
    }
