"""Rewards and discipline (奖励和处分, 第二十九、三十条).

Awards go to archive category 第十一条（五）. Sanctions are kept in the personal file
(conduct class) until revoked; 第三十条 takes a revoked sanction out of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from rules.archive import ArchiveCategory, check_grade, raise_collected
from rules.errors import RuleViolation

AWARD_CATEGORY = ArchiveCategory.AWARDS
DISCIPLINE_RULES = "《中小学教育惩戒规则（试行）》"

# The national discipline rules allow 留校察看 from upper primary (小学高年级) on; the
# hub reads upper primary as grades 5–6. Callers may pass another bound.
PROBATION_MIN_GRADE = 5

# Titles that 第二十九条 ties to democratic review, council approval and posting,
# "at every level" (各级): a title containing one of these names needs the review.
REVIEWED_TITLES = ("三好学生", "优秀学生干部", "优秀少先队员", "优秀少先队队长")

# Spellings of expulsion or forced withdrawal that a client might send.
_EXPULSION_CODES = ("EXPULSION", "EXPEL", "EXPELLED", "DISMISSAL", "FORCED_WITHDRAWAL")
_EXPULSION_WORDS = ("开除", "开除学籍", "勒令退学", "劝退")
_EXPULSION_NAMES = frozenset(_EXPULSION_CODES + _EXPULSION_WORDS)


class AwardForm(StrEnum):
    PUBLIC_PRAISE = "PUBLIC_PRAISE"
    CIRCULATED_PRAISE = "CIRCULATED_PRAISE"
    CERTIFICATE_OR_MEDAL = "CERTIFICATE_OR_MEDAL"
    HONORARY_TITLE = "HONORARY_TITLE"

    @property
    def label(self) -> str:
        return _FORM_LABELS[self]


class AwardLevel(StrEnum):
    SCHOOL = "SCHOOL"
    DISTRICT = "DISTRICT"
    CITY = "CITY"
    PROVINCE = "PROVINCE"
    NATIONAL = "NATIONAL"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        """0 for school level up to 4 for national level."""
        return list(AwardLevel).index(self)


class SanctionKind(StrEnum):
    WARNING = "WARNING"
    SERIOUS_WARNING = "SERIOUS_WARNING"
    DEMERIT = "DEMERIT"
    PROBATION = "PROBATION"

    @property
    def label(self) -> str:
        return _SANCTION_LABELS[self]


_FORM_LABELS = {
    AwardForm.PUBLIC_PRAISE: "公开表扬",
    AwardForm.CIRCULATED_PRAISE: "通报表扬",
    AwardForm.CERTIFICATE_OR_MEDAL: "发奖状（章）",
    AwardForm.HONORARY_TITLE: "授予荣誉称号",
}
_LEVEL_LABELS = {
    AwardLevel.SCHOOL: "校级",
    AwardLevel.DISTRICT: "区级",
    AwardLevel.CITY: "市级",
    AwardLevel.PROVINCE: "省级",
    AwardLevel.NATIONAL: "国家级",
}
_SANCTION_LABELS = {
    SanctionKind.WARNING: "警告",
    SanctionKind.SERIOUS_WARNING: "严重警告",
    SanctionKind.DEMERIT: "记过",
    SanctionKind.PROBATION: "留校察看",
}


@dataclass(frozen=True)
class AwardReview:
    """The three steps 第二十九条 asks before a reviewed title is conferred."""

    democratic_review_on: date | None = None
    council_approved_on: date | None = None
    posted_on: date | None = None


@dataclass(frozen=True)
class Award:
    form: AwardForm
    level: AwardLevel
    awarded_on: date
    title: str | None = None
    review: AwardReview | None = None


@dataclass(frozen=True)
class Sanction:
    kind: SanctionKind
    decided_on: date
    revoked_on: date | None = None


def needs_review(title: str | None) -> bool:
    """Whether a title is one of the reviewed honours of 第二十九条, at any level."""
    return title is not None and any(name in title for name in REVIEWED_TITLES)


def check_award(award: Award) -> None:
    """Check an award before it enters the archive (第二十九条).

    An honorary title must be named (``AWARD_TITLE_MISSING``). 三好学生,
    优秀学生干部, 优秀少先队员 and 优秀少先队队长 at any level need the student
    democratic review, the school council's approval and the public posting, in
    that order and before the award (``AWARD_REVIEW_MISSING``,
    ``AWARD_REVIEW_OUT_OF_ORDER``).
    """
    if award.form is AwardForm.HONORARY_TITLE and not (award.title or "").strip():
        raise _award_violation(
            "AWARD_TITLE_MISSING", "授予荣誉称号须写明称号。", "title"
        )
    if not needs_review(award.title):
        return
    review = award.review or AwardReview()
    steps = (
        ("学生民主评议推选", review.democratic_review_on),
        ("校务会议或行政扩大会议讨论通过", review.council_approved_on),
        ("在学校和社区张榜公示", review.posted_on),
    )
    missing = [name for name, day in steps if day is None]
    if missing:
        message = f"授予“{award.title}”称号缺少：{'、'.join(missing)}。"
        raise _award_violation("AWARD_REVIEW_MISSING", message, "review")
    days = [day for _, day in steps if day is not None]
    if days != sorted(days) or days[-1] > award.awarded_on:
        message = "应先民主评议，再会议通过，再张榜公示，然后授予称号。"
        raise _award_violation("AWARD_REVIEW_OUT_OF_ORDER", message, "review")


def _award_violation(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article="第二十九条", field=[field])


def requires_electronic_record(award: Award) -> bool:
    """Whether an honour must be in the electronic 学籍 system (第二十九条).

    District level and higher: 及时将区级以上的荣誉录入到电子学籍系统中.
    """
    return award.level.rank >= AwardLevel.DISTRICT.rank


def check_electronic_record(award: Award, *, in_electronic_record: bool) -> None:
    """Refuse a district-or-higher honour missing from the electronic record."""
    if in_electronic_record or not requires_electronic_record(award):
        return
    raise RuleViolation(
        "AWARD_NOT_IN_ELECTRONIC_RECORD",
        f"{award.level.label}荣誉应及时录入电子学籍系统。",
        article="第二十九条",
    )


def parse_sanction_kind(value: str) -> SanctionKind:
    """Read a sanction kind; expulsion in any spelling is refused (第三十条)."""
    if value.strip().upper() in _EXPULSION_NAMES:
        raise RuleViolation(
            "EXPULSION_FORBIDDEN",
            "义务教育阶段学校不得以任何理由开除学生或勒令学生退学。",
            article="第三十条",
            field=["kind"],
        )
    try:
        return SanctionKind(value)
    except ValueError:
        raise RuleViolation(
            "SANCTION_KIND_UNKNOWN",
            "处分种类应为警告、严重警告、记过或留校察看。",
            article="第三十条",
            field=["kind"],
        ) from None


def check_sanction(
    kind: SanctionKind, grade: int, *, probation_min_grade: int = PROBATION_MIN_GRADE
) -> None:
    """Check a new sanction: 留校察看 only from ``probation_min_grade`` on.

    第三十条 names 警告、严重警告、记过; the national discipline rules add 留校察看 for
    upper primary and junior high (DOMAIN convention), never expulsion.
    """
    check_grade(grade)
    if kind is not SanctionKind.PROBATION or grade >= probation_min_grade:
        return
    raise RuleViolation(
        "SANCTION_NOT_ALLOWED_FOR_GRADE",
        f"留校察看仅适用于{probation_min_grade}年级及以上学生。",
        article=DISCIPLINE_RULES,
        field=["kind"],
    )


def revoke_sanction(
    sanction: Sanction,
    *,
    peer_review_on: date | None,
    school_approved_on: date | None,
    revoked_on: date,
) -> Sanction:
    """The sanction revoked after 师生评议 and school approval (第三十条).

    Refuses a sanction already revoked (``SANCTION_ALREADY_REVOKED``), a missing
    review step (``SANCTION_REVOCATION_REVIEW_MISSING``) and dates out of order
    (``SANCTION_REVOCATION_DATE_INVALID``).
    """
    if sanction.revoked_on is not None:
        raise _revocation("SANCTION_ALREADY_REVOKED", "该处分已撤销。", "sanctionId")
    violations: list[RuleViolation] = []
    if peer_review_on is None:
        message = "撤销处分须经师生评议。"
        violations.append(_revocation(_REVIEW_MISSING, message, "peerReviewOn"))
    if school_approved_on is None:
        message = "撤销处分须经学校批准。"
        violations.append(_revocation(_REVIEW_MISSING, message, "schoolApprovedOn"))
    raise_collected(violations)

    days = [sanction.decided_on, peer_review_on, school_approved_on, revoked_on]
    if days != sorted(d for d in days if d is not None):
        message = "处分决定、师生评议、学校批准和撤销的日期顺序不正确。"
        raise _revocation("SANCTION_REVOCATION_DATE_INVALID", message, "revokedOn")
    return replace(sanction, revoked_on=revoked_on)


_REVIEW_MISSING = "SANCTION_REVOCATION_REVIEW_MISSING"


def _revocation(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article="第三十条", field=[field])


def is_active_sanction(sanction: Sanction, on_date: date) -> bool:
    """Whether the student is under this sanction on a date (第十三条（二）).

    Active from the decision date until the day before revocation.
    """
    # Limitation: no time limit (处分期限) for sanctions was found, so a sanction
    # stays active until it is revoked; add an expiry per kind once a source is known.
    if on_date < sanction.decided_on:
        return False
    return sanction.revoked_on is None or on_date < sanction.revoked_on


def personal_file_sanctions(sanctions: Iterable[Sanction]) -> list[Sanction]:
    """The sanctions kept in the personal file; revoked ones leave it (第三十条)."""
    return [s for s in sanctions if s.revoked_on is None]
