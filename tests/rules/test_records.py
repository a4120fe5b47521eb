from dataclasses import fields, replace
from datetime import date
from typing import Any, Literal

import pytest

from rules.errors import RuleViolation
from rules.record_review import (
    RecordAction,
    RecordState,
    is_record_overdue,
    next_record_state,
    record_deadline,
)
from rules.records import (
    BasicInfo,
    Guardian,
    camel,
    form_items,
    inclusive_class_faults,
    normalise_basic_info,
    validate_basic_info,
)

TODAY = date(2026, 3, 1)

MOTHER = Guardian(
    name="测试母",
    relation="2",
    phone="13800000000",
    is_guardian=True,
    id_type="1",
    id_number="210311198805060029",
)


def sample(**changes: Any) -> BasicInfo:
    info = BasicInfo(
        name="测试甲",
        sex="1",
        birth_date=date(2015, 3, 1),
        birth_place="210311",
        native_place="210311",
        ethnicity="01",
        nationality="CHN",
        id_type="1",
        id_number="210311201503010012",
        hmt_overseas="00",
        health_status="10",
        household_place="210311",
        household_type="2",
        grade=5,
        class_name="5-2",
        entry_date=date(2021, 9, 1),
        entry_route="11",
        attendance_mode="1",
        current_address="千山区测试路1号",
        mailing_address="千山区测试路1号",
        home_address="千山区测试路1号",
        phone="0412-5550000",
        postcode="114041",
        only_child=True,
        had_preschool=True,
        inclusive_class="0",
        disability_type="0",
        guardians=(MOTHER,),
    )
    return replace(info, **changes)


def summary(faults: list[RuleViolation]) -> list[tuple[str, list[str] | None]]:
    return [(f.code, f.field) for f in faults]


def test_complete_record_has_no_faults() -> None:
    assert validate_basic_info(sample(), TODAY) == []


def test_empty_record_lists_every_required_item() -> None:
    faults = validate_basic_info(BasicInfo(), TODAY)

    items = form_items("student").items()
    required = [camel(name) for name, item in items if item.required]
    assert summary(faults) == [("REQUIRED_FIELD_MISSING", [name]) for name in required]
    assert required[:3] == ["name", "sex", "birthDate"]


@pytest.mark.parametrize(
    ("part", "cls", "numbers"),
    [("student", BasicInfo, range(1, 49)), ("guardian", Guardian, range(49, 61))],
)
def test_form_items_cover_every_field(
    part: Literal["student", "guardian"], cls: type, numbers: range
) -> None:
    items = form_items(part)
    attrs = [
        f.name
        for f in fields(cls)
        if f.name not in {"guardians", "attendance_proof_filed"}
    ]

    assert (list(items), [i.number for i in items.values()]) == (attrs, list(numbers))


def test_blank_text_counts_as_missing() -> None:
    faults = validate_basic_info(sample(name="  ", phone=""), TODAY)

    assert summary(faults) == [
        ("REQUIRED_FIELD_MISSING", ["name"]),
        ("REQUIRED_FIELD_MISSING", ["phone"]),
    ]


def test_birth_date_and_sex_come_from_id() -> None:
    info = normalise_basic_info(
        sample(birth_date=None, sex=None, id_number=" 11010520150307118x "), today=TODAY
    )

    assert (info.birth_date, info.sex, info.id_number) == (
        date(2015, 3, 7),
        "2",
        "11010520150307118X",
    )


def test_derived_values_satisfy_required_items() -> None:
    info = sample(birth_date=None, sex=None)

    assert validate_basic_info(info, TODAY) == []


def test_c02_explicit_date_conflicts_with_id() -> None:
    info = sample(id_number="110105201602291006", sex="2", birth_date=date(2016, 3, 1))

    assert summary(validate_basic_info(info, TODAY)) == [
        ("BIRTH_DATE_MISMATCH", ["birthDate"])
    ]


def test_c01_bad_check_digit_points_at_id() -> None:
    faults = validate_basic_info(sample(id_number="11010520150307104X"), TODAY)

    assert summary(faults) == [("CHECK_DIGIT_MISMATCH", ["idNumber"])]


def test_all_faults_are_reported_together() -> None:
    info = sample(
        sex="2",
        ethnicity="57",
        nationality="ZZZ",
        native_place="210390",
        phone="12345",
        postcode="11404",
        email="not-an-address",
        grade=10,
    )

    assert summary(validate_basic_info(info, TODAY)) == [
        ("INVALID_CODE", ["ethnicity"]),
        ("INVALID_CODE", ["nationality"]),
        ("INVALID_DIVISION_CODE", ["nativePlace"]),
        ("SEX_MISMATCH", ["sex"]),
        ("INVALID_GRADE", ["grade"]),
        ("INVALID_PHONE", ["phone"]),
        ("INVALID_POSTCODE", ["postcode"]),
        ("INVALID_EMAIL", ["email"]),
    ]


def test_entry_before_birth_is_refused() -> None:
    faults = validate_basic_info(sample(entry_date=date(2014, 9, 1)), TODAY)

    assert summary(faults) == [("ENTRY_BEFORE_BIRTH", ["entryDate"])]


@pytest.mark.parametrize("distance", [-1.0, float("nan"), float("inf")])
def test_impossible_distance_is_refused(distance: float) -> None:
    faults = validate_basic_info(sample(commute_distance_km=distance), TODAY)

    assert summary(faults) == [("INVALID_DISTANCE", ["commuteDistanceKm"])]


def test_blank_other_document_needs_proof() -> None:
    info = sample(id_type="Z", id_number=None, hmt_overseas="00")

    assert summary(validate_basic_info(info, TODAY)) == [
        ("ATTENDANCE_PROOF_REQUIRED", ["attendanceProofFiled"])
    ]


def test_blank_other_document_with_proof_passes() -> None:
    info = sample(id_type="Z", id_number=None, attendance_proof_filed=True)

    assert validate_basic_info(info, TODAY) == []


@pytest.mark.parametrize(
    "phone", ["13800000000", "0412-5550000", "04125550000", "5550000", "+85291234567"]
)
def test_accepted_phone_formats(phone: str) -> None:
    assert validate_basic_info(sample(phone=phone), TODAY) == []


# Guardians


def test_guardian_faults_carry_their_index() -> None:
    second = Guardian(name="测试父", relation="7", phone="138000", ethnicity="99")

    faults = validate_basic_info(sample(guardians=(MOTHER, second)), TODAY)

    assert summary(faults) == [
        ("INVALID_CODE", ["guardians", "1", "relation"]),
        ("INVALID_CODE", ["guardians", "1", "ethnicity"]),
        ("INVALID_PHONE", ["guardians", "1", "phone"]),
    ]


def test_guardian_needs_name_and_relation() -> None:
    faults = validate_basic_info(
        sample(guardians=(Guardian(phone="13800000000"),)), TODAY
    )

    assert summary(faults) == [
        ("REQUIRED_FIELD_MISSING", ["guardians", "0", "name"]),
        ("REQUIRED_FIELD_MISSING", ["guardians", "0", "relation"]),
    ]


def test_guardian_id_number_is_checked() -> None:
    mother = replace(MOTHER, id_number="210311198805060028")

    faults = validate_basic_info(sample(guardians=(mother,)), TODAY)

    assert summary(faults) == [("CHECK_DIGIT_MISMATCH", ["guardians", "0", "idNumber"])]


def test_guardian_id_number_needs_type() -> None:
    mother = replace(MOTHER, id_type=None)

    faults = validate_basic_info(sample(guardians=(mother,)), TODAY)

    assert summary(faults) == [("REQUIRED_FIELD_MISSING", ["guardians", "0", "idType"])]


def test_guardian_household_place_is_checked() -> None:
    mother = replace(MOTHER, household_place="219999")

    faults = validate_basic_info(sample(guardians=(mother,)), TODAY)

    assert summary(faults) == [
        ("INVALID_DIVISION_CODE", ["guardians", "0", "householdPlace"])
    ]


def test_third_guardian_is_refused() -> None:
    faults = validate_basic_info(sample(guardians=(MOTHER, MOTHER, MOTHER)), TODAY)

    assert summary(faults) == [("TOO_MANY_GUARDIANS", ["guardians"])]


# 随班就读 / 残疾类型


@pytest.mark.parametrize(
    ("inclusive", "disability"),
    [
        ("0", "0"),
        ("1", "1"),
        ("2", "2"),
        ("3", "5"),
        ("4", "3"),
        ("4", "4"),
        ("4", "6"),
        ("4", "7"),
        ("4", "8"),
        (None, "3"),
        ("1", None),
    ],
)
def test_consistent_inclusive_class_passes(
    inclusive: str | None, disability: str | None
) -> None:
    assert inclusive_class_faults(inclusive, disability) == []


@pytest.mark.parametrize(
    ("inclusive", "disability"),
    [("0", "1"), ("1", "2"), ("3", "3"), ("4", "1"), ("4", "5"), ("4", "0")],
)
def test_inconsistent_inclusive_class_is_refused(
    inclusive: str | None, disability: str | None
) -> None:
    faults = inclusive_class_faults(inclusive, disability)

    assert [(f.code, f.field, f.article) for f in faults] == [
        ("INCLUSIVE_CLASS_DISABILITY_MISMATCH", ["disabilityType"], "第九条")
    ]


def test_special_school_allows_disability_outside_inclusion() -> None:
    assert inclusive_class_faults("0", "4", special_education=True) == []


def test_record_reports_inclusive_mismatch() -> None:
    faults = validate_basic_info(
        sample(inclusive_class="2", disability_type="1"), TODAY
    )

    assert summary(faults) == [
        ("INCLUSIVE_CLASS_DISABILITY_MISMATCH", ["disabilityType"])
    ]


# Review workflow (第十、十一条)


@pytest.mark.parametrize(
    ("current", "action", "following"),
    [
        (RecordState.DRAFT, RecordAction.EDIT, RecordState.DRAFT),
        (RecordState.DRAFT, RecordAction.SUBMIT, RecordState.SUBMITTED),
        (RecordState.SUBMITTED, RecordAction.VERIFY, RecordState.VERIFIED),
        (RecordState.SUBMITTED, RecordAction.RETURN, RecordState.RETURNED),
        (RecordState.RETURNED, RecordAction.EDIT, RecordState.RETURNED),
        (RecordState.RETURNED, RecordAction.SUBMIT, RecordState.SUBMITTED),
    ],
)
def test_allowed_record_transitions(
    current: RecordState, action: RecordAction, following: RecordState
) -> None:
    assert next_record_state(current, action) is following


@pytest.mark.parametrize(
    ("current", "action", "code", "article"),
    [
        (RecordState.DRAFT, RecordAction.VERIFY, "RECORD_NOT_SUBMITTED", "第十条"),
        (RecordState.DRAFT, RecordAction.RETURN, "RECORD_NOT_SUBMITTED", "第十条"),
        (RecordState.RETURNED, RecordAction.VERIFY, "RECORD_NOT_SUBMITTED", "第十条"),
        (RecordState.SUBMITTED, RecordAction.EDIT, "RECORD_UNDER_REVIEW", "第十一条"),
        (RecordState.SUBMITTED, RecordAction.SUBMIT, "RECORD_UNDER_REVIEW", "第十一条"),
        (
            RecordState.VERIFIED,
            RecordAction.EDIT,
            "RECORD_ALREADY_VERIFIED",
            "第十一条",
        ),
        (
            RecordState.VERIFIED,
            RecordAction.RETURN,
            "RECORD_ALREADY_VERIFIED",
            "第十一条",
        ),
    ],
)
def test_illegal_record_transitions_are_refused(
    current: RecordState, action: RecordAction, code: str, article: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        next_record_state(current, action)

    assert (caught.value.code, caught.value.article) == (code, article)


# One-month deadline (第十条, 第三十八条(一))


@pytest.mark.parametrize(
    ("entry", "deadline"),
    [
        (date(2025, 9, 1), date(2025, 10, 1)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2025, 8, 31), date(2025, 9, 30)),
    ],
)
def test_record_deadline_is_one_calendar_month(entry: date, deadline: date) -> None:
    assert record_deadline(entry) == deadline


@pytest.mark.parametrize(
    ("submitted_on", "today", "overdue"),
    [
        (date(2025, 10, 1), date(2026, 1, 1), False),
        (date(2025, 10, 2), date(2026, 1, 1), True),
        (None, date(2025, 10, 1), False),
        (None, date(2025, 10, 2), True),
    ],
)
def test_record_overdue_after_deadline(
    submitted_on: date | None, today: date, overdue: bool
) -> None:
    assert (
        is_record_overdue(date(2025, 9, 1), submitted_on=submitted_on, today=today)
        is overdue
    )
