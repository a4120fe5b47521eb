"""Financial aid (享受资助信息, 第十一条（六）).

两免一补 (free tuition and fees, free textbooks, a living subsidy for students from
families recognised as in hardship) and the rural nutrition programme. The standards
by period are data in ``rules/data/aid.json``.

Amounts are compared with the standard of the date the aid is *for*: pass the start
date of the term or school year paid for, not the payment date (a January payment
for the autumn term belongs to the autumn term's standard).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rules.archive import ArchiveCategory, SchoolStage, raise_collected
from rules.errors import RuleViolation

ARCHIVE_CATEGORY = ArchiveCategory.FINANCIAL_AID
ARTICLE = "第十一条（六）"
LIVING_SUBSIDY_POLICY = "义务教育“两免一补”政策"
NUTRITION_POLICY = "农村义务教育学生营养改善计划"
HARDSHIP_GUIDANCE = "教财〔2018〕16号"
# Limitation: whether 千山区 takes part in a nutrition pilot (national or local) was not
# found; meal-subsidy records are checked against the rate only, not the eligibility.
TERMS_PER_YEAR = 2


class AidKind(StrEnum):
    TUITION_EXEMPTION = "TUITION_EXEMPTION"
    FREE_TEXTBOOKS = "FREE_TEXTBOOKS"
    LIVING_SUBSIDY = "LIVING_SUBSIDY"
    NUTRITION_MEAL = "NUTRITION_MEAL"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


class AidPeriod(StrEnum):
    SCHOOL_YEAR = "SCHOOL_YEAR"
    TERM = "TERM"


_KIND_LABELS = {
    AidKind.TUITION_EXEMPTION: "免学杂费",
    AidKind.FREE_TEXTBOOKS: "免费教科书",
    AidKind.LIVING_SUBSIDY: "家庭经济困难学生生活补助",
    AidKind.NUTRITION_MEAL: "营养改善计划膳食补助",
    AidKind.OTHER: "其他资助",
}
# Aid given in kind may be recorded without an amount.
_IN_KIND = frozenset({AidKind.TUITION_EXEMPTION, AidKind.FREE_TEXTBOOKS})


@dataclass(frozen=True)
class AidRecord:
    """One grant. ``for_date`` is the start of the term or year paid for."""

    kind: AidKind
    for_date: date
    amount: Decimal | None = None
    stage: SchoolStage | None = None
    boarding: bool = False
    period: AidPeriod = AidPeriod.SCHOOL_YEAR
    meal_days: int | None = None
    hardship_recognized: bool = False
    name: str | None = None


@dataclass(frozen=True)
class _Period:
    start: date | None
    end: date | None
    values: Any

    def covers(self, day: date) -> bool:
        after_start = self.start is None or self.start <= day
        return after_start and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class _AidTable:
    living: tuple[_Period, ...]
    nutrition: tuple[_Period, ...]
    meal_days_per_year: int


def _day(raw: Any) -> date | None:
    return None if raw is None else date.fromisoformat(str(raw))


def _periods(raw: Any, keys: tuple[str, ...]) -> tuple[_Period, ...]:
    return tuple(
        _Period(_day(p["from"]), _day(p["until"]), {k: p[k] for k in keys}) for p in raw
    )


@cache
def _table() -> _AidTable:
    text = resources.files("rules").joinpath("data/aid.json").read_text("utf-8")
    raw = json.loads(text)
    return _AidTable(
        living=_periods(raw["livingSubsidy"]["periods"], ("boarding", "day")),
        nutrition=_periods(raw["nutritionMeal"]["periods"], ("daily",)),
        meal_days_per_year=int(raw["nutritionMeal"]["schoolDaysPerYear"]),
    )


def _period_on(periods: tuple[_Period, ...], day: date) -> _Period | None:
    return next((p for p in periods if p.covers(day)), None)


def living_subsidy_amount(stage: SchoolStage, boarding: bool, on_date: date) -> Decimal:
    """The yearly living subsidy (一补) per student, in 元, for a date.

    Boarders: 1000/1250 (小学/初中) until 2023, 1250/1500 from spring 2024.
    Day students: 500/625 from autumn 2019, 625/750 from spring 2024; 0 before.
    """
    period = _period_on(_table().living, on_date)
    rates = None if period is None else period.values["boarding" if boarding else "day"]
    if rates is None:
        return Decimal(0)
    return Decimal(rates[stage.value])


def nutrition_daily_rate(on_date: date) -> Decimal:
    """The nutrition programme's meal subsidy per student per school day, in 元.

    5 元 from autumn 2021. Refuses dates before the programme (``AID_NOT_COVERED``)
    and the years 2011–2021 whose rate change date was not captured
    (``AID_STANDARD_UNKNOWN``).
    """
    period = _period_on(_table().nutrition, on_date)
    if period is None:
        raise RuleViolation(
            "AID_NOT_COVERED",
            f"{on_date.isoformat()} 营养改善计划尚未实施。",
            article=NUTRITION_POLICY,
            field=["forDate"],
        )
    # Limitation: 3 then 4 元/天 applied from 2011 to 2021 but the change date was
    # not captured; add the two periods to aid.json to check those years.
    if period.values["daily"] is None:
        raise RuleViolation(
            "AID_STANDARD_UNKNOWN",
            f"{on_date.isoformat()} 的营养膳食补助标准未登记，无法核对金额。",
            article=NUTRITION_POLICY,
            field=["forDate"],
        )
    return Decimal(str(period.values["daily"]))


def aid_standard(record: AidRecord) -> Decimal | None:
    """The highest amount a record may carry, or None where no standard applies."""
    if record.kind is AidKind.LIVING_SUBSIDY and record.stage is not None:
        yearly = living_subsidy_amount(record.stage, record.boarding, record.for_date)
        share = 1 if record.period is AidPeriod.SCHOOL_YEAR else TERMS_PER_YEAR
        return yearly / share
    if record.kind is AidKind.NUTRITION_MEAL and record.meal_days is not None:
        return nutrition_daily_rate(record.for_date) * record.meal_days
    return None


def check_aid_record(record: AidRecord) -> None:
    """Check an aid record before it enters the archive (第十一条（六）).

    Cash aid needs a non-negative amount (``AID_AMOUNT_INVALID``), the living
    subsidy needs the school stage (``AID_STAGE_MISSING``) and a recognised hardship
    (``AID_HARDSHIP_NOT_RECOGNIZED``), the meal subsidy needs its days
    (``AID_DAYS_INVALID``), other aid needs a name (``AID_NAME_MISSING``), and no
    amount may exceed the standard (``AID_NOT_COVERED``, ``AID_AMOUNT_ABOVE_STANDARD``).
    """
    violations = _shape_faults(record)
    raise_collected(violations)

    standard = aid_standard(record)
    if standard is None or record.amount is None or record.amount <= standard:
        return
    if standard == 0:
        raise RuleViolation(
            "AID_NOT_COVERED",
            f"{record.for_date.isoformat()} 非寄宿生尚不享受生活补助。",
            article=LIVING_SUBSIDY_POLICY,
            field=["forDate"],
        )
    raise RuleViolation(
        "AID_AMOUNT_ABOVE_STANDARD",
        f"{record.kind.label}金额 {record.amount} 元超过标准 {standard} 元。",
        article=_policy(record.kind),
        field=["amount"],
    )


def _shape_faults(record: AidRecord) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    if record.amount is None and record.kind not in _IN_KIND:
        faults.append(_fault("AID_AMOUNT_INVALID", "请填写资助金额。", "amount"))
    if record.amount is not None and record.amount < 0:
        faults.append(_fault("AID_AMOUNT_INVALID", "资助金额不能为负数。", "amount"))
    if record.kind is AidKind.LIVING_SUBSIDY:
        faults.extend(_living_subsidy_faults(record))
    if record.kind is AidKind.NUTRITION_MEAL:
        faults.extend(_meal_faults(record))
    if record.kind is AidKind.OTHER and not (record.name or "").strip():
        faults.append(
            _fault("AID_NAME_MISSING", "其他资助须写明资助项目名称。", "name")
        )
    return faults


def _living_subsidy_faults(record: AidRecord) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    if record.stage is None:
        faults.append(
            _fault("AID_STAGE_MISSING", "生活补助须注明小学或初中。", "stage")
        )
    if not record.hardship_recognized:
        faults.append(
            RuleViolation(
                "AID_HARDSHIP_NOT_RECOGNIZED",
                "生活补助仅发给经认定的家庭经济困难学生。",
                article=HARDSHIP_GUIDANCE,
                field=["hardshipRecognized"],
            )
        )
    return faults


def _meal_faults(record: AidRecord) -> list[RuleViolation]:
    most = _table().meal_days_per_year
    if record.meal_days is not None and 1 <= record.meal_days <= most:
        return []
    message = f"膳食补助天数应在1至{most}天之间。"
    return [_fault("AID_DAYS_INVALID", message, "mealDays")]


def _fault(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article=ARTICLE, field=[field])


def _policy(kind: AidKind) -> str:
    return NUTRITION_POLICY if kind is AidKind.NUTRITION_MEAL else LIVING_SUBSIDY_POLICY
