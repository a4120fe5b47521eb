from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from rules.calendar import SchoolKind, SchoolYear
from rules.errors import RuleViolation
from rules.status import StudentStatus
from rules.status_skip import (
    GradeSkipContext,
    check_grade_skip,
    expected_stage_completion,
    grade_skip_steps,
)
from rules.status_workflow import Role, Step

D = dt.date


def school_year_2025() -> SchoolYear:
    return SchoolYear.from_terms(
        "210311", (D(2025, 9, 1), D(2026, 1, 16)), (D(2026, 2, 23), D(2026, 7, 10))
    )


def context(**changes: Any) -> GradeSkipContext:
    base = GradeSkipContext(
        status=StudentStatus.STUDYING,
        on=D(2026, 2, 23),
        current_grade=3,
        target_grade=4,
        school_kind=SchoolKind.PRIMARY,
        school_year=school_year_2025(),
    )
    return dataclasses.replace(base, **changes)


def refusal_of(ctx: GradeSkipContext) -> tuple[str, str | None, list[str] | None]:
    with pytest.raises(RuleViolation) as caught:
        check_grade_skip(ctx)
    return caught.value.code, caught.value.article, caught.value.field


def test_c08_mid_year_skip_is_allowed() -> None:
    check_grade_skip(context())


def test_c08_skip_moves_primary_completion() -> None:
    before = expected_stage_completion(3, D(2026, 2, 22))
    after = expected_stage_completion(4, D(2026, 2, 23))

    assert (before, after) == ((2029, 7), (2028, 7))


def test_junior_completion_after_grade_nine() -> None:
    assert expected_stage_completion(7, D(2026, 9, 1)) == (2029, 7)


def test_skip_two_grades_refused_by_default() -> None:
    assert refusal_of(context(target_grade=5)) == (
        "GRADE_SKIP_TOO_FAR",
        "第三十一条",
        ["toGrade"],
    )


def test_skip_two_grades_when_configured() -> None:
    check_grade_skip(context(target_grade=5, max_grades=2))


def test_skip_to_same_grade_refused() -> None:
    assert refusal_of(context(target_grade=3)) == (
        "GRADE_SKIP_NOT_HIGHER",
        "第三十一条",
        ["toGrade"],
    )


def test_no_skip_final_grade_second_term() -> None:
    ctx = context(current_grade=9, target_grade=10, school_kind=SchoolKind.JUNIOR)

    assert refusal_of(ctx) == (
        "GRADE_SKIP_FINAL_GRADE_SECOND_TERM",
        "第三十一条",
        ["effectiveDate"],
    )


def test_skip_across_stage_refused() -> None:
    ctx = context(
        on=D(2025, 11, 3),
        current_grade=6,
        target_grade=7,
        school_kind=SchoolKind.NINE_YEAR,
    )

    assert refusal_of(ctx) == ("GRADE_SKIP_ACROSS_STAGE", "第三十一条", ["toGrade"])


def test_suspended_student_cannot_skip() -> None:
    assert refusal_of(context(status=StudentStatus.SUSPENDED)) == (
        "ILLEGAL_STATUS_TRANSITION",
        None,
        ["status"],
    )


def test_skip_needs_school_then_district() -> None:
    assert grade_skip_steps("2103110001", "210311") == (
        Step("SCHOOL", Role.SCHOOL_LEADER, "2103110001"),
        Step("DISTRICT", Role.DISTRICT_OFFICER, "210311"),
    )
