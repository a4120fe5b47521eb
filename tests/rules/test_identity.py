import contextlib
from collections.abc import Callable
from datetime import date, timedelta
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from rules.errors import RuleViolation
from rules.identity import (
    IdDocument,
    ResidentId,
    StudentNumber,
    StudentNumberKind,
    mod11_2_check_char,
    parse_id_number,
    student_number_for,
    student_number_kind,
    substitute_student_number,
    temporary_student_number,
    upgrade_student_number,
    validate_id_document,
    validate_id_number,
    validate_student_number,
)

TODAY = date(2026, 3, 1)
CHECK_CHARS = "0123456789X"


class FixedRandom(Random):
    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        return 42


def fault(
    call: Callable[..., object], *args: Any, **kwargs: Any
) -> tuple[str, list[str] | None]:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.field


# C01 — check digit: lowercase x, X vs 0, stray letters


def test_c01_lowercase_x_is_accepted() -> None:
    resident = parse_id_number("11010520150307118x", today=TODAY)

    assert resident == ResidentId(
        number="11010520150307118X",
        area_code="110105",
        area_name="北京市朝阳区",
        birth_date=date(2015, 3, 7),
        sex="2",
    )


def test_c01_both_cases_give_same_number() -> None:
    lower = parse_id_number("11010520150307118x", today=TODAY)
    upper = parse_id_number("11010520150307118X", today=TODAY)

    assert lower == upper


def test_c01_student_number_uses_upper_x() -> None:
    document = validate_id_document("1", "11010520150307118x", today=TODAY)

    number = student_number_for(
        document,
        birth_date=date(2015, 3, 7),
        school_area_code="210311",
        rng=Random(1),
        sequence=1,
    )

    assert number == "G11010520150307118X"


def test_c01_x_where_zero_is_check_digit() -> None:
    assert fault(parse_id_number, "11010520150307104X", today=TODAY) == (
        "CHECK_DIGIT_MISMATCH",
        ["idNumber"],
    )


def test_c01_letter_o_is_format_error() -> None:
    assert fault(parse_id_number, "1101052015O3071040", today=TODAY) == (
        "INVALID_ID_FORMAT",
        ["idNumber"],
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "110105201503071",
        "110105150307104",
        "1101052015030710400",
        "１１０１０５２０１５０３０７１０４０",
        "11010520150307104Y",
        "X10105201503071040",
    ],
)
def test_malformed_numbers_are_format_errors(value: str) -> None:
    assert fault(parse_id_number, value, today=TODAY) == (
        "INVALID_ID_FORMAT",
        ["idNumber"],
    )


# C02 — impossible, leap-day and future birth dates


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("110105201602291006", date(2016, 2, 29)),
        ("110105202002291007", date(2020, 2, 29)),
        ("110105201510151006", date(2015, 10, 15)),
    ],
)
def test_c02_real_dates_are_taken_from_id(value: str, born: date) -> None:
    assert parse_id_number(value, today=TODAY).birth_date == born


@pytest.mark.parametrize(
    "value", ["110105201502291009", "11010520150431100X", "110105201513011009"]
)
def test_c02_impossible_dates_are_refused(value: str) -> None:
    assert fault(parse_id_number, value, today=TODAY) == (
        "INVALID_BIRTH_DATE",
        ["idNumber"],
    )


def test_c02_future_birth_date_is_refused() -> None:
    assert fault(parse_id_number, "110105203001011004", today=TODAY) == (
        "BIRTH_DATE_IN_FUTURE",
        ["idNumber"],
    )


def test_c02_birth_today_is_accepted() -> None:
    today = date(2020, 2, 29)

    assert parse_id_number("110105202002291007", today=today).birth_date == today


def test_c02_conflicting_explicit_date_is_mismatch() -> None:
    assert fault(
        validate_id_number,
        "110105201602291006",
        today=TODAY,
        birth_date=date(2016, 3, 1),
    ) == ("BIRTH_DATE_MISMATCH", ["birthDate"])


def test_explicit_sex_must_match_digit() -> None:
    assert fault(validate_id_number, "110105201602291006", today=TODAY, sex="1") == (
        "SEX_MISMATCH",
        ["sex"],
    )


def test_agreeing_explicit_values_are_accepted() -> None:
    resident = validate_id_number(
        "210311201503010012", today=TODAY, birth_date=date(2015, 3, 1), sex="1"
    )

    assert (resident.area_name, resident.sex) == ("辽宁省千山区", "1")


# Area codes (python-stdnum raises KeyError for these; DOMAIN §1.3)


@pytest.mark.parametrize(
    "value",
    [
        "210324201503010014",
        "210399201503010015",
        "219999201503010016",
        "830000201503010012",
        "911000201503010013",
    ],
)
def test_unknown_area_codes_are_refused(value: str) -> None:
    assert fault(parse_id_number, value, today=TODAY) == (
        "UNKNOWN_AREA_CODE",
        ["idNumber"],
    )


def test_area_name_follows_birth_year() -> None:
    assert (
        parse_id_number("210311199003010016", today=TODAY).area_name == "辽宁省旧堡区"
    )


# C05 — the same person keyed the same whatever the case of x


def test_c05_lowercase_id_gives_same_student_number() -> None:
    upper = validate_id_document("1", "31011520140823100X", today=TODAY)
    lower = validate_id_document("1", "31011520140823100x", today=TODAY)

    assert (lower, lower.number) == (upper, "31011520140823100X")


# Other document types


def test_blank_other_document_needs_proof() -> None:
    assert fault(validate_id_document, "Z", "  ", today=TODAY) == (
        "ATTENDANCE_PROOF_REQUIRED",
        ["attendanceProofFiled"],
    )


def test_blank_other_document_with_proof() -> None:
    document = validate_id_document("Z", None, today=TODAY, attendance_proof_filed=True)

    assert document == IdDocument("Z", None, None)


@pytest.mark.parametrize("id_type", ["1", "6", "7", "8", "9", "A"])
def test_other_types_need_a_number(id_type: str) -> None:
    assert fault(validate_id_document, id_type, "", today=TODAY) == (
        "ID_NUMBER_REQUIRED",
        ["idNumber"],
    )


@pytest.mark.parametrize(
    ("id_type", "number", "stored"),
    [
        ("6", "k12345678", "K12345678"),
        ("7", "1234567(8)", "1234567(8)"),
        ("8", "12345678", "12345678"),
        ("9", "USA123456789012", "USA123456789012"),
        ("A", "E12345678", "E12345678"),
        ("Z", "HZ-2025-001", "HZ-2025-001"),
    ],
)
def test_other_documents_are_normalised(id_type: str, number: str, stored: str) -> None:
    assert validate_id_document(id_type, number, today=TODAY) == IdDocument(
        id_type, stored, None
    )


@pytest.mark.parametrize(
    ("id_type", "number"), [("6", "护照123456"), ("A", "E1"), ("9", "123")]
)
def test_bad_document_numbers_are_refused(id_type: str, number: str) -> None:
    assert fault(validate_id_document, id_type, number, today=TODAY) == (
        "INVALID_ID_FORMAT",
        ["idNumber"],
    )


def test_unknown_document_type_is_refused() -> None:
    assert fault(validate_id_document, "B", "123456", today=TODAY) == (
        "INVALID_CODE",
        ["idType"],
    )


# Student numbers (第十条)


def test_resident_id_gets_g_number() -> None:
    document = validate_id_document("1", "210311201503010012", today=TODAY)

    assert student_number_kind(document) is StudentNumberKind.OFFICIAL


def test_unusable_resident_id_gets_j_number() -> None:
    document = validate_id_document("1", "210311201503010012", today=TODAY)

    number = student_number_for(
        document,
        birth_date=date(2015, 3, 1),
        school_area_code="210311",
        rng=FixedRandom(),
        sequence=7,
        id_usable=False,
    )

    assert number == "J210311201503010071"


def test_no_id_number_gets_j_number() -> None:
    document = validate_id_document("Z", None, today=TODAY, attendance_proof_filed=True)

    assert student_number_kind(document) is StudentNumberKind.SUBSTITUTE


def test_foreign_passport_gets_l_number() -> None:
    document = validate_id_document("A", "E12345678", today=TODAY)

    number = student_number_for(
        document,
        birth_date=date(2015, 3, 1),
        school_area_code="210311",
        rng=FixedRandom(),
        sequence=1,
    )

    assert number == "L210311201503010042"


def test_temporary_number_draws_four_digits() -> None:
    number = temporary_student_number(
        school_area_code="210311", birth_date=date(2015, 3, 1), rng=Random(5)
    )

    assert validate_student_number(number) == StudentNumber(
        number, StudentNumberKind.TEMPORARY, "210311", date(2015, 3, 1)
    )


@pytest.mark.parametrize("sequence", [0, 1000])
def test_j_sequence_outside_range_is_refused(sequence: int) -> None:
    assert fault(
        substitute_student_number,
        school_area_code="210311",
        birth_date=date(2015, 3, 1),
        sequence=sequence,
    ) == ("SEQUENCE_EXHAUSTED", None)


def test_placeholder_school_area_is_refused() -> None:
    assert fault(
        temporary_student_number,
        school_area_code="210390",
        birth_date=date(2015, 3, 1),
        rng=Random(1),
    ) == ("UNKNOWN_AREA_CODE", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "g11010520150307118x",
            StudentNumber(
                "G11010520150307118X",
                StudentNumberKind.OFFICIAL,
                "110105",
                date(2015, 3, 7),
            ),
        ),
        (
            "J210311201503010071",
            StudentNumber(
                "J210311201503010071",
                StudentNumberKind.SUBSTITUTE,
                "210311",
                date(2015, 3, 1),
            ),
        ),
    ],
)
def test_student_numbers_are_parsed(value: str, expected: StudentNumber) -> None:
    assert validate_student_number(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("G11010520150307104X", "CHECK_DIGIT_MISMATCH"),
        ("J210311201503010070", "CHECK_DIGIT_MISMATCH"),
        ("L21031120150301004X", "INVALID_STUDENT_NUMBER"),
        ("K210311201503010042", "INVALID_STUDENT_NUMBER"),
        ("G21031120150301001", "INVALID_STUDENT_NUMBER"),
        ("L210311201502300042", "INVALID_STUDENT_NUMBER"),
        ("L999999201503010042", "UNKNOWN_AREA_CODE"),
    ],
)
def test_bad_student_numbers_are_refused(value: str, code: str) -> None:
    assert fault(validate_student_number, value) == (code, ["nationalStudentNumber"])


def test_l_number_upgrades_after_population_check() -> None:
    resident = parse_id_number("210311201503010012", today=TODAY)

    new = upgrade_student_number(
        "L210311201503010042", resident, population_check_passed=True
    )

    assert new == "G210311201503010012"


def test_l_number_waits_for_population_check() -> None:
    resident = parse_id_number("210311201503010012", today=TODAY)

    assert fault(upgrade_student_number, "L210311201503010042", resident) == (
        "POPULATION_CHECK_PENDING",
        ["nationalStudentNumber"],
    )


def test_j_number_upgrades_once_id_exists() -> None:
    resident = parse_id_number("210311201503010012", today=TODAY)

    assert (
        upgrade_student_number("J210311201503010071", resident) == "G210311201503010012"
    )


def test_g_number_never_changes() -> None:
    resident = parse_id_number("210311201503010012", today=TODAY)

    assert fault(
        upgrade_student_number,
        "G210311201503010012",
        resident,
        population_check_passed=True,
    ) == ("STUDENT_NUMBER_FINAL", ["nationalStudentNumber"])


# Properties


AREAS = ("110105", "210302", "210311", "310115", "440305")


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, str]:
    area = draw(st.sampled_from(AREAS))
    born = draw(st.dates(min_value=date(2000, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + mod11_2_check_char(body), born, "1" if sequence % 2 else "2"


@given(resident_ids())
def test_generated_ids_are_always_accepted(case: tuple[str, date, str]) -> None:
    number, born, sex = case

    resident = parse_id_number(number.lower(), today=TODAY)

    assert (resident.number, resident.birth_date, resident.sex) == (number, born, sex)


@given(resident_ids())
def test_own_check_digit_agrees_with_stdnum(case: tuple[str, date, str]) -> None:
    number, _born, _sex = case

    assert mod11_2_check_char(number[:17]) == ric.calc_check_digit(number)


@given(resident_ids(), st.sampled_from(CHECK_CHARS))
def test_corrupt_check_digit_is_always_mismatch(
    case: tuple[str, date, str], char: str
) -> None:
    number, _born, _sex = case
    corrupted = number[:17] + char
    if corrupted == number:
        return

    assert fault(parse_id_number, corrupted, today=TODAY) == (
        "CHECK_DIGIT_MISMATCH",
        ["idNumber"],
    )


@given(st.text())
def test_arbitrary_text_raises_only_rule_violation(text: str) -> None:
    for call in (
        lambda: parse_id_number(text, today=TODAY),
        lambda: validate_student_number(text),
        lambda: validate_id_document("6", text, today=TODAY),
        lambda: validate_id_document("1", text, today=TODAY),
    ):
        with contextlib.suppress(RuleViolation):
            call()


@given(st.text(alphabet="0123456789Xx", min_size=18, max_size=18))
def test_digit_strings_raise_only_rule_violation(text: str) -> None:
    with contextlib.suppress(RuleViolation):
        parse_id_number(text, today=TODAY)


@given(resident_ids())
def test_birth_after_today_is_future(case: tuple[str, date, str]) -> None:
    number, born, _sex = case

    assert fault(parse_id_number, number, today=born - timedelta(days=1)) == (
        "BIRTH_DATE_IN_FUTURE",
        ["idNumber"],
    )
