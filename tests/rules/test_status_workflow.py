from __future__ import annotations

import datetime as dt

import pytest

from rules.calendar import WorkingDayCalendar
from rules.errors import RuleViolation
from rules.status_workflow import (
    TEN_WORKING_DAYS,
    Decision,
    Role,
    Step,
    TimeLimit,
    TimeUnit,
    WorkflowState,
    decide,
    is_approved,
    is_complete,
    is_rejected,
    next_step,
    start_workflow,
    workflow_state,
)

D = dt.date
CALENDAR = WorkingDayCalendar.bundled()
SCHOOL = "2103110001"
DISTRICT = "210311"


def two_steps() -> tuple[Step, ...]:
    return (
        Step("SCHOOL", Role.SCHOOL_LEADER, SCHOOL, TEN_WORKING_DAYS),
        Step("DISTRICT", Role.DISTRICT_OFFICER, DISTRICT, TEN_WORKING_DAYS),
    )


def test_new_workflow_waits_on_first_step() -> None:
    steps = start_workflow(two_steps(), D(2026, 9, 28), CALENDAR)

    assert next_step(steps) == Step(
        "SCHOOL", Role.SCHOOL_LEADER, SCHOOL, TEN_WORKING_DAYS, D(2026, 10, 16)
    )
    assert workflow_state(steps) is WorkflowState.PENDING


def test_approvals_by_all_complete_workflow() -> None:
    steps = start_workflow(two_steps(), D(2026, 3, 2), CALENDAR)
    for role, unit in [(Role.SCHOOL_LEADER, SCHOOL), (Role.DISTRICT_OFFICER, DISTRICT)]:
        steps = decide(
            steps,
            role=role,
            unit=unit,
            decision=Decision.APPROVE,
            on=D(2026, 3, 4),
            calendar=CALENDAR,
        )

    assert (is_complete(steps), is_approved(steps), next_step(steps)) == (
        True,
        True,
        None,
    )
    assert [s.decided_on for s in steps] == [D(2026, 3, 4), D(2026, 3, 4)]


def test_rejection_ends_workflow_early() -> None:
    steps = decide(
        start_workflow(two_steps(), D(2026, 3, 2), CALENDAR),
        role=Role.SCHOOL_LEADER,
        unit=SCHOOL,
        decision=Decision.REJECT,
        on=D(2026, 3, 3),
        calendar=CALENDAR,
        comment="材料不全",
    )

    assert (is_rejected(steps), next_step(steps), steps[1].due_date) == (
        True,
        None,
        None,
    )
    assert steps[0].comment == "材料不全"


def test_other_role_cannot_decide_step() -> None:
    with pytest.raises(RuleViolation) as caught:
        decide(
            two_steps(),
            role=Role.DISTRICT_OFFICER,
            unit=DISTRICT,
            decision=Decision.APPROVE,
            on=D(2026, 3, 3),
            calendar=CALENDAR,
        )

    assert (caught.value.code, caught.value.field) == (
        "WORKFLOW_NOT_YOUR_STEP",
        ["decision"],
    )


def test_other_school_cannot_decide_step() -> None:
    with pytest.raises(RuleViolation) as caught:
        decide(
            two_steps(),
            role=Role.SCHOOL_LEADER,
            unit="2103110099",
            decision=Decision.APPROVE,
            on=D(2026, 3, 3),
            calendar=CALENDAR,
        )

    assert caught.value.code == "WORKFLOW_NOT_YOUR_STEP"


def test_complete_workflow_refuses_decisions() -> None:
    steps = decide(
        two_steps(),
        role=Role.SCHOOL_LEADER,
        unit=SCHOOL,
        decision=Decision.REJECT,
        on=D(2026, 3, 3),
        calendar=CALENDAR,
    )

    with pytest.raises(RuleViolation) as caught:
        decide(
            steps,
            role=Role.DISTRICT_OFFICER,
            unit=DISTRICT,
            decision=Decision.APPROVE,
            on=D(2026, 3, 4),
            calendar=CALENDAR,
        )
    assert caught.value.code == "WORKFLOW_ALREADY_COMPLETE"


def test_overdue_only_after_due_date() -> None:
    step = two_steps()[0].opened(D(2026, 9, 28), CALENDAR)

    assert [step.is_overdue(D(2026, 10, 16)), step.is_overdue(D(2026, 10, 17))] == [
        False,
        True,
    ]


def test_step_without_limit_has_no_due() -> None:
    step = Step("SCHOOL", Role.SCHOOL_LEADER, SCHOOL).opened(D(2026, 3, 2), CALENDAR)

    assert (step.due_date, step.is_overdue(D(2030, 1, 1))) == (None, False)


@pytest.mark.parametrize(
    ("limit", "due"),
    [
        (TimeLimit(30, TimeUnit.CALENDAR_DAYS), D(2026, 10, 1)),
        (TimeLimit(30, TimeUnit.WORKING_DAYS), D(2026, 10, 19)),
        (TimeLimit(1, TimeUnit.MONTHS), D(2026, 10, 1)),
    ],
)
def test_time_limits_count_their_units(limit: TimeLimit, due: dt.date) -> None:
    assert limit.due_from(D(2026, 9, 1), CALENDAR) == due
