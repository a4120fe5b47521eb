from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.errors import RuleViolation
from rules.status import (
    ON_ROLL_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    ChangeCategory,
    ChangeReason,
    StudentStatus,
    allowed_changes,
    transition,
)

S = StudentStatus
C = ChangeCategory


def test_studying_allows_these_changes() -> None:
    assert allowed_changes(S.STUDYING) == {
        C.TRANSFER_APPLY,
        C.TRANSFER_OUT,
        C.SUSPEND,
        C.GRADE_SKIP,
        C.CLASS_CHANGE,
        C.STAGE_PROMOTION,
        C.DROPOUT,
        C.OTHER_LEAVING,
        C.GRADUATE,
        C.DEATH,
    }


def test_new_student_enters_by_enrolment_or_transfer() -> None:
    assert allowed_changes(None) == {C.ENROL, C.TRANSFER_IN}
    assert transition(None, C.ENROL) is S.STUDYING


@pytest.mark.parametrize(
    ("before", "change", "after"),
    [
        (S.STUDYING, C.TRANSFER_APPLY, S.TRANSFER_PENDING),
        (S.TRANSFER_PENDING, C.TRANSFER_CANCEL, S.STUDYING),
        (S.TRANSFER_PENDING, C.TRANSFER_IN, S.STUDYING),
        (S.TRANSFER_PENDING, C.TRANSFER_OUT, S.TRANSFERRED_OUT),
        (S.STUDYING, C.TRANSFER_OUT, S.TRANSFERRED_OUT),
        (S.TRANSFERRED_OUT, C.RETURN_FROM_ABROAD, S.STUDYING),
        (S.STUDYING, C.SUSPEND, S.SUSPENDED),
        (S.SUSPENDED, C.SUSPENSION_EXTEND, S.SUSPENDED),
        (S.SUSPENDED, C.RESUME, S.STUDYING),
        (S.SUSPENDED, C.OTHER_LEAVING, S.LEFT_OTHER),
        (S.STUDYING, C.DROPOUT, S.DROPPED_OUT),
        (S.DROPPED_OUT, C.DROPOUT_RETURN, S.STUDYING),
        (S.LEFT_OTHER, C.REENTRY, S.STUDYING),
        (S.STUDYING, C.GRADE_SKIP, S.STUDYING),
        (S.STUDYING, C.GRADUATE, S.GRADUATED),
        (S.SUSPENDED, C.DEATH, S.DECEASED),
    ],
)
def test_listed_transitions_give_status(
    before: StudentStatus, change: ChangeCategory, after: StudentStatus
) -> None:
    assert transition(before, change) is after


@pytest.mark.parametrize(
    ("before", "change"),
    [
        (S.SUSPENDED, C.TRANSFER_APPLY),
        (S.STUDYING, C.RESUME),
        (S.TRANSFER_PENDING, C.SUSPEND),
        (S.GRADUATED, C.REENTRY),
        (S.DECEASED, C.ENROL),
        (S.DROPPED_OUT, C.REENTRY),
    ],
)
def test_unlisted_transitions_are_refused(
    before: StudentStatus, change: ChangeCategory
) -> None:
    with pytest.raises(RuleViolation) as caught:
        transition(before, change)

    assert (caught.value.code, caught.value.field) == (
        "ILLEGAL_STATUS_TRANSITION",
        ["status"],
    )


def test_refusal_names_status_and_change() -> None:
    with pytest.raises(RuleViolation) as caught:
        transition(S.SUSPENDED, C.TRANSFER_APPLY)

    assert caught.value.message == "学籍状态为“休学”的学生不能办理“转学申请”。"


def test_terminal_statuses_allow_nothing() -> None:
    assert {s: allowed_changes(s) for s in TERMINAL_STATUSES} == {
        S.DECEASED: frozenset(),
        S.GRADUATED: frozenset(),
    }


def test_every_other_status_allows_death() -> None:
    living = [s for s in StudentStatus if s not in TERMINAL_STATUSES]

    assert {s: transition(s, C.DEATH) for s in living} == dict.fromkeys(
        living, S.DECEASED
    )


def test_category_codes_are_unique() -> None:
    codes = [c.code for c in ChangeCategory]

    assert len(codes) == len(set(codes)) == len(ChangeCategory)


def test_codes_and_labels_of_categories() -> None:
    assert [(c.code, c.label) for c in (C.SUSPEND, C.TRANSFER_OUT, C.DEATH)] == [
        ("11", "休学"),
        ("21", "转学（转出）"),
        ("51", "死亡"),
    ]


def test_status_labels_are_chinese() -> None:
    assert [s.label for s in StudentStatus] == [
        "在读",
        "休学",
        "转出在途",
        "转出",
        "其他离校",
        "辍学",
        "死亡注销",
        "毕业",
    ]


def test_reason_kinds_split_by_code() -> None:
    illness = {r for r in ChangeReason if r.is_illness}
    death = {r for r in ChangeReason if r.is_death}

    assert illness == {
        ChangeReason.ILLNESS_MENTAL,
        ChangeReason.ILLNESS_INFECTIOUS,
        ChangeReason.ILLNESS_OTHER,
    }
    assert len(death) == 12
    assert illness & death == set()


def _replay(
    changes: list[ChangeCategory],
) -> list[tuple[StudentStatus | None, ChangeCategory, StudentStatus | None]]:
    """Apply changes in order, keeping the status where a change is refused;
    gives (before, change, after or None if refused)."""
    status: StudentStatus | None = None
    steps: list[tuple[StudentStatus | None, ChangeCategory, StudentStatus | None]] = []
    for change in changes:
        try:
            after: StudentStatus | None = transition(status, change)
        except RuleViolation:
            after = None
        steps.append((status, change, after))
        status = after if after is not None else status
    return steps


@given(st.lists(st.sampled_from(list(ChangeCategory)), max_size=40))
def test_random_histories_keep_invariants(changes: list[ChangeCategory]) -> None:
    steps = _replay([C.ENROL, *changes])
    accepted = [(b, c, a) for b, c, a in steps if a is not None]

    # A terminal status never changes again.
    assert [a for b, _, a in accepted if b in TERMINAL_STATUSES] == []
    # Accepted changes are exactly the table's entries.
    assert all(TRANSITIONS[(b, c)] == a for b, c, a in accepted)
    # Refused changes are exactly those the table lacks.
    assert all((b, c) not in TRANSITIONS for b, c, a in steps if a is None)
    # Only a death leads to DECEASED; only an application makes a transfer pending.
    assert all(c is C.DEATH for _, c, a in accepted if a is S.DECEASED)
    assert all(
        c is C.TRANSFER_APPLY
        for b, c, a in accepted
        if a is S.TRANSFER_PENDING and b is not S.TRANSFER_PENDING
    )
    # Once enrolled, a student never goes back to having no record.
    assert all(a is not None for b, _, a in accepted if b is not None)


@given(st.lists(st.sampled_from(list(ChangeCategory)), max_size=40))
def test_living_student_can_always_die(changes: list[ChangeCategory]) -> None:
    steps = _replay([C.ENROL, *changes])
    status = steps[-1][2] or steps[-1][0]

    if status in TERMINAL_STATUSES:
        assert allowed_changes(status) == frozenset()
    else:
        assert transition(status, C.DEATH) is S.DECEASED


@given(st.lists(st.sampled_from(list(ChangeCategory)), max_size=40))
def test_suspension_keeps_student_on_roll(changes: list[ChangeCategory]) -> None:
    steps = _replay([C.ENROL, *changes])

    # 第二十一条: a suspended student keeps the record; a resumption needs it.
    assert all(
        b in ON_ROLL_STATUSES for b, c, a in steps if c is C.RESUME and a is not None
    )
