from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from rules.attendance import (
    AbsenceRun,
    AttendanceKind,
    AttendanceRecord,
    SickLeaveTotals,
    sick_leave_totals,
)
from rules.calendar import SchoolKind, SchoolYear
from rules.errors import RuleViolation
from rules.status import ChangeReason, StudentStatus
from rules.status_suspension import (
    ExtensionContext,
    HospitalLevel,
    MedicalCertificate,
    ResumptionContext,
    SuspensionContext,
    SuspensionPeriod,
    check_resumption,
    check_suspension,
    check_suspension_extension,
    resumption_steps,
    suspension_period,
)
from rules.status_workflow import Role, Step

D = dt.date
CITY_CERTIFICATE = MedicalCertificate(HospitalLevel.CITY, D(2025, 11, 20))
MONTH_OF_SICK_LEAVE = SickLeaveTotals(
    AbsenceRun(D(2025, 10, 13), D(2025, 11, 12), 23), 31
)


def school_year_2025() -> SchoolYear:
    return SchoolYear.from_terms(
        "210311", (D(2025, 9, 1), D(2026, 1, 16)), (D(2026, 3, 2), D(2026, 7, 10))
    )


def context(**changes: Any) -> SuspensionContext:
    base = SuspensionContext(
        status=StudentStatus.STUDYING,
        start=D(2025, 11, 24),
        grade=4,
        school_kind=SchoolKind.PRIMARY,
        school_year=school_year_2025(),
        reason=ChangeReason.ILLNESS_OTHER,
        sick_leave=MONTH_OF_SICK_LEAVE,
        certificate=CITY_CERTIFICATE,
        earlier_applications=0,
    )
    return dataclasses.replace(base, **changes)


def refusal_of(ctx: SuspensionContext) -> tuple[str, str | None]:
    with pytest.raises(RuleViolation) as caught:
        check_suspension(ctx)
    return caught.value.code, caught.value.article


def test_suspension_lasts_one_year_by_default() -> None:
    assert check_suspension(context()) == SuspensionPeriod(
        D(2025, 11, 24), D(2026, 11, 23)
    )


def test_shorter_suspension_period() -> None:
    assert suspension_period(D(2026, 3, 2), 6) == SuspensionPeriod(
        D(2026, 3, 2), D(2026, 9, 1)
    )


def test_accumulated_two_months_sick_leave_qualifies() -> None:
    totals = SickLeaveTotals(AbsenceRun(D(2025, 10, 13), D(2025, 10, 24), 10), 60)

    assert check_suspension(context(sick_leave=totals)).start == D(2025, 11, 24)


def test_sick_leave_from_attendance_records() -> None:
    school_days = [D(2025, 10, 13) + dt.timedelta(days=i) for i in range(40)]
    school_days = [d for d in school_days if d.weekday() < 5]
    records = [
        AttendanceRecord("s1", d, AttendanceKind.SICK_LEAVE) for d in school_days[:23]
    ]
    totals = sick_leave_totals(records, "s1", school_days=school_days)

    assert check_suspension(context(sick_leave=totals)).end == D(2026, 11, 23)


def test_short_sick_leave_refused() -> None:
    totals = SickLeaveTotals(AbsenceRun(D(2025, 10, 13), D(2025, 11, 10), 21), 29)

    assert refusal_of(context(sick_leave=totals)) == (
        "SUSPENSION_SICK_LEAVE_INSUFFICIENT",
        "第二十条",
    )


def test_missing_certificate_refused() -> None:
    assert refusal_of(context(certificate=None)) == (
        "SUSPENSION_CERTIFICATE_MISSING",
        "第二十条",
    )


def test_county_hospital_certificate_refused() -> None:
    certificate = MedicalCertificate(HospitalLevel.COUNTY, D(2025, 11, 20))

    assert refusal_of(context(certificate=certificate)) == (
        "SUSPENSION_CERTIFICATE_LEVEL",
        "第二十条",
    )


def test_provincial_hospital_certificate_accepted() -> None:
    certificate = MedicalCertificate(HospitalLevel.PROVINCIAL, D(2025, 11, 20))

    assert check_suspension(context(certificate=certificate)).start == D(2025, 11, 24)


def test_non_illness_reason_refused() -> None:
    assert refusal_of(context(reason=ChangeReason.OTHER)) == (
        "SUSPENSION_NOT_ILLNESS",
        "第二十条",
    )


def test_third_application_refused() -> None:
    assert refusal_of(context(earlier_applications=2)) == (
        "SUSPENSION_TOO_MANY_APPLICATIONS",
        "第二十一条",
    )


def test_no_suspension_final_grade_second_term() -> None:
    ctx = context(grade=6, start=D(2026, 3, 16))

    assert refusal_of(ctx) == ("SUSPENSION_FINAL_GRADE_SECOND_TERM", "第二十一条")


def test_longer_than_a_year_refused() -> None:
    assert refusal_of(context(months=18)) == ("SUSPENSION_TERM_INVALID", "第二十一条")


def test_suspended_student_cannot_suspend_again() -> None:
    assert refusal_of(context(status=StudentStatus.SUSPENDED)) == (
        "ILLEGAL_STATUS_TRANSITION",
        None,
    )


def extension(**changes: Any) -> ExtensionContext:
    base = ExtensionContext(
        status=StudentStatus.SUSPENDED,
        continuous_start=D(2025, 11, 24),
        current_end=D(2026, 11, 23),
        new_end=D(2027, 11, 23),
    )
    return dataclasses.replace(base, **changes)


def test_extension_up_to_two_years() -> None:
    assert check_suspension_extension(extension()) == SuspensionPeriod(
        D(2025, 11, 24), D(2027, 11, 23)
    )


def test_extension_past_two_years_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_suspension_extension(extension(new_end=D(2027, 11, 24)))

    assert (caught.value.code, caught.value.article, caught.value.message) == (
        "SUSPENSION_EXCEEDS_TWO_YEARS",
        "第二十一条",
        "义务教育阶段连续休学不能超过两年，本次休学最迟至2027-11-23。",
    )


def test_extension_must_end_later() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_suspension_extension(extension(new_end=D(2026, 11, 23)))

    assert caught.value.code == "SUSPENSION_EXTENSION_NOT_LATER"


def test_studying_student_cannot_extend() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_suspension_extension(extension(status=StudentStatus.STUDYING))

    assert caught.value.code == "ILLEGAL_STATUS_TRANSITION"


def resumption(**changes: Any) -> ResumptionContext:
    base = ResumptionContext(
        status=StudentStatus.SUSPENDED,
        grade_on_leaving=4,
        resume_grade=4,
        school_kind=SchoolKind.PRIMARY,
        for_illness=True,
        certificate=CITY_CERTIFICATE,
    )
    return dataclasses.replace(base, **changes)


def test_resumption_into_grade_left() -> None:
    check_resumption(resumption())


def test_resumption_below_grade_is_disguised_repeat() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_resumption(resumption(resume_grade=3))

    assert (caught.value.code, caught.value.article, caught.value.field) == (
        "SUSPENSION_DISGUISED_REPEAT",
        "第二十二条",
        ["resumeGrade"],
    )


def test_resumption_above_grade_needs_skip() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_resumption(resumption(resume_grade=5))

    assert (caught.value.code, caught.value.article) == (
        "SUSPENSION_RESUME_ABOVE_GRADE",
        "第三十一条",
    )


def test_illness_resumption_needs_certificate() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_resumption(resumption(certificate=None))

    assert (caught.value.code, caught.value.article) == (
        "SUSPENSION_CERTIFICATE_MISSING",
        "第二十三条",
    )


def test_resumption_steps_school_then_district() -> None:
    assert resumption_steps("2103110001", "210311") == (
        Step("SCHOOL", Role.SCHOOL_LEADER, "2103110001"),
        Step("DISTRICT", Role.DISTRICT_OFFICER, "210311"),
    )
