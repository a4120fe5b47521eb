from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from rules.aid import (
    ARCHIVE_CATEGORY,
    AidKind,
    AidPeriod,
    AidRecord,
    aid_standard,
    check_aid_record,
    living_subsidy_amount,
    nutrition_daily_rate,
)
from rules.archive import ArchiveCategory, SchoolStage
from rules.errors import RuleViolation, RuleViolations

P, J = SchoolStage.PRIMARY, SchoolStage.JUNIOR
AUTUMN_2025 = date(2025, 9, 1)


TERM_SUBSIDY = AidRecord(
    AidKind.LIVING_SUBSIDY,
    AUTUMN_2025,
    Decimal(750),
    stage=J,
    boarding=True,
    period=AidPeriod.TERM,
    hardship_recognized=True,
)


def subsidy(amount: str, **changes: Any) -> AidRecord:
    return replace(TERM_SUBSIDY, amount=Decimal(amount), **changes)


def test_aid_is_archived_as_financial_aid() -> None:
    assert ARCHIVE_CATEGORY is ArchiveCategory.FINANCIAL_AID


def test_aid_kind_labels() -> None:
    assert [k.label for k in AidKind] == [
        "免学杂费",
        "免费教科书",
        "家庭经济困难学生生活补助",
        "营养改善计划膳食补助",
        "其他资助",
    ]


@pytest.mark.parametrize(
    ("stage", "boarding", "on_date", "amount"),
    [
        (J, True, date(2015, 9, 1), 1250),
        (P, True, date(2020, 3, 1), 1000),
        (J, True, date(2023, 9, 1), 1250),
        (P, False, date(2019, 8, 31), 0),
        (P, False, date(2019, 9, 1), 500),
        (J, False, date(2023, 12, 31), 625),
        (P, True, date(2024, 1, 1), 1250),
        (J, True, date(2024, 3, 1), 1500),
        (P, False, AUTUMN_2025, 625),
        (J, False, AUTUMN_2025, 750),
    ],
)
def test_living_subsidy_standards_by_period(
    stage: SchoolStage, boarding: bool, on_date: date, amount: int
) -> None:
    assert living_subsidy_amount(stage, boarding, on_date) == Decimal(amount)


def test_nutrition_rate_from_autumn_2021() -> None:
    assert nutrition_daily_rate(date(2021, 9, 1)) == Decimal(5)


@pytest.mark.parametrize(
    ("on_date", "code"),
    [
        (date(2021, 8, 31), "AID_STANDARD_UNKNOWN"),
        (date(2010, 9, 1), "AID_NOT_COVERED"),
    ],
)
def test_nutrition_rate_unknown_or_uncovered(on_date: date, code: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        nutrition_daily_rate(on_date)
    assert (caught.value.code, caught.value.field) == (code, ["forDate"])


def test_term_subsidy_is_half_the_year() -> None:
    assert aid_standard(subsidy("750")) == Decimal(750)
    check_aid_record(subsidy("750"))
    check_aid_record(subsidy("1500", period=AidPeriod.SCHOOL_YEAR))


def test_subsidy_above_standard_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(subsidy("750.01"))
    violation = caught.value
    assert (violation.code, violation.field, violation.message) == (
        "AID_AMOUNT_ABOVE_STANDARD",
        ["amount"],
        "家庭经济困难学生生活补助金额 750.01 元超过标准 750 元。",
    )


def test_day_student_before_2019_not_covered() -> None:
    record = subsidy("250", boarding=False, stage=P, for_date=date(2018, 9, 1))
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(record)
    assert (caught.value.code, caught.value.field) == ("AID_NOT_COVERED", ["forDate"])


def test_subsidy_shape_faults_together() -> None:
    with pytest.raises(RuleViolations) as caught:
        check_aid_record(subsidy("-1", stage=None, hardship_recognized=False))
    assert [(v.code, v.field, v.article) for v in caught.value.violations] == [
        ("AID_AMOUNT_INVALID", ["amount"], "第十一条（六）"),
        ("AID_STAGE_MISSING", ["stage"], "第十一条（六）"),
        ("AID_HARDSHIP_NOT_RECOGNIZED", ["hardshipRecognized"], "教财〔2018〕16号"),
    ]


def meal(amount: str, days: int | None) -> AidRecord:
    return AidRecord(
        AidKind.NUTRITION_MEAL, AUTUMN_2025, Decimal(amount), meal_days=days
    )


def test_meal_subsidy_within_rate() -> None:
    assert aid_standard(meal("500", 100)) == Decimal(500)
    check_aid_record(meal("500", 100))


def test_meal_subsidy_above_rate_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(meal("501", 100))
    assert (caught.value.code, caught.value.article) == (
        "AID_AMOUNT_ABOVE_STANDARD",
        "农村义务教育学生营养改善计划",
    )


@pytest.mark.parametrize("days", [None, 0, 201])
def test_meal_days_must_be_in_year(days: int | None) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(meal("5", days))
    assert (caught.value.code, caught.value.field) == ("AID_DAYS_INVALID", ["mealDays"])


def test_in_kind_aid_needs_no_amount() -> None:
    check_aid_record(AidRecord(AidKind.FREE_TEXTBOOKS, AUTUMN_2025))
    check_aid_record(AidRecord(AidKind.TUITION_EXEMPTION, AUTUMN_2025, Decimal(0)))


def test_cash_aid_needs_an_amount() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(AidRecord(AidKind.OTHER, AUTUMN_2025, name="爱心助学金"))
    assert (caught.value.code, caught.value.message) == (
        "AID_AMOUNT_INVALID",
        "请填写资助金额。",
    )


def test_other_aid_needs_a_name() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_aid_record(AidRecord(AidKind.OTHER, AUTUMN_2025, Decimal(300)))
    assert (caught.value.code, caught.value.field) == ("AID_NAME_MISSING", ["name"])


def test_named_other_aid_has_no_standard() -> None:
    record = AidRecord(AidKind.OTHER, AUTUMN_2025, Decimal(3000), name="爱心助学金")
    assert aid_standard(record) is None
    check_aid_record(record)
