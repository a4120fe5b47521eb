"""Entry age for grade 1 and deferred entry (第六、七、九条; DOMAIN §10).

A child may start grade 1 in school year N (autumn N) when born on or before the cutoff
day of N−6 (31 August by default, the usual Liaoning rule — a setting). Everything is
computed from the school year asked, never from the clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rules.errors import RuleViolation

ENTRY_ARTICLE = "第六条"
DEFERRAL_ARTICLE = "第七条"
SPECIAL_EDUCATION_ARTICLE = "第九条"
ENTRY_AGE = 6


def age_on(birth_date: date, as_of: date) -> int:
    """Completed years (周岁) on ``as_of``; negative before birth.

    The birthday counts from its own day; a 29 February birthday counts from 1 March
    in years without that day.
    """
    years = as_of.year - birth_date.year
    if (as_of.month, as_of.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def cutoff_date(year: int, month: int = 8, day: int = 31) -> date:
    """The cutoff day in ``year``, moved to the month's last day if it has none."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


class Eligibility(StrEnum):
    """Whether a child may start grade 1 in the school year asked."""

    ELIGIBLE = "ELIGIBLE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"


@dataclass(frozen=True)
class EligibilityReason:
    """Why the answer is what it is (a code clients switch on, Chinese, article)."""

    code: str
    message: str
    article: str


@dataclass(frozen=True)
class EnrolmentEligibility:
    """The answer for one child and one school year.

    ``latest_birth_date`` is the last birth date admitted normally; ``age_at_cutoff``
    is the child's age on that year's cutoff day (31 August N by default).
    """

    status: Eligibility
    reasons: tuple[EligibilityReason, ...]
    needs_approval: bool
    school_year: int
    latest_birth_date: date
    age_at_cutoff: int


_REASONS: Mapping[str, EligibilityReason] = {
    reason.code: reason
    for reason in (
        EligibilityReason(
            "UNDER_AGE",
            "未满六周岁，提前入学须经区教育局批准。",
            ENTRY_ARTICLE,
        ),
        EligibilityReason(
            "OVER_AGE",
            "已超过七周岁入学年龄，须经区教育局批准安排入学。",
            ENTRY_ARTICLE,
        ),
        EligibilityReason(
            "LATE_ENTRY",
            "七周岁入学，未办理缓学手续；应督促入学。",
            ENTRY_ARTICLE,
        ),
        EligibilityReason(
            "DEFERRED_ENTRY",
            "已批准延缓入学，本学年入学。",
            DEFERRAL_ARTICLE,
        ),
        EligibilityReason(
            "SPECIAL_EDUCATION_AGE_RELAXED",
            "特殊教育学校入学年龄适当放宽。",
            SPECIAL_EDUCATION_ARTICLE,
        ),
    )
}


def _decide(
    birth_date: date,
    latest: date,
    month: int,
    day: int,
    *,
    special_education: bool,
    deferral_approved: bool,
) -> tuple[Eligibility, str | None]:
    if birth_date > latest:
        return Eligibility.NOT_ELIGIBLE, "UNDER_AGE"
    if birth_date > cutoff_date(latest.year - 1, month, day):
        return Eligibility.ELIGIBLE, None
    if deferral_approved:
        return Eligibility.ELIGIBLE, "DEFERRED_ENTRY"
    if birth_date > cutoff_date(latest.year - 2, month, day):
        return Eligibility.ELIGIBLE, "LATE_ENTRY"
    if special_education:
        return Eligibility.ELIGIBLE, "SPECIAL_EDUCATION_AGE_RELAXED"
    return Eligibility.NOT_ELIGIBLE, "OVER_AGE"


def enrolment_eligibility(
    birth_date: date,
    school_year: int,
    *,
    cutoff_month: int = 8,
    cutoff_day: int = 31,
    special_education: bool = False,
    deferral_approved: bool = False,
) -> EnrolmentEligibility:
    """May the child start grade 1 in ``school_year``? (第六、七、九条; DOMAIN §10)

    Born after the cutoff of N−6: NOT_ELIGIBLE, UNDER_AGE, needs approval. Aged six:
    ELIGIBLE. Aged seven: ELIGIBLE (DEFERRED_ENTRY if a deferral was approved, else
    LATE_ENTRY). Older: ELIGIBLE after an approved deferral or in special education
    (第九条 relaxes the age), else NOT_ELIGIBLE, OVER_AGE, needs approval.
    """
    latest = cutoff_date(school_year - ENTRY_AGE, cutoff_month, cutoff_day)
    status, code = _decide(
        birth_date,
        latest,
        cutoff_month,
        cutoff_day,
        special_education=special_education,
        deferral_approved=deferral_approved,
    )
    age = age_on(birth_date, cutoff_date(school_year, cutoff_month, cutoff_day))
    return EnrolmentEligibility(
        status=status,
        reasons=(_REASONS[code],) if code is not None else (),
        needs_approval=status is Eligibility.NOT_ELIGIBLE,
        school_year=school_year,
        latest_birth_date=latest,
        age_at_cutoff=age,
    )


def check_deferral_application(
    birth_date: date,
    school_year: int,
    *,
    health_related: bool,
    cutoff_month: int = 8,
    cutoff_day: int = 31,
) -> None:
    """A guardian may ask to defer entry for a child of entry age, on health grounds.

    第七条: 因身体状况需要延缓入学的 — refuses DEFERRAL_NOT_NEEDED for a child not yet
    of entry age in ``school_year`` and DEFERRAL_REASON_NOT_HEALTH otherwise.
    """
    latest = cutoff_date(school_year - ENTRY_AGE, cutoff_month, cutoff_day)
    if birth_date > latest:
        raise RuleViolation(
            "DEFERRAL_NOT_NEEDED",
            "该儿童本学年未到入学年龄，无需申请延缓入学。",
            article=DEFERRAL_ARTICLE,
            field=["birthDate"],
        )
    if not health_related:
        raise RuleViolation(
            "DEFERRAL_REASON_NOT_HEALTH",
            "延缓入学仅限因身体状况需要的情形。",
            article=DEFERRAL_ARTICLE,
            field=["reason"],
        )


class DeferralState(StrEnum):
    """A deferral application: at the school, with the district, or closed."""

    APPLIED = "APPLIED"
    FORWARDED = "FORWARDED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class DeferralAction(StrEnum):
    """FORWARD (school), APPROVE or REJECT (district), WITHDRAW (guardian)."""

    FORWARD = "FORWARD"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    WITHDRAW = "WITHDRAW"


_DEFERRAL_STEPS: Mapping[tuple[DeferralState, DeferralAction], DeferralState] = {
    (DeferralState.APPLIED, DeferralAction.FORWARD): DeferralState.FORWARDED,
    (DeferralState.APPLIED, DeferralAction.WITHDRAW): DeferralState.WITHDRAWN,
    (DeferralState.FORWARDED, DeferralAction.APPROVE): DeferralState.APPROVED,
    (DeferralState.FORWARDED, DeferralAction.REJECT): DeferralState.REJECTED,
    (DeferralState.FORWARDED, DeferralAction.WITHDRAW): DeferralState.WITHDRAWN,
}
_CLOSED = frozenset(
    {DeferralState.APPROVED, DeferralState.REJECTED, DeferralState.WITHDRAWN}
)


def next_deferral_state(
    current: DeferralState, action: DeferralAction
) -> DeferralState:
    """The state after ``action`` (第七条: the school forwards, the district decides).

    Refuses DEFERRAL_ALREADY_CLOSED on a decided or withdrawn application,
    DEFERRAL_NOT_FORWARDED when a decision comes before the school forwarded it
    (the school itself cannot approve or reject), and DEFERRAL_ALREADY_FORWARDED.
    """
    following = _DEFERRAL_STEPS.get((current, action))
    if following is not None:
        return following
    if current in _CLOSED:
        raise RuleViolation(
            "DEFERRAL_ALREADY_CLOSED",
            "该延缓入学申请已办结。",
            article=DEFERRAL_ARTICLE,
        )
    if current is DeferralState.APPLIED:
        raise RuleViolation(
            "DEFERRAL_NOT_FORWARDED",
            "延缓入学申请须由学校报区教育局批准。",
            article=DEFERRAL_ARTICLE,
        )
    raise RuleViolation(
        "DEFERRAL_ALREADY_FORWARDED",
        "申请已报区教育局，等待批准。",
        article=DEFERRAL_ARTICLE,
    )
