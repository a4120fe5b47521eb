"""Grade skip (跳级), 第三十一条."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rules.calendar import (
    PRIMARY_FINAL_GRADE,
    SchoolKind,
    SchoolYear,
    check_grade,
    school_year_of,
)
from rules.errors import RuleViolation
from rules.status import ChangeCategory, StudentStatus, transition
from rules.status_workflow import Role, Step

ART_31 = "第三十一条"

# The text sets no limit; the hub allows one grade at a time unless configured.
DEFAULT_MAX_GRADES = 1

# Month the school year's second term ends, when completion is expected.
COMPLETION_MONTH = 7


@dataclass(frozen=True)
class GradeSkipContext:
    status: StudentStatus
    on: dt.date
    current_grade: int
    target_grade: int
    school_kind: SchoolKind
    school_year: SchoolYear
    max_grades: int = DEFAULT_MAX_GRADES


def _violation(code: str, message: str, *path: str) -> RuleViolation:
    return RuleViolation(code, message, article=ART_31, field=list(path) or None)


def _stage(grade: int) -> int:
    return 0 if grade <= PRIMARY_FINAL_GRADE else 1


def check_grade_skip(ctx: GradeSkipContext) -> None:
    """第三十一条: a skip to a higher grade of the same stage, applied for by the
    student and parents, agreed by the school and approved by the district
    (``grade_skip_steps``); none in the second term of a final grade, where the
    transfer and suspension rules (第十三、二十一条) also hold the student."""
    transition(ctx.status, ChangeCategory.GRADE_SKIP)
    check_grade(ctx.current_grade, ctx.school_kind)
    year = ctx.school_year
    if year.is_final_grade_second_term(ctx.current_grade, ctx.school_kind, ctx.on):
        message = "毕业年级第二学期不办理跳级。"
        raise _violation("GRADE_SKIP_FINAL_GRADE_SECOND_TERM", message, "effectiveDate")
    if ctx.target_grade <= ctx.current_grade:
        message = "跳级的目标年级应高于当前年级。"
        raise _violation("GRADE_SKIP_NOT_HIGHER", message, "toGrade")
    if ctx.target_grade - ctx.current_grade > ctx.max_grades:
        message = f"一次最多跳{ctx.max_grades}个年级。"
        raise _violation("GRADE_SKIP_TOO_FAR", message, "toGrade")
    if _stage(ctx.target_grade) != _stage(ctx.current_grade):
        message = "不能跳级跨越小学、初中学段；升入初中须小学毕业（第三十二条）。"
        raise _violation("GRADE_SKIP_ACROSS_STAGE", message, "toGrade")
    check_grade(ctx.target_grade, ctx.school_kind)


def grade_skip_steps(school_code: str, district_code: str) -> tuple[Step, ...]:
    """第三十一条: the school agrees, then the district approves."""
    return (
        Step("SCHOOL", Role.SCHOOL_LEADER, school_code),
        Step("DISTRICT", Role.DISTRICT_OFFICER, district_code),
    )


def expected_stage_completion(grade: int, on: dt.date) -> tuple[int, int]:
    """(year, month) the current stage is expected to end for a student in
    ``grade`` on ``on``: July after the stage's final grade. A skip moves it a year
    earlier (case C08: grade 3 → 4 in 2025-26 moves 2029-07 to 2028-07)."""
    final = PRIMARY_FINAL_GRADE if _stage(grade) == 0 else 9
    return school_year_of(on) + final - grade + 1, COMPLETION_MONTH
