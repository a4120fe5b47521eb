"""Academic results and graduation certificates (学业成绩、毕业, 第三十二条).

Course results go to archive category 第十一条（七）. A certificate is issued by the
school to a student who finished every required course with a pass; the district
checks and stamps it, and a junior-high certificate without the district's stamp is
not valid. A lost certificate is never reissued: the school writes a sealed proof
that the district confirms.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from rules.archive import ArchiveCategory, SchoolStage, raise_collected
from rules.errors import RuleViolation

ARCHIVE_CATEGORY = ArchiveCategory.ACADEMIC_RESULTS
ARTICLE = "第三十二条"

# Limitation: 第三十二条 says "考试成绩全部合格" without a pass mark; 60 of 100 is the
# common convention and is a parameter of every function that needs it.
PASS_MARK = Decimal(60)
MAX_SCORE = Decimal(100)
FINAL_GRADES = (6, 9)

SCHOOL_CODE = re.compile(r"\d{10}")
CERTIFICATE_NUMBER = re.compile(r"(?P<school>\d{10})-(?P<year>\d{4})-(?P<seq>\d{4})")
MAX_SEQUENCE = 9999


class ResultLevel(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"

    @property
    def label(self) -> str:
        return "合格" if self is ResultLevel.PASS else "不合格"


@dataclass(frozen=True)
class CourseResult:
    """One course's result in one term: a score of 0–100 or a pass/fail level.

    ``attempt`` orders a re-examination (补考) after the first sitting of a term.
    """

    course: str
    school_year: int
    term: int
    score: Decimal | int | None = None
    level: ResultLevel | None = None
    attempt: int = 1


@dataclass(frozen=True)
class GraduationEligibility:
    eligible: bool
    not_studying: bool = False
    not_final_grade: bool = False
    missing_courses: tuple[str, ...] = ()
    failed_courses: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertificateNumber:
    school_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.school_code}-{self.year}-{self.sequence:04d}"


def check_course_result(result: CourseResult) -> None:
    """Refuse a result with both or neither of score and level, or a score off 0–100."""
    violations: list[RuleViolation] = []
    if (result.score is None) == (result.level is None):
        message = "课程成绩应填写分数或合格等级，二者取其一。"
        violations.append(
            _result_violation("COURSE_RESULT_SHAPE_INVALID", message, "score")
        )
    if result.score is not None and not 0 <= result.score <= MAX_SCORE:
        message = f"课程分数应在0至100之间，收到 {result.score}。"
        violations.append(
            _result_violation("COURSE_SCORE_OUT_OF_RANGE", message, "score")
        )
    if result.term not in (1, 2):
        violations.append(
            _result_violation("COURSE_TERM_INVALID", "学期应为1或2。", "term")
        )
    raise_collected(violations)


def _result_violation(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article=ARTICLE, field=[field])


def is_passed(result: CourseResult, *, pass_mark: Decimal = PASS_MARK) -> bool:
    """合格: level PASS, or a score at or above the pass mark (第三十二条)."""
    if result.level is not None:
        return result.level is ResultLevel.PASS
    return result.score is not None and result.score >= pass_mark


def latest_results(results: Iterable[CourseResult]) -> dict[str, CourseResult]:
    """Each course's latest result: a later term or re-examination replaces earlier."""
    latest: dict[str, CourseResult] = {}
    for result in sorted(results, key=lambda r: (r.school_year, r.term, r.attempt)):
        latest[result.course] = result
    return latest


def graduation_eligibility(
    results: Iterable[CourseResult],
    required_courses: Collection[str],
    *,
    studying: bool,
    grade: int,
    pass_mark: Decimal = PASS_MARK,
) -> GraduationEligibility:
    """Whether a student may get a graduation certificate (第三十二条).

    Every required course must have a passing latest result; the student must be
    studying (在读 — not suspended, left or dead) and in a final grade (6 or 9).
    """
    latest = latest_results(results)
    missing = tuple(sorted(c for c in required_courses if c not in latest))
    failed = tuple(
        sorted(
            c
            for c in required_courses
            if c in latest and not is_passed(latest[c], pass_mark=pass_mark)
        )
    )
    not_final = grade not in FINAL_GRADES
    eligible = studying and not not_final and not missing and not failed
    return GraduationEligibility(eligible, not studying, not_final, missing, failed)


def assert_eligible(eligibility: GraduationEligibility) -> None:
    """Refuse with ``NOT_ELIGIBLE`` naming every reason (第三十二条)."""
    if eligibility.eligible:
        return
    reasons = []
    if eligibility.not_studying:
        reasons.append("学生不在读（休学、离校等）")
    if eligibility.not_final_grade:
        reasons.append("学生不在毕业年级")
    if eligibility.missing_courses:
        reasons.append(f"缺少课程成绩：{'、'.join(eligibility.missing_courses)}")
    if eligibility.failed_courses:
        reasons.append(f"课程未合格：{'、'.join(eligibility.failed_courses)}")
    raise RuleViolation(
        "NOT_ELIGIBLE",
        f"不符合颁发毕业证书的条件：{'；'.join(reasons)}。",
        article=ARTICLE,
        field=["studentId"],
    )


def next_certificate_number(
    school_code: str, year: int, existing_max_seq: int | None
) -> str:
    """The next number, ``{school code}-{year}-{seq:04d}``, unique in school and year.

    ``existing_max_seq`` is the highest sequence already issued by the school that
    year (``None`` or 0 when none). The caller must read it and insert the new number
    in one transaction guarded by a unique constraint.
    """
    if not SCHOOL_CODE.fullmatch(school_code):
        raise RuleViolation(
            "SCHOOL_CODE_INVALID", "学校标识码应为10位数字。", field=["schoolCode"]
        )
    if not 1000 <= year <= 9999:
        raise RuleViolation(
            "CERTIFICATE_YEAR_INVALID",
            f"毕业年份应为四位数，收到 {year}。",
            field=["year"],
        )
    sequence = (existing_max_seq or 0) + 1
    if sequence > MAX_SEQUENCE:
        raise RuleViolation(
            "CERTIFICATE_SEQUENCE_EXHAUSTED",
            f"本校{year}年毕业证书编号已用完。",
            article=ARTICLE,
        )
    return str(CertificateNumber(school_code, year, sequence))


def parse_certificate_number(text: str) -> CertificateNumber:
    """Read a number written by ``next_certificate_number`` (第三十二条)."""
    match = CERTIFICATE_NUMBER.fullmatch(text)
    if match is None:
        raise RuleViolation(
            "CERTIFICATE_NUMBER_INVALID",
            "毕业证书编号格式应为“学校标识码-年份-四位序号”。",
            article=ARTICLE,
            field=["certificateNumber"],
        )
    return CertificateNumber(match["school"], int(match["year"]), int(match["seq"]))


def is_certificate_valid(stage: SchoolStage, stamped_on: date | None) -> bool:
    """初中毕业证书无教育行政部门钢印无效; a primary certificate needs no stamp."""
    return stage is SchoolStage.PRIMARY or stamped_on is not None


def check_stamp(*, issued: bool, stamped_on: date | None) -> None:
    """The district stamps an issued certificate once (第四条、第三十二条)."""
    if not issued:
        raise RuleViolation(
            "CERTIFICATE_NOT_ISSUED", "毕业证书尚未颁发，不能验印。", article=ARTICLE
        )
    if stamped_on is not None:
        raise RuleViolation(
            "CERTIFICATE_ALREADY_STAMPED", "该毕业证书已验印。", article=ARTICLE
        )


def assert_may_issue_certificate(*, already_issued: bool) -> None:
    """A student gets one certificate; a lost one is not reissued (第三十二条).

    The school may write a sealed proof instead (``check_certificate_proof``).
    A repeated request with the same ``clientRequestId`` is answered by the resolver
    with the first certificate before this rule is reached.
    """
    if not already_issued:
        return
    raise RuleViolation(
        "CERTIFICATE_REISSUE_FORBIDDEN",
        "毕业证书不予补发，可由学校出具盖章证明，经区教育局审核确认。",
        article=ARTICLE,
    )


def check_certificate_proof(*, certificate_issued: bool) -> None:
    """A proof replaces a lost certificate, so the certificate must have been issued."""
    if certificate_issued:
        return
    raise RuleViolation(
        "CERTIFICATE_NOT_ISSUED",
        "未颁发过毕业证书，不能出具毕业证明。",
        article=ARTICLE,
    )


def is_proof_confirmed(
    *, school_sealed: bool, district_confirmed_on: date | None
) -> bool:
    """A proof counts once sealed by the school and confirmed by the district."""
    return school_sealed and district_confirmed_on is not None
