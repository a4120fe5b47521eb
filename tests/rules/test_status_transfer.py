from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from rules.calendar import SchoolKind, SchoolYear, WorkingDayCalendar
from rules.errors import RuleViolation
from rules.status import StudentStatus
from rules.status_transfer import (
    SchoolInfo,
    TransferContext,
    TransferDocument,
    TransferReason,
    TransferRoute,
    archive_handover_due,
    archive_handover_step,
    assign_receiving_school,
    check_arts_sports_return,
    check_departure_abroad,
    check_return_from_abroad,
    check_transfer,
    check_transfer_documents,
    record_school_after_move,
    transfer_refusals,
    transfer_route,
    transfer_steps,
)
from rules.status_workflow import (
    Decision,
    Role,
    Step,
    TimeLimit,
    TimeUnit,
    decide,
    is_approved,
    next_step,
    start_workflow,
)

D = dt.date
CALENDAR = WorkingDayCalendar.bundled()
DISTRICT = "210311"
TEN = TimeLimit(10, TimeUnit.WORKING_DAYS)

URBAN_A = SchoolInfo("2103110001", SchoolKind.PRIMARY, DISTRICT, True, True)
URBAN_B = SchoolInfo("2103110002", SchoolKind.PRIMARY, DISTRICT, True, True)
RURAL_C = SchoolInfo("2103110003", SchoolKind.PRIMARY, DISTRICT, True, False)
SPECIAL_S = SchoolInfo("2103110009", SchoolKind.SPECIAL, DISTRICT, True, True)


def school_year_2025() -> SchoolYear:
    return SchoolYear.from_terms(
        DISTRICT, (D(2025, 9, 1), D(2026, 1, 16)), (D(2026, 3, 2), D(2026, 7, 10))
    )


def context(**changes: Any) -> TransferContext:
    base = TransferContext(
        on=D(2025, 11, 10),
        status=StudentStatus.STUDYING,
        grade=3,
        stage_entry_date=D(2023, 9, 1),
        sending_school=URBAN_A,
        receiving_school=URBAN_B,
        school_year=school_year_2025(),
        reason=TransferReason.FAMILY_MOVE,
        has_active_sanction=False,
    )
    return dataclasses.replace(base, **changes)


def refusal_of(ctx: TransferContext) -> tuple[str, str | None, list[str] | None]:
    with pytest.raises(RuleViolation) as caught:
        check_transfer(ctx)
    return caught.value.code, caught.value.article, caught.value.field


def test_transfer_with_reason_passes() -> None:
    assert transfer_refusals(context()) == []


def test_urban_public_transfer_needs_reason() -> None:
    assert refusal_of(context(reason=None)) == (
        "TRANSFER_NO_REASON_URBAN_PUBLIC",
        "第十三条",
        ["reason"],
    )


def test_rural_school_transfer_without_reason() -> None:
    assert transfer_refusals(context(reason=None, receiving_school=RURAL_C)) == []


def test_arts_sports_admission_is_a_reason() -> None:
    ctx = context(reason=None, to_arts_sports_school=True)

    assert transfer_refusals(ctx) == []


def test_no_transfer_during_sanction() -> None:
    assert refusal_of(context(has_active_sanction=True)) == (
        "TRANSFER_DURING_SANCTION",
        "第十三条",
        None,
    )


def test_no_transfer_during_suspension() -> None:
    assert refusal_of(context(status=StudentStatus.SUSPENDED)) == (
        "TRANSFER_DURING_SUSPENSION",
        "第十三条",
        ["status"],
    )


def test_no_transfer_during_winter_holiday() -> None:
    assert refusal_of(context(on=D(2026, 2, 2))) == (
        "TRANSFER_DURING_HOLIDAY",
        "第十三条",
        ["on"],
    )


def test_no_transfer_final_grade_second_term() -> None:
    ctx = context(on=D(2026, 3, 16), grade=6, stage_entry_date=D(2020, 9, 1))

    assert refusal_of(ctx) == ("TRANSFER_FINAL_GRADE_SECOND_TERM", "第十三条", ["on"])


def test_final_grade_first_term_may_transfer() -> None:
    ctx = context(grade=6, stage_entry_date=D(2020, 9, 1))

    assert transfer_refusals(ctx) == []


def test_no_transfer_within_six_months() -> None:
    ctx = context(grade=1, stage_entry_date=D(2025, 9, 1), on=D(2026, 1, 5))

    assert refusal_of(ctx) == ("TRANSFER_WITHIN_SIX_MONTHS", "第十三条", ["on"])


def test_transfer_allowed_six_months_after_entry() -> None:
    ctx = context(grade=1, stage_entry_date=D(2025, 9, 1), on=D(2026, 3, 2))

    assert transfer_refusals(ctx) == []


def test_every_ground_is_listed_together() -> None:
    ctx = context(
        reason=None,
        has_active_sanction=True,
        grade=1,
        stage_entry_date=D(2025, 9, 1),
        on=D(2026, 1, 20),
    )

    assert [r.code for r in transfer_refusals(ctx)] == [
        "TRANSFER_NO_REASON_URBAN_PUBLIC",
        "TRANSFER_DURING_SANCTION",
        "TRANSFER_DURING_HOLIDAY",
        "TRANSFER_WITHIN_SIX_MONTHS",
    ]


def test_district_may_waive_principle_grounds() -> None:
    ctx = context(
        has_active_sanction=True,
        waived=frozenset({"TRANSFER_DURING_SANCTION"}),
    )

    assert transfer_refusals(ctx) == []


def test_holiday_ground_cannot_be_waived() -> None:
    ctx = context(on=D(2026, 2, 2), waived=frozenset({"TRANSFER_DURING_HOLIDAY"}))

    assert refusal_of(ctx) == ("TRANSFER_WAIVER_NOT_ALLOWED", "第十三条", ["waived"])


def test_transfer_to_same_school_refused() -> None:
    assert refusal_of(context(receiving_school=URBAN_A)) == (
        "TRANSFER_SAME_SCHOOL",
        "第十三条",
        ["receivingSchool"],
    )


def test_receiving_school_must_teach_grade() -> None:
    junior = SchoolInfo("2103110005", SchoolKind.JUNIOR, DISTRICT, True, True)

    assert refusal_of(context(receiving_school=junior)) == (
        "GRADE_OUT_OF_RANGE",
        "第二条",
        ["receivingSchool", "grade"],
    )


def test_grade_outside_sending_school_refused() -> None:
    ctx = context(grade=8, has_active_sanction=True)

    assert [(r.code, r.field) for r in transfer_refusals(ctx)] == [
        ("GRADE_OUT_OF_RANGE", ["sendingSchool", "grade"]),
        ("GRADE_OUT_OF_RANGE", ["receivingSchool", "grade"]),
    ]


def test_deceased_student_cannot_transfer() -> None:
    assert refusal_of(context(status=StudentStatus.DECEASED)) == (
        "ILLEGAL_STATUS_TRANSITION",
        None,
        ["status"],
    )


def test_route_by_household_district() -> None:
    assert [transfer_route(DISTRICT, DISTRICT), transfer_route("210302", DISTRICT)] == [
        TransferRoute.HOUSEHOLD_DISTRICT,
        TransferRoute.DISTRICT_ASSIGNED,
    ]


def test_household_route_documents_complete() -> None:
    provided = {
        TransferDocument.CONTACT_FORM,
        TransferDocument.GUARDIAN_ID,
        TransferDocument.HOUSEHOLD_REGISTER,
    }

    check_transfer_documents(TransferRoute.HOUSEHOLD_DISTRICT, provided)


def test_assigned_route_lists_missing_documents() -> None:
    provided = {TransferDocument.CONTACT_FORM, TransferDocument.GUARDIAN_ID}

    with pytest.raises(RuleViolation) as caught:
        check_transfer_documents(TransferRoute.DISTRICT_ASSIGNED, provided)

    assert (caught.value.code, caught.value.article, caught.value.message) == (
        "TRANSFER_DOCUMENTS_MISSING",
        "第十五条",
        "转学申请缺少以下材料：居住证明、就业证明。",
    )


def test_household_route_receiving_school_first() -> None:
    steps = transfer_steps(
        TransferRoute.HOUSEHOLD_DISTRICT,
        district_code=DISTRICT,
        sending_school_code=URBAN_A.code,
        receiving_school_code=URBAN_B.code,
    )

    assert steps == (
        Step("RECEIVING_SCHOOL", Role.SCHOOL_LEADER, URBAN_B.code, TEN),
        Step("SENDING_SCHOOL", Role.SCHOOL_LEADER, URBAN_A.code, TEN),
        Step("DISTRICT", Role.DISTRICT_OFFICER, DISTRICT, TEN),
    )


def test_household_route_needs_receiving_school() -> None:
    with pytest.raises(RuleViolation) as caught:
        transfer_steps(
            TransferRoute.HOUSEHOLD_DISTRICT,
            district_code=DISTRICT,
            sending_school_code=URBAN_A.code,
            receiving_school_code=None,
        )

    assert (caught.value.code, caught.value.article) == (
        "TRANSFER_RECEIVING_SCHOOL_REQUIRED",
        "第十四条",
    )


def test_assigned_route_district_first_then_school() -> None:
    steps = transfer_steps(
        TransferRoute.DISTRICT_ASSIGNED,
        district_code=DISTRICT,
        sending_school_code=None,
        receiving_school_code=None,
    )
    assigned = assign_receiving_school(steps, URBAN_B.code)

    assert assigned == (
        Step("DISTRICT", Role.DISTRICT_OFFICER, DISTRICT, TEN),
        Step("RECEIVING_SCHOOL", Role.SCHOOL_LEADER, URBAN_B.code, TEN),
    )
    with pytest.raises(RuleViolation) as caught:
        assign_receiving_school(assigned, URBAN_A.code)
    assert caught.value.code == "TRANSFER_SCHOOL_ALREADY_ASSIGNED"


def test_each_party_gets_ten_working_days() -> None:
    steps = transfer_steps(
        TransferRoute.HOUSEHOLD_DISTRICT,
        district_code=DISTRICT,
        sending_school_code=URBAN_A.code,
        receiving_school_code=URBAN_B.code,
    )
    steps = start_workflow(steps, D(2026, 9, 28), CALENDAR)
    first_due = steps[0].due_date
    steps = decide(
        steps,
        role=Role.SCHOOL_LEADER,
        unit=URBAN_B.code,
        decision=Decision.APPROVE,
        on=D(2026, 9, 30),
        calendar=CALENDAR,
    )
    second = next_step(steps)

    assert (first_due, second) == (
        D(2026, 10, 16),
        Step("SENDING_SCHOOL", Role.SCHOOL_LEADER, URBAN_A.code, TEN, D(2026, 10, 20)),
    )
    assert is_approved(steps) is False


def test_archive_handover_within_one_month() -> None:
    step = archive_handover_step(URBAN_A.code).opened(D(2026, 1, 31), CALENDAR)

    assert archive_handover_due(D(2026, 1, 31)) == D(2026, 2, 28)
    assert (step.owner_role, step.due_date) == (Role.REGISTRAR, D(2026, 2, 28))


def test_arts_sports_leaver_returns_to_original() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_arts_sports_return(
            original_school_code=URBAN_A.code,
            placed_school_code=URBAN_B.code,
            original_can_place=True,
        )

    assert (caught.value.code, caught.value.article) == (
        "TRANSFER_ARTS_SPORTS_NOT_ORIGINAL",
        "第十七条",
    )


def test_district_places_when_original_full() -> None:
    check_arts_sports_return(
        original_school_code=URBAN_A.code,
        placed_school_code=URBAN_B.code,
        original_can_place=False,
    )


def test_special_education_move_may_keep_record() -> None:
    holder = record_school_after_move(SPECIAL_S, URBAN_A, keep_at_original=True)

    assert holder == SPECIAL_S.code


def test_regular_move_record_follows_student() -> None:
    assert record_school_after_move(URBAN_A, URBAN_B, keep_at_original=False) == (
        URBAN_B.code
    )
    with pytest.raises(RuleViolation) as caught:
        record_school_after_move(URBAN_A, URBAN_B, keep_at_original=True)
    assert (caught.value.code, caught.value.article) == (
        "TRANSFER_RECORD_MUST_FOLLOW",
        "第十八条",
    )


def test_return_from_abroad_keeps_record() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_return_from_abroad(has_original_record=True, creates_new_record=True)

    assert (caught.value.code, caught.value.article) == (
        "RETURN_FROM_ABROAD_NEW_RECORD",
        "第十九条",
    )
    check_return_from_abroad(has_original_record=False, creates_new_record=True)


def test_departure_abroad_needs_proof() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_departure_abroad(has_foreign_school_proof=False, has_valid_id=True)

    assert (caught.value.code, caught.value.article) == (
        "TRANSFER_ABROAD_PROOF_MISSING",
        "第十九条",
    )
