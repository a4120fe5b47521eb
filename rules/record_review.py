"""The review of a record (第十、十一条): its states and its one-month deadline."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from rules.errors import RuleViolation
from rules.records import RECORD_ARTICLE, REVIEW_ARTICLE


class RecordState(StrEnum):
    """Where a record is in its review (第十、十一条)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    VERIFIED = "VERIFIED"
    RETURNED = "RETURNED"


class RecordAction(StrEnum):
    """What a school (EDIT, SUBMIT) or the district office (VERIFY, RETURN) does."""

    EDIT = "EDIT"
    SUBMIT = "SUBMIT"
    VERIFY = "VERIFY"
    RETURN = "RETURN"


_TRANSITIONS: Mapping[tuple[RecordState, RecordAction], RecordState] = {
    (RecordState.DRAFT, RecordAction.EDIT): RecordState.DRAFT,
    (RecordState.DRAFT, RecordAction.SUBMIT): RecordState.SUBMITTED,
    (RecordState.RETURNED, RecordAction.EDIT): RecordState.RETURNED,
    (RecordState.RETURNED, RecordAction.SUBMIT): RecordState.SUBMITTED,
    (RecordState.SUBMITTED, RecordAction.VERIFY): RecordState.VERIFIED,
    (RecordState.SUBMITTED, RecordAction.RETURN): RecordState.RETURNED,
}


def next_record_state(current: RecordState, action: RecordAction) -> RecordState:
    """The state after ``action`` (第十条 school 初审 and 上报; 第十一条 district 核准).

    Refuses with RECORD_ALREADY_VERIFIED (a verified record changes only through the
    学籍变动 procedure), RECORD_UNDER_REVIEW (submitted records are not edited or
    re-submitted) or RECORD_NOT_SUBMITTED (only submitted records are decided).
    """
    following = _TRANSITIONS.get((current, action))
    if following is not None:
        return following
    if current is RecordState.VERIFIED:
        raise RuleViolation(
            "RECORD_ALREADY_VERIFIED",
            "学籍已核准，信息变更须按学籍变动程序办理。",
            article=REVIEW_ARTICLE,
        )
    if current is RecordState.SUBMITTED:
        raise RuleViolation(
            "RECORD_UNDER_REVIEW",
            "学籍已上报，正在等待区教育局核准。",
            article=REVIEW_ARTICLE,
        )
    raise RuleViolation(
        "RECORD_NOT_SUBMITTED",
        "学籍尚未经学校初审上报，不能核准或退回。",
        article=RECORD_ARTICLE,
    )


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last))


def record_deadline(entry_date: date) -> date:
    """Last day to build the record: one calendar month after entry (第十条).

    The corresponding day of the next month; the month's last day where it has none
    (entry on 31 January → 28 or 29 February).
    """
    return add_months(entry_date, 1)


def is_record_overdue(
    entry_date: date, *, submitted_on: date | None, today: date
) -> bool:
    """Whether the record missed 第十条's month (a 第三十八条(一) fault).

    Counts the school's 上报 (``submitted_on``); unsubmitted records are late once
    ``today`` is past the deadline.
    """
    done = submitted_on if submitted_on is not None else today
    return done > record_deadline(entry_date)
