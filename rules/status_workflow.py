"""Approval workflows of status changes as plain data the resolvers can persist.

A workflow is a tuple of ``Step`` decided in order. A step gets its due date when
it opens, from its ``TimeLimit`` (第十六条: each party within 10 working days).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from rules.calendar import WorkingDayCalendar, add_days, add_months
from rules.errors import RuleViolation


class Role(StrEnum):
    """Roles as spelled in the access policy."""

    REGISTRAR = "registrar"
    SCHOOL_LEADER = "school_leader"
    DISTRICT_OFFICER = "district_officer"


class Decision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class WorkflowState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class TimeUnit(StrEnum):
    WORKING_DAYS = "WORKING_DAYS"
    CALENDAR_DAYS = "CALENDAR_DAYS"
    MONTHS = "MONTHS"


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: TimeUnit

    def due_from(self, opened_on: dt.date, calendar: WorkingDayCalendar) -> dt.date:
        """The last day allowed when the clock starts on ``opened_on``."""
        if self.unit is TimeUnit.WORKING_DAYS:
            return calendar.add_working_days(opened_on, self.amount)
        if self.unit is TimeUnit.CALENDAR_DAYS:
            return add_days(opened_on, self.amount)
        return add_months(opened_on, self.amount)


# 第十六条 and 第二十二条: "10个工作日内".
TEN_WORKING_DAYS = TimeLimit(10, TimeUnit.WORKING_DAYS)


@dataclass(frozen=True)
class Step:
    """One party's decision. ``name`` says which party (e.g. ``RECEIVING_SCHOOL``),
    ``owner_unit`` is its school code or district code."""

    name: str
    owner_role: Role
    owner_unit: str
    time_limit: TimeLimit | None = None
    due_date: dt.date | None = None
    decision: Decision | None = None
    decided_on: dt.date | None = None
    comment: str = ""

    @property
    def is_decided(self) -> bool:
        return self.decision is not None

    def opened(self, on: dt.date, calendar: WorkingDayCalendar) -> Step:
        """This step with its due date counted from ``on``."""
        if self.time_limit is None:
            return self
        due = self.time_limit.due_from(on, calendar)
        return dataclasses.replace(self, due_date=due)

    def is_overdue(self, today: dt.date) -> bool:
        """Undecided after its due date (the due date itself is still in time)."""
        late = self.due_date is not None and today > self.due_date
        return late and not self.is_decided


def start_workflow(
    steps: tuple[Step, ...], on: dt.date, calendar: WorkingDayCalendar
) -> tuple[Step, ...]:
    """The steps with the first one opened on ``on``."""
    if not steps:
        return steps
    return (steps[0].opened(on, calendar), *steps[1:])


def workflow_state(steps: tuple[Step, ...]) -> WorkflowState:
    if any(s.decision is Decision.REJECT for s in steps):
        return WorkflowState.REJECTED
    if all(s.decision is Decision.APPROVE for s in steps):
        return WorkflowState.APPROVED
    return WorkflowState.PENDING


def is_complete(steps: tuple[Step, ...]) -> bool:
    return workflow_state(steps) is not WorkflowState.PENDING


def is_approved(steps: tuple[Step, ...]) -> bool:
    return workflow_state(steps) is WorkflowState.APPROVED


def is_rejected(steps: tuple[Step, ...]) -> bool:
    return workflow_state(steps) is WorkflowState.REJECTED


def next_step(steps: tuple[Step, ...]) -> Step | None:
    """The step waiting for a decision, or ``None`` once the workflow is complete."""
    if is_complete(steps):
        return None
    return next(s for s in steps if not s.is_decided)


def decide(
    steps: tuple[Step, ...],
    *,
    role: Role,
    unit: str,
    decision: Decision,
    on: dt.date,
    calendar: WorkingDayCalendar,
    comment: str = "",
) -> tuple[Step, ...]:
    """Record the decision of the open step, which ``role`` at ``unit`` must own,
    and open the step after it on the same day."""
    current = next_step(steps)
    if current is None:
        raise RuleViolation("WORKFLOW_ALREADY_COMPLETE", "该申请已办结，不能再作决定。")
    if (current.owner_role, current.owner_unit) != (role, unit):
        raise RuleViolation(
            "WORKFLOW_NOT_YOUR_STEP",
            "当前待办环节不属于您所在的单位和岗位。",
            field=["decision"],
        )

    index = steps.index(current)
    done = dataclasses.replace(
        current, decision=decision, decided_on=on, comment=comment
    )
    following = steps[index + 1 :]
    if decision is Decision.APPROVE and following:
        following = (following[0].opened(on, calendar), *following[1:])
    return (*steps[:index], done, *following)
