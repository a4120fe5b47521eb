"""Leaving the roll: death (第二十二条), dropout (第二十四条), other leaving
(第二十五条) and re-entry after leaving (第二十六条)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from rules.attendance import AbsenceRun, AttendanceRecord, dropout_streak
from rules.calendar import WorkingDayCalendar, add_months, age_on
from rules.errors import RuleViolation
from rules.status import ChangeCategory, StudentStatus, transition
from rules.status_workflow import TEN_WORKING_DAYS, Role, Step

ADULT_AGE = 18
COMPULSORY_MONTHS = 9 * 12
UNREACHABLE_MONTHS = 3
LONG_SUSPENSION_MONTHS = 36
ART_25 = "第二十五条"


def _violation(code: str, message: str, article: str, *path: str) -> RuleViolation:
    return RuleViolation(code, message, article=article, field=list(path) or None)


def death_cancellation_due(
    learned_on: dt.date, calendar: WorkingDayCalendar
) -> dt.date:
    """第二十二条: the school cancels the record within 10 working days of learning
    of the death."""
    return TEN_WORKING_DAYS.due_from(learned_on, calendar)


def is_death_cancellation_overdue(
    learned_on: dt.date, recorded_on: dt.date, calendar: WorkingDayCalendar
) -> bool:
    return recorded_on > death_cancellation_due(learned_on, calendar)


@dataclass(frozen=True)
class DeathContext:
    status: StudentStatus
    date_of_death: dt.date
    recorded_on: dt.date
    has_proof: bool


def check_death_record(ctx: DeathContext) -> None:
    """第二十二条: the record is cancelled on the strength of proof of death."""
    transition(ctx.status, ChangeCategory.DEATH)
    if not ctx.has_proof:
        message = "注销死亡学生学籍须凭相关证明。"
        raise _violation("DEATH_PROOF_MISSING", message, "第二十二条", "documents")
    if ctx.date_of_death > ctx.recorded_on:
        message = "死亡日期不能晚于登记日期。"
        raise _violation("DEATH_DATE_IN_FUTURE", message, "第二十二条", "dateOfDeath")


def check_dropout_report(
    *,
    status: StudentStatus,
    records: Iterable[AttendanceRecord],
    student_id: str,
    school_days: Collection[dt.date],
) -> AbsenceRun:
    """第二十四条: a dropout is a student absent without reason (旷课) for a
    continuous month; gives the run of truancy that establishes it."""
    transition(status, ChangeCategory.DROPOUT)
    streak = dropout_streak(records, student_id, school_days=school_days)
    if streak is None:
        message = "考勤记录中没有无故连续一个月不上学（旷课）的情形，不能按辍学上报。"
        raise _violation("DROPOUT_NOT_ESTABLISHED", message, "第二十四条")
    return streak


class OtherLeavingGround(StrEnum):
    """第二十五条 (一) and (二)."""

    LEFT_UNREACHABLE = "LEFT_UNREACHABLE"
    LONG_SUSPENSION = "LONG_SUSPENSION"


@dataclass(frozen=True)
class OtherLeavingContext:
    """``left_on`` is the last day the student came (ground 一); the suspension
    dates are those of the unbroken suspension (ground 二)."""

    status: StudentStatus
    ground: OtherLeavingGround
    on: dt.date
    birth_date: dt.date
    reported_to_district: bool
    left_on: dt.date | None = None
    reason_given: bool = False
    reachable: bool = False
    suspension_start: dt.date | None = None
    suspension_end: dt.date | None = None


def _check_left_unreachable(ctx: OtherLeavingContext) -> None:
    if ctx.status is StudentStatus.SUSPENDED:
        message = "休学学生适用第二十五条第（二）项。"
        raise _violation("OTHER_LEAVING_GROUND_MISMATCH", message, ART_25, "ground")
    if ctx.left_on is None:
        message = "请填写学生离校日期。"
        raise _violation("OTHER_LEAVING_DATE_MISSING", message, ART_25, "leftOn")
    if ctx.reason_given:
        message = "离校前已告知原因的学生，不按“其他离校”处理。"
        raise _violation("OTHER_LEAVING_REASON_KNOWN", message, ART_25)
    if ctx.on <= add_months(ctx.left_on, UNREACHABLE_MONTHS):
        message = "离校时间超过3个月且联系不上的，方可置为“其他离校”。"
        raise _violation("OTHER_LEAVING_TOO_SOON", message, ART_25, "leftOn")
    if ctx.reachable:
        message = "仍能联系上的学生，不能置为“其他离校”，应督促其返校。"
        raise _violation("OTHER_LEAVING_STILL_REACHABLE", message, ART_25)


def _check_long_suspension(ctx: OtherLeavingContext) -> None:
    if ctx.status is not StudentStatus.SUSPENDED:
        message = "第二十五条第（二）项只适用于休学学生。"
        raise _violation("OTHER_LEAVING_GROUND_MISMATCH", message, ART_25, "ground")
    start, end = ctx.suspension_start, ctx.suspension_end
    if start is None or end is None:
        message = "请填写休学起止日期。"
        raise _violation(
            "OTHER_LEAVING_DATE_MISSING", message, ART_25, "suspensionStart"
        )
    over_three_years = ctx.on > add_months(start, LONG_SUSPENSION_MONTHS)
    adult_after_expiry = ctx.on > end and age_on(ctx.birth_date, ctx.on) >= ADULT_AGE
    if not (over_three_years or adult_after_expiry):
        message = (
            "连续休学超过3年不能复学，或休学期满且已满18周岁未能复学的，"
            "方可置为“其他离校”。"
        )
        code = "OTHER_LEAVING_SUSPENSION_GROUND_NOT_MET"
        raise _violation(code, message, ART_25)


def check_other_leaving(ctx: OtherLeavingContext) -> None:
    """第二十五条: the two grounds for the status 其他离校, set after the school has
    reported the case to the district. The school then issues a study certificate
    (学业证明) for the years completed."""
    transition(ctx.status, ChangeCategory.OTHER_LEAVING)
    if not ctx.reported_to_district:
        message = "须先将相关情况报区教育局，再置为“其他离校”。"
        raise _violation("OTHER_LEAVING_NOT_REPORTED", message, ART_25)
    if ctx.ground is OtherLeavingGround.LEFT_UNREACHABLE:
        _check_left_unreachable(ctx)
    else:
        _check_long_suspension(ctx)


@dataclass(frozen=True)
class ReentryContext:
    """A request to continue compulsory education after 其他离校. ``schooling_months``
    counts the months of compulsory education received."""

    status: StudentStatus
    on: dt.date
    birth_date: dt.date
    schooling_months: int
    household_district: str
    applied_district: str
    original_school_code: str
    placed_school_code: str


def check_reentry(ctx: ReentryContext) -> None:
    """第二十六条: under 18 and fewer than nine years of compulsory education; apply
    to the education bureau of the district of the 户籍, which places the student at
    the original school.

    Limitation: a merged or closed original school (第十二条) is not resolved here;
    the caller passes the school that took over as ``original_school_code``."""
    transition(ctx.status, ChangeCategory.REENTRY)
    if age_on(ctx.birth_date, ctx.on) >= ADULT_AGE:
        message = "已满18周岁，不能申请继续接受义务教育。"
        raise _violation("REENTRY_AGE_LIMIT", message, "第二十六条", "birthDate")
    if ctx.schooling_months >= COMPULSORY_MONTHS:
        message = "接受义务教育时间已满9年。"
        raise _violation(
            "REENTRY_SCHOOLING_COMPLETE", message, "第二十六条", "schoolingMonths"
        )
    if ctx.applied_district != ctx.household_district:
        message = "应向户籍所在区教育行政部门提出申请。"
        raise _violation("REENTRY_WRONG_DISTRICT", message, "第二十六条", "district")
    if ctx.placed_school_code != ctx.original_school_code:
        message = "重新入学应安排到原学校就读。"
        raise _violation(
            "REENTRY_NOT_ORIGINAL_SCHOOL", message, "第二十六条", "schoolCode"
        )


def reentry_steps(district_code: str, school_code: str) -> tuple[Step, ...]:
    """第二十六条: the district decides, then the original school takes the student."""
    return (
        Step("DISTRICT", Role.DISTRICT_OFFICER, district_code),
        Step("SCHOOL", Role.SCHOOL_LEADER, school_code),
    )
