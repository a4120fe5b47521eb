"""BMI, the first item of 国家学生体质健康标准（2014年修订）, and its categories.

The ranges are the standard's 表1-1/1-2 as data in ``rules/data/fitness.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rules.archive import Sex, check_grade
from rules.errors import RuleViolation

STANDARD = "国家学生体质健康标准（2014年修订）"


class BmiCategory(StrEnum):
    NORMAL = "NORMAL"
    UNDERWEIGHT = "UNDERWEIGHT"
    OVERWEIGHT = "OVERWEIGHT"
    OBESE = "OBESE"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BmiCategory.NORMAL: "正常",
    BmiCategory.UNDERWEIGHT: "低体重",
    BmiCategory.OVERWEIGHT: "超重",
    BmiCategory.OBESE: "肥胖",
}


@dataclass(frozen=True)
class BmiRange:
    """Inclusive bounds at one decimal; ``overweight`` is None where not captured."""

    normal: tuple[Decimal, Decimal]
    overweight: tuple[Decimal, Decimal] | None


@dataclass(frozen=True)
class _BmiTable:
    scores: dict[BmiCategory, int]
    ranges: dict[tuple[int, Sex], BmiRange]


def _pair(raw: Any) -> tuple[Decimal, Decimal]:
    return (Decimal(str(raw[0])), Decimal(str(raw[1])))


@cache
def _table() -> _BmiTable:
    text = resources.files("rules").joinpath("data/fitness.json").read_text("utf-8")
    raw = json.loads(text)
    ranges: dict[tuple[int, Sex], BmiRange] = {}
    for sex, by_grade in raw["bmiRanges"].items():
        for grade, row in by_grade.items():
            overweight = None if row["overweight"] is None else _pair(row["overweight"])
            ranges[(int(grade), Sex(sex))] = BmiRange(_pair(row["normal"]), overweight)
    scores = {BmiCategory(k): int(v) for k, v in raw["bmiItemScores"].items()}
    return _BmiTable(scores, ranges)


def bmi_range(grade: int, sex: Sex) -> BmiRange:
    """The 表1 row for a grade (1–9, 初一 = 7) and sex."""
    check_grade(grade)
    return _table().ranges[(grade, sex)]


def bmi(height_cm: Decimal | float, weight_kg: Decimal | float) -> Decimal:
    """BMI = weight (kg) / height (m)², rounded half-up to one decimal as in 表1."""
    height = Decimal(str(height_cm))
    weight = Decimal(str(weight_kg))
    if height <= 0 or weight <= 0:
        raise RuleViolation(
            "BMI_INPUT_INVALID",
            "身高和体重必须大于0。",
            article=STANDARD,
            field=["heightCm" if height <= 0 else "weightKg"],
        )
    metres = height / 100
    return (weight / (metres * metres)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def bmi_category(grade: int, sex: Sex, value: Decimal) -> BmiCategory | None:
    """The BMI category of the standard's 表1-1/1-2 for a grade and sex.

    Below the normal range is 低体重 (≤ normal lower bound − 0.1 at one decimal).
    """
    ranges = bmi_range(grade, sex)
    low, high = ranges.normal
    if value < low:
        return BmiCategory.UNDERWEIGHT
    if value <= high:
        return BmiCategory.NORMAL
    # Limitation: the girls' 超重/肥胖 bounds were not captured from the standard, so a
    # girl above the normal range gets no category instead of a guessed one; add the
    # "overweight" pairs to fitness.json to lift this.
    if ranges.overweight is None:
        return None
    if value <= ranges.overweight[1]:
        return BmiCategory.OVERWEIGHT
    return BmiCategory.OBESE


def bmi_item_score(category: BmiCategory) -> int:
    """The BMI item score: 正常 100, 低体重 80, 超重 80, 肥胖 60."""
    return _table().scores[category]


def check_bmi_score(grade: int, sex: Sex, value: Decimal, score: int) -> None:
    """Refuse a BMI item score that does not match the measured BMI."""
    category = bmi_category(grade, sex, value)
    if category is None:
        expected = {
            bmi_item_score(BmiCategory.OVERWEIGHT),
            bmi_item_score(BmiCategory.OBESE),
        }
    else:
        expected = {bmi_item_score(category)}
    if score in expected:
        return
    raise RuleViolation(
        "FITNESS_BMI_SCORE_MISMATCH",
        f"BMI {value} 对应的单项得分应为 {'或'.join(map(str, sorted(expected)))}，"
        f"收到 {score}。",
        article=STANDARD,
        field=["itemScores", "BMI"],
    )
