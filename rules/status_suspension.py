"""Suspension (休学), its extension and resumption (复学), 第二十条 to 第二十三条."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from rules.attendance import SickLeaveTotals, suspension_threshold_met
from rules.calendar import SchoolKind, SchoolYear, add_months, check_grade
from rules.errors import RuleViolation
from rules.status import ChangeCategory, ChangeReason, StudentStatus, transition
from rules.status_workflow import Role, Step

# 第二十一条
DEFAULT_SUSPENSION_MONTHS = 12
MAX_CONTINUOUS_MONTHS = 24
MAX_APPLICATIONS = 2


class HospitalLevel(StrEnum):
    """The level of the hospital that signed a certificate, lowest first."""

    TOWNSHIP = "TOWNSHIP"
    COUNTY = "COUNTY"
    CITY = "CITY"
    PROVINCIAL = "PROVINCIAL"

    @property
    def rank(self) -> int:
        return list(HospitalLevel).index(self)


@dataclass(frozen=True)
class MedicalCertificate:
    hospital_level: HospitalLevel
    issued_on: dt.date


@dataclass(frozen=True)
class SuspensionPeriod:
    start: dt.date
    end: dt.date


def suspension_period(
    start: dt.date, months: int = DEFAULT_SUSPENSION_MONTHS
) -> SuspensionPeriod:
    """The days of a suspension of ``months`` from ``start`` (一般为一年,
    第二十一条)."""
    return SuspensionPeriod(start, add_months(start, months) - dt.timedelta(days=1))


def _violation(code: str, message: str, article: str, *path: str) -> RuleViolation:
    return RuleViolation(code, message, article=article, field=list(path) or None)


def check_certificate(certificate: MedicalCertificate | None, article: str) -> None:
    """A diagnosis from a hospital at city level or above (市级以上医院)."""
    if certificate is None:
        message = "因病休学、复学须提供市级以上医院的诊断证明。"
        code = "SUSPENSION_CERTIFICATE_MISSING"
        raise _violation(code, message, article, "certificate")
    if certificate.hospital_level.rank < HospitalLevel.CITY.rank:
        message = "诊断证明须由市级以上医院出具。"
        code = "SUSPENSION_CERTIFICATE_LEVEL"
        raise _violation(code, message, article, "certificate")


@dataclass(frozen=True)
class SuspensionContext:
    """An application for suspension. ``sick_leave`` comes from
    ``rules.attendance.sick_leave_totals`` over the attendance records, or, where the
    days are not on record, from the rest periods the certificate states.
    ``earlier_applications`` counts suspension applications already made in
    compulsory education (extensions are not applications)."""

    status: StudentStatus
    start: dt.date
    grade: int
    school_kind: SchoolKind
    school_year: SchoolYear
    reason: ChangeReason
    sick_leave: SickLeaveTotals
    certificate: MedicalCertificate | None
    earlier_applications: int
    months: int = DEFAULT_SUSPENSION_MONTHS


def check_suspension(ctx: SuspensionContext) -> SuspensionPeriod:
    """Refuses a suspension 第二十条 or 第二十一条 forbids; gives its period."""
    transition(ctx.status, ChangeCategory.SUSPEND)
    year = ctx.school_year
    if year.is_final_grade_second_term(ctx.grade, ctx.school_kind, ctx.start):
        message = "小学、初中毕业年级第二学期不允许休学。"
        raise _violation(
            "SUSPENSION_FINAL_GRADE_SECOND_TERM", message, "第二十一条", "start"
        )
    if ctx.earlier_applications >= MAX_APPLICATIONS:
        message = "义务教育阶段最多提出两次休学申请。"
        raise _violation("SUSPENSION_TOO_MANY_APPLICATIONS", message, "第二十一条")
    if not 1 <= ctx.months <= DEFAULT_SUSPENSION_MONTHS:
        message = "休学期限一般为一年；期满仍不能复学的，另行办理延期休学。"
        raise _violation("SUSPENSION_TERM_INVALID", message, "第二十一条", "months")

    if not ctx.reason.is_illness:
        message = "本办法只规定因病休学，请选择疾病类休学原因。"
        raise _violation("SUSPENSION_NOT_ILLNESS", message, "第二十条", "reason")
    if not suspension_threshold_met(ctx.sick_leave):
        message = "因病连续休息满一个月或累计休息满两个月，方可申请休学。"
        raise _violation("SUSPENSION_SICK_LEAVE_INSUFFICIENT", message, "第二十条")
    check_certificate(ctx.certificate, "第二十条")
    return suspension_period(ctx.start, ctx.months)


@dataclass(frozen=True)
class ExtensionContext:
    """An extension of a running suspension. ``continuous_start`` is the first day
    of the unbroken suspension the extension would prolong."""

    status: StudentStatus
    continuous_start: dt.date
    current_end: dt.date
    new_end: dt.date


def check_suspension_extension(ctx: ExtensionContext) -> SuspensionPeriod:
    """第二十一条: an extension lengthens the suspension; suspension in compulsory
    education may not run more than two years without a break.

    The text then tells a student who still cannot return to apply for an extension
    again, and 第二十五条 knows suspensions of more than three years; the hub reads
    that as: no extension passes two years, and a student who does not return is
    handled as truant (第二十一条) or as 其他离校 (第二十五条)."""
    transition(ctx.status, ChangeCategory.SUSPENSION_EXTEND)
    if ctx.new_end <= ctx.current_end:
        message = "延期后的休学截止日期应晚于原截止日期。"
        raise _violation(
            "SUSPENSION_EXTENSION_NOT_LATER", message, "第二十一条", "newEnd"
        )
    limit = add_months(ctx.continuous_start, MAX_CONTINUOUS_MONTHS)
    if ctx.new_end >= limit:
        last = limit - dt.timedelta(days=1)
        message = f"义务教育阶段连续休学不能超过两年，本次休学最迟至{last}。"
        raise _violation(
            "SUSPENSION_EXCEEDS_TWO_YEARS", message, "第二十一条", "newEnd"
        )
    return SuspensionPeriod(ctx.continuous_start, ctx.new_end)


@dataclass(frozen=True)
class ResumptionContext:
    """A return from suspension. ``grade_on_leaving`` is the grade the student was
    to continue in when the suspension began."""

    status: StudentStatus
    grade_on_leaving: int
    resume_grade: int
    school_kind: SchoolKind
    for_illness: bool
    certificate: MedicalCertificate | None


def check_resumption(ctx: ResumptionContext) -> None:
    """第二十三条: a written request, with a city-level hospital's certificate after
    a suspension for illness; 第二十二条: suspension is no back door to repeating a
    grade, so the student resumes in the grade left (a higher grade is a grade skip,
    第三十一条)."""
    transition(ctx.status, ChangeCategory.RESUME)
    check_grade(ctx.resume_grade, ctx.school_kind)
    if ctx.for_illness:
        check_certificate(ctx.certificate, "第二十三条")
    if ctx.resume_grade < ctx.grade_on_leaving:
        message = (
            f"严禁假借休学变相留级或插班重读：休学前为{ctx.grade_on_leaving}年级，"
            f"不能复学到{ctx.resume_grade}年级。"
        )
        raise _violation(
            "SUSPENSION_DISGUISED_REPEAT", message, "第二十二条", "resumeGrade"
        )
    if ctx.resume_grade > ctx.grade_on_leaving:
        message = "复学应回到休学前的年级；升入更高年级须按跳级办理。"
        raise _violation(
            "SUSPENSION_RESUME_ABOVE_GRADE", message, "第三十一条", "resumeGrade"
        )


def suspension_steps(school_code: str, district_code: str) -> tuple[Step, ...]:
    """第二十条: the school reviews, the district files and approves."""
    return (
        Step("SCHOOL", Role.SCHOOL_LEADER, school_code),
        Step("DISTRICT", Role.DISTRICT_OFFICER, district_code),
    )


def resumption_steps(school_code: str, district_code: str) -> tuple[Step, ...]:
    """第二十三条: the school and the district education bureau both agree."""
    return suspension_steps(school_code, district_code)
