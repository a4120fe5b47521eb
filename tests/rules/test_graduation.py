from datetime import date
from decimal import Decimal

import pytest

from rules.archive import ArchiveCategory, SchoolStage
from rules.errors import RuleViolation, RuleViolations
from rules.graduation import (
    ARCHIVE_CATEGORY,
    CertificateNumber,
    CourseResult,
    GraduationEligibility,
    ResultLevel,
    assert_eligible,
    assert_may_issue_certificate,
    check_certificate_proof,
    check_course_result,
    check_stamp,
    graduation_eligibility,
    is_certificate_valid,
    is_passed,
    is_proof_confirmed,
    latest_results,
    next_certificate_number,
    parse_certificate_number,
)

SCHOOL = "4403050012"
REQUIRED = ["语文", "数学", "英语", "体育与健康"]


def passing_results() -> list[CourseResult]:
    return [
        CourseResult("语文", 2025, 2, Decimal(88)),
        CourseResult("数学", 2025, 2, Decimal(60)),
        CourseResult("英语", 2025, 2, Decimal("75.5")),
        CourseResult("体育与健康", 2025, 2, level=ResultLevel.PASS),
    ]


def test_results_are_archived_as_academic() -> None:
    assert ARCHIVE_CATEGORY is ArchiveCategory.ACADEMIC_RESULTS


def test_result_level_labels() -> None:
    assert [lv.label for lv in ResultLevel] == ["合格", "不合格"]


def test_score_and_level_together_refused() -> None:
    result = CourseResult("数学", 2025, 1, Decimal(90), ResultLevel.PASS)
    with pytest.raises(RuleViolation) as caught:
        check_course_result(result)
    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "COURSE_RESULT_SHAPE_INVALID",
        ["score"],
        "第三十二条",
    )


def test_result_faults_are_refused_together() -> None:
    with pytest.raises(RuleViolations) as caught:
        check_course_result(CourseResult("数学", 2025, 3, Decimal("100.5")))
    assert [v.code for v in caught.value.violations] == [
        "COURSE_SCORE_OUT_OF_RANGE",
        "COURSE_TERM_INVALID",
    ]


@pytest.mark.parametrize("score", [Decimal(0), Decimal(100), 59])
def test_scores_within_range_accepted(score: Decimal | int) -> None:
    check_course_result(CourseResult("数学", 2025, 1, score))


@pytest.mark.parametrize(
    ("result", "passed"),
    [
        (CourseResult("数学", 2025, 1, Decimal(60)), True),
        (CourseResult("数学", 2025, 1, Decimal("59.5")), False),
        (CourseResult("数学", 2025, 1, level=ResultLevel.PASS), True),
        (CourseResult("数学", 2025, 1, level=ResultLevel.FAIL), False),
    ],
)
def test_pass_mark_is_sixty(result: CourseResult, passed: bool) -> None:
    assert is_passed(result) is passed


def test_pass_mark_is_a_parameter() -> None:
    assert (
        is_passed(CourseResult("数学", 2025, 1, Decimal(65)), pass_mark=Decimal(70))
        is False
    )


def test_retake_replaces_earlier_fail() -> None:
    first = CourseResult("数学", 2025, 2, Decimal(52))
    retake = CourseResult("数学", 2025, 2, Decimal(71), attempt=2)
    earlier = CourseResult("数学", 2024, 2, Decimal(95))
    assert latest_results([retake, first, earlier]) == {"数学": retake}


def test_all_passed_is_eligible() -> None:
    eligibility = graduation_eligibility(
        passing_results(), REQUIRED, studying=True, grade=9
    )
    assert eligibility == GraduationEligibility(True)
    assert_eligible(eligibility)


def test_missing_and_failed_courses_are_named() -> None:
    results = [*passing_results()[:2], CourseResult("英语", 2025, 2, Decimal(40))]
    eligibility = graduation_eligibility(results, REQUIRED, studying=True, grade=6)
    assert eligibility == GraduationEligibility(
        False, missing_courses=("体育与健康",), failed_courses=("英语",)
    )
    with pytest.raises(RuleViolation) as caught:
        assert_eligible(eligibility)
    assert caught.value.message == (
        "不符合颁发毕业证书的条件：缺少课程成绩：体育与健康；课程未合格：英语。"
    )


def test_c10_suspended_student_is_not_eligible() -> None:
    eligibility = graduation_eligibility(
        passing_results(), REQUIRED, studying=False, grade=9
    )
    with pytest.raises(RuleViolation) as caught:
        assert_eligible(eligibility)
    violation = caught.value
    assert (violation.code, violation.article, violation.field, violation.message) == (
        "NOT_ELIGIBLE",
        "第三十二条",
        ["studentId"],
        "不符合颁发毕业证书的条件：学生不在读（休学、离校等）。",
    )


def test_non_final_grade_is_not_eligible() -> None:
    eligibility = graduation_eligibility(
        passing_results(), REQUIRED, studying=True, grade=8
    )
    assert eligibility == GraduationEligibility(False, not_final_grade=True)


def test_first_certificate_number_of_year() -> None:
    assert next_certificate_number(SCHOOL, 2026, None) == "4403050012-2026-0001"


def test_next_number_follows_existing_max() -> None:
    assert [next_certificate_number(SCHOOL, 2026, n) for n in (0, 39, 998)] == [
        "4403050012-2026-0001",
        "4403050012-2026-0040",
        "4403050012-2026-0999",
    ]


def test_forty_numbers_are_unique() -> None:
    numbers = []
    highest = None
    for _ in range(40):
        number = next_certificate_number(SCHOOL, 2026, highest)
        numbers.append(number)
        highest = parse_certificate_number(number).sequence
    assert (len(set(numbers)), numbers[-1]) == (40, "4403050012-2026-0040")


def test_sequence_beyond_9999_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        next_certificate_number(SCHOOL, 2026, 9999)
    assert caught.value.code == "CERTIFICATE_SEQUENCE_EXHAUSTED"


@pytest.mark.parametrize(
    ("school", "year", "code"),
    [
        ("440305001", 2026, "SCHOOL_CODE_INVALID"),
        ("44030500AB", 2026, "SCHOOL_CODE_INVALID"),
        (SCHOOL, 26, "CERTIFICATE_YEAR_INVALID"),
    ],
)
def test_malformed_school_or_year_refused(school: str, year: int, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        next_certificate_number(school, year, None)
    assert caught.value.code == code


def test_certificate_number_round_trips() -> None:
    parsed = parse_certificate_number("4403050012-2026-0007")
    assert (parsed, str(parsed)) == (
        CertificateNumber(SCHOOL, 2026, 7),
        "4403050012-2026-0007",
    )


@pytest.mark.parametrize("text", ["4403050012-2026-7", "4403050012/2026/0007", "x"])
def test_malformed_certificate_number_refused(text: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_certificate_number(text)
    assert (caught.value.code, caught.value.field) == (
        "CERTIFICATE_NUMBER_INVALID",
        ["certificateNumber"],
    )


@pytest.mark.parametrize(
    ("stage", "stamped_on", "valid"),
    [
        (SchoolStage.JUNIOR, None, False),
        (SchoolStage.JUNIOR, date(2026, 7, 2), True),
        (SchoolStage.PRIMARY, None, True),
    ],
)
def test_junior_certificate_needs_district_stamp(
    stage: SchoolStage, stamped_on: date | None, valid: bool
) -> None:
    assert is_certificate_valid(stage, stamped_on) is valid


def test_stamp_needs_issued_unstamped_certificate() -> None:
    check_stamp(issued=True, stamped_on=None)
    codes = []
    for issued, stamped_on in [(False, None), (True, date(2026, 7, 2))]:
        with pytest.raises(RuleViolation) as caught:
            check_stamp(issued=issued, stamped_on=stamped_on)
        codes.append(caught.value.code)
    assert codes == ["CERTIFICATE_NOT_ISSUED", "CERTIFICATE_ALREADY_STAMPED"]


def test_lost_certificate_is_not_reissued() -> None:
    assert_may_issue_certificate(already_issued=False)
    with pytest.raises(RuleViolation) as caught:
        assert_may_issue_certificate(already_issued=True)
    assert (caught.value.code, caught.value.message) == (
        "CERTIFICATE_REISSUE_FORBIDDEN",
        "毕业证书不予补发，可由学校出具盖章证明，经区教育局审核确认。",
    )


def test_proof_needs_an_issued_certificate() -> None:
    check_certificate_proof(certificate_issued=True)
    with pytest.raises(RuleViolation) as caught:
        check_certificate_proof(certificate_issued=False)
    assert caught.value.code == "CERTIFICATE_NOT_ISSUED"


@pytest.mark.parametrize(
    ("sealed", "confirmed_on", "confirmed"),
    [
        (True, date(2026, 9, 1), True),
        (True, None, False),
        (False, date(2026, 9, 1), False),
    ],
)
def test_proof_needs_seal_and_confirmation(
    sealed: bool, confirmed_on: date | None, confirmed: bool
) -> None:
    assert (
        is_proof_confirmed(school_sealed=sealed, district_confirmed_on=confirmed_on)
        is confirmed
    )
