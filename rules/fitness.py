"""Fitness tests under 国家学生体质健康标准（2014年修订） (archive 第十一条（四）).

The items, weights, score points, bonus limits, grade bands and BMI ranges are data in
``rules/data/fitness.json``; this module applies them. Item scores are the points read
off the standard's scoring tables (the raw measurements are scored by the test station
and are not re-scored here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from rules.archive import ArchiveCategory, Sex, check_grade, raise_collected
from rules.bmi import BmiCategory, bmi_item_score
from rules.errors import RuleViolation

ARCHIVE_CATEGORY = ArchiveCategory.HEALTH
STANDARD = "国家学生体质健康标准（2014年修订）"
EXEMPT_MARK = "免测"


class FitnessItem(StrEnum):
    """A test item of the standard; the label is the standard's item name."""

    BMI = "BMI"
    VITAL_CAPACITY = "VITAL_CAPACITY"
    RUN_50M = "RUN_50M"
    SIT_AND_REACH = "SIT_AND_REACH"
    ROPE_SKIPPING = "ROPE_SKIPPING"
    SIT_UPS = "SIT_UPS"
    SHUTTLE_RUN_50M_X8 = "SHUTTLE_RUN_50M_X8"
    STANDING_LONG_JUMP = "STANDING_LONG_JUMP"
    PULL_UPS = "PULL_UPS"
    RUN_1000M = "RUN_1000M"
    RUN_800M = "RUN_800M"

    @property
    def label(self) -> str:
        return _table().item_labels[self]


class FitnessBand(StrEnum):
    """The grade (等级) of a yearly total."""

    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    PASS = "PASS"
    FAIL = "FAIL"

    @property
    def label(self) -> str:
        return _BAND_LABELS[self]


_BAND_LABELS = {
    FitnessBand.EXCELLENT: "优秀",
    FitnessBand.GOOD: "良好",
    FitnessBand.PASS: "及格",
    FitnessBand.FAIL: "不及格",
}


# Item scores keyed by item, as enum members or their names.
ItemScores = Mapping[FitnessItem, int] | Mapping[str, int]


@dataclass(frozen=True)
class FitnessResult:
    """A yearly result; an exempt (免测) student has no scores and no band."""

    exempt: bool
    standard_score: Decimal | None
    bonus: Decimal | None
    total: Decimal | None
    band: FitnessBand | None

    @property
    def record_mark(self) -> str:
        """What the registration card shows: the band, or 免测."""
        if self.band is None:
            return EXEMPT_MARK
        return self.band.label


@dataclass(frozen=True)
class _FitnessTable:
    item_labels: dict[FitnessItem, str]
    weights: dict[tuple[int, Sex], dict[FitnessItem, int]]
    bonus: dict[tuple[int, Sex], dict[FitnessItem, int]]
    score_points: frozenset[int]
    max_bonus: Decimal
    bands: tuple[tuple[FitnessBand, Decimal], ...]


def _by_grade_and_sex(
    groups: Iterable[Any], key: str
) -> dict[tuple[int, Sex], dict[FitnessItem, int]]:
    table: dict[tuple[int, Sex], dict[FitnessItem, int]] = {}
    for group in groups:
        values = {FitnessItem(name): int(v) for name, v in group[key].items()}
        for grade in group["grades"]:
            for sex in group["sexes"]:
                table[(int(grade), Sex(sex))] = values
    return table


@cache
def _table() -> _FitnessTable:
    text = resources.files("rules").joinpath("data/fitness.json").read_text("utf-8")
    raw = json.loads(text)
    return _FitnessTable(
        item_labels={FitnessItem(k): str(v) for k, v in raw["items"].items()},
        weights=_by_grade_and_sex(raw["weights"], "weights"),
        bonus=_by_grade_and_sex(raw["bonus"], "items"),
        score_points=frozenset(int(p) for p in raw["itemScorePoints"]),
        max_bonus=Decimal(raw["maxBonus"]),
        bands=tuple(
            (FitnessBand(b["band"]), Decimal(b["min"])) for b in raw["gradeBands"]
        ),
    )


def item_weights(grade: int, sex: Sex) -> dict[FitnessItem, int]:
    """Each item's weight in percent for a grade and sex (standard 表1)."""
    check_grade(grade)
    return dict(_table().weights[(grade, sex)])


def required_items(grade: int, sex: Sex) -> frozenset[FitnessItem]:
    """The items every student of this grade and sex must be tested on.

    The 2014 revision has no optional items: all items of the grade are required.
    """
    return frozenset(item_weights(grade, sex))


def bonus_limits(grade: int, sex: Sex) -> dict[FitnessItem, int]:
    """The items that may earn bonus points (附加分) and each one's limit."""
    check_grade(grade)
    return dict(_table().bonus[(grade, sex)])


def _parse_item(name: str, field: str) -> FitnessItem | RuleViolation:
    try:
        return FitnessItem(name)
    except ValueError:
        return RuleViolation(
            "FITNESS_ITEM_UNKNOWN",
            f"“{name}”不是体质健康测试项目。",
            article=STANDARD,
            field=[field, name],
        )


def _check_score(item: FitnessItem, score: int) -> RuleViolation | None:
    if item is FitnessItem.BMI:
        allowed = frozenset(bmi_item_score(category) for category in BmiCategory)
    else:
        allowed = _table().score_points
    if score in allowed and not isinstance(score, bool):
        return None
    return RuleViolation(
        "FITNESS_SCORE_NOT_ALLOWED",
        f"{item.label}的单项得分 {score} 不是评分表中的分值。",
        article=STANDARD,
        field=["itemScores", item.value],
    )


def check_fitness_entry(
    grade: int, sex: Sex, item_scores: ItemScores
) -> dict[FitnessItem, int]:
    """Check one year's item scores and return them keyed by item.

    Refuses items the grade is not tested on or that do not exist
    (``FITNESS_ITEM_UNKNOWN``), required items left out (``FITNESS_ITEM_MISSING``) and
    scores that are not points of the scoring tables (``FITNESS_SCORE_NOT_ALLOWED``);
    all faults are raised together.
    """
    required = required_items(grade, sex)
    violations: list[RuleViolation] = []
    scores: dict[FitnessItem, int] = {}
    for name, score in item_scores.items():
        item = _parse_item(name, "itemScores")
        if isinstance(item, RuleViolation):
            violations.append(item)
            continue
        if item in required:
            fault = _check_score(item, score)
        else:
            fault = _not_tested(item, grade, sex)
        if fault is not None:
            violations.append(fault)
        scores[item] = score
    violations.extend(_missing(item) for item in sorted(required - set(scores)))
    raise_collected(violations)
    return scores


def _not_tested(item: FitnessItem, grade: int, sex: Sex) -> RuleViolation:
    return RuleViolation(
        "FITNESS_ITEM_UNKNOWN",
        f"{grade}年级{sex.label}生不测试{item.label}。",
        article=STANDARD,
        field=["itemScores", item.value],
    )


def _missing(item: FitnessItem) -> RuleViolation:
    return RuleViolation(
        "FITNESS_ITEM_MISSING",
        f"缺少必测项目{item.label}的得分。",
        article=STANDARD,
        field=["itemScores", item.value],
    )


def check_bonus(
    grade: int,
    sex: Sex,
    item_scores: Mapping[FitnessItem, int],
    bonus_points: ItemScores,
) -> dict[FitnessItem, int]:
    """Check bonus points (附加分) against the checked item scores.

    Primary grades: 1分钟跳绳 only, up to 20. Junior high: boys 引体向上 and 1000米跑,
    girls 1分钟仰卧起坐 and 800米跑, each up to 10. A bonus is given only beyond the
    100-point result, so the item must have scored 100.
    """
    limits = bonus_limits(grade, sex)
    violations: list[RuleViolation] = []
    checked: dict[FitnessItem, int] = {}
    for name, points in bonus_points.items():
        item = _parse_item(name, "bonusPoints")
        if isinstance(item, RuleViolation):
            violations.append(item)
            continue
        fault = _check_bonus_item(item, points, limits, item_scores)
        if fault is not None:
            violations.append(fault)
        checked[item] = points
    raise_collected(violations)
    return checked


def _check_bonus_item(
    item: FitnessItem,
    points: int,
    limits: Mapping[FitnessItem, int],
    item_scores: Mapping[FitnessItem, int],
) -> RuleViolation | None:
    field = ["bonusPoints", item.value]
    if item not in limits:
        message = f"{item.label}不设附加分。"
        return RuleViolation(
            "FITNESS_BONUS_NOT_ALLOWED", message, article=STANDARD, field=field
        )
    if not 0 <= points <= limits[item]:
        message = f"{item.label}附加分应在0至{limits[item]}分之间，收到 {points}。"
        return RuleViolation(
            "FITNESS_BONUS_OUT_OF_RANGE", message, article=STANDARD, field=field
        )
    if points > 0 and item_scores.get(item) != 100:
        message = f"{item.label}单项得分未满100分，不能加分。"
        return RuleViolation(
            "FITNESS_BONUS_WITHOUT_FULL_SCORE", message, article=STANDARD, field=field
        )
    return None


def standard_score(
    grade: int, sex: Sex, item_scores: Mapping[FitnessItem, int]
) -> Decimal:
    """标准分: Σ item score × weight (weights in percent), at most 100."""
    weights = item_weights(grade, sex)
    weighted = sum(item_scores[item] * weight for item, weight in weights.items())
    return (Decimal(weighted) / 100).quantize(Decimal("0.01"))


def grade_band(total: Decimal) -> FitnessBand:
    """优秀 ≥ 90.0, 良好 80.0–89.9, 及格 60.0–79.9, 不及格 ≤ 59.9.

    The upper bounds 89.9/79.9/59.9 are read as "below the next band's lower bound",
    so a two-decimal total such as 89.95 is 良好.
    """
    for band, lower in _table().bands:
        if total >= lower:
            return band
    return FitnessBand.FAIL


def fitness_result(
    grade: int,
    sex: Sex,
    item_scores: ItemScores,
    bonus_points: ItemScores | None = None,
    *,
    exempt: bool = False,
) -> FitnessResult:
    """The checked yearly result: 学年总分 = 标准分 + 附加分 (≤ 120) and its band.

    An exempt student (免予执行, with a medical certificate approved by the PE
    department) carries no scores; the record is marked 免测.
    """
    if exempt:
        _check_exempt_without_scores(item_scores, bonus_points)
        return FitnessResult(True, None, None, None, None)

    scores = check_fitness_entry(grade, sex, item_scores)
    bonus = check_bonus(grade, sex, scores, bonus_points or {})
    standard = standard_score(grade, sex, scores)
    bonus_total = min(Decimal(sum(bonus.values())), _table().max_bonus)

    total = standard + bonus_total
    return FitnessResult(False, standard, bonus_total, total, grade_band(total))


def _check_exempt_without_scores(
    item_scores: ItemScores, bonus_points: ItemScores | None
) -> None:
    if not item_scores and not bonus_points:
        return
    raise RuleViolation(
        "FITNESS_EXEMPT_WITH_SCORES",
        "免测学生不应登记测试成绩。",
        article=STANDARD,
        field=["itemScores"],
    )


def may_compete_for_honours(result: FitnessResult, *, disabled: bool = False) -> bool:
    """Only 良好 or better may take part in 评优评奖; exempt disabled students may."""
    if result.exempt:
        # Limitation: the standard names exempt *disabled* students only; an exempt
        # student who is not disabled is left out until the 说明 text is checked.
        return disabled
    return result.band in (FitnessBand.EXCELLENT, FitnessBand.GOOD)


def graduation_fitness_score(
    final_year_total: Decimal, other_year_totals: Iterable[Decimal]
) -> Decimal:
    """毕业成绩 = 50 % × final-year total + 50 % × mean of the other years' totals."""
    others = list(other_year_totals)
    if not others:
        return final_year_total
    mean = sum(others, Decimal(0)) / len(others)
    half = Decimal("0.5")
    return (half * final_year_total + half * mean).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
