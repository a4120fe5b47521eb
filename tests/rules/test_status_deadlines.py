from __future__ import annotations

import datetime as dt

from rules.calendar import SchoolYear, WorkingDayCalendar
from rules.status_deadlines import (
    new_student_intake_due,
    status_change_entry_due,
    term_deadlines,
)

D = dt.date
CALENDAR = WorkingDayCalendar.bundled()


def test_intake_due_thirty_calendar_days() -> None:
    assert new_student_intake_due(D(2026, 9, 1)) == D(2026, 10, 1)


def test_changes_due_thirty_working_days() -> None:
    assert status_change_entry_due(D(2026, 9, 1), CALENDAR) == D(2026, 10, 19)


def test_school_year_has_three_deadlines() -> None:
    year = SchoolYear.from_terms(
        "210311", (D(2025, 9, 1), D(2026, 1, 16)), (D(2026, 3, 2), D(2026, 7, 10))
    )

    assert term_deadlines(year, CALENDAR) == {
        "NEW_STUDENT_INTAKE": D(2025, 10, 1),
        "FIRST_TERM_CHANGES": D(2025, 10, 17),
        "SECOND_TERM_CHANGES": D(2026, 4, 14),
    }
