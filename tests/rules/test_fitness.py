from decimal import Decimal

import pytest

from rules.archive import ArchiveCategory, Sex
from rules.bmi import BmiCategory, bmi, bmi_category, bmi_item_score, check_bmi_score
from rules.errors import RuleViolation, RuleViolations
from rules.fitness import (
    ARCHIVE_CATEGORY,
    FitnessBand,
    FitnessItem,
    FitnessResult,
    bonus_limits,
    check_fitness_entry,
    fitness_result,
    grade_band,
    graduation_fitness_score,
    item_weights,
    may_compete_for_honours,
    required_items,
    standard_score,
)

Item = FitnessItem
STANDARD = "国家学生体质健康标准（2014年修订）"
GRADE_1_ITEMS = {
    Item.BMI,
    Item.VITAL_CAPACITY,
    Item.RUN_50M,
    Item.SIT_AND_REACH,
    Item.ROPE_SKIPPING,
}


def codes(exc: RuleViolations) -> list[tuple[str, list[str] | None]]:
    return [(v.code, v.field) for v in exc.violations]


def full_marks(grade: int, sex: Sex) -> dict[str, int]:
    return {item.value: 100 for item in required_items(grade, sex)}


def test_sex_reads_form_codes() -> None:
    assert (Sex.from_code("1"), Sex.from_code("2")) == (Sex.MALE, Sex.FEMALE)
    with pytest.raises(RuleViolation) as caught:
        Sex.from_code("9")
    assert (caught.value.code, caught.value.field) == ("SEX_CODE_INVALID", ["sex"])


def test_fitness_is_archived_under_health() -> None:
    assert ARCHIVE_CATEGORY is ArchiveCategory.HEALTH


@pytest.mark.parametrize(
    ("grade", "sex", "weights"),
    [
        (
            1,
            Sex.MALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 30,
                Item.ROPE_SKIPPING: 20,
            },
        ),
        (
            2,
            Sex.FEMALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 30,
                Item.ROPE_SKIPPING: 20,
            },
        ),
        (
            3,
            Sex.MALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 20,
                Item.ROPE_SKIPPING: 20,
                Item.SIT_UPS: 10,
            },
        ),
        (
            4,
            Sex.FEMALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 20,
                Item.ROPE_SKIPPING: 20,
                Item.SIT_UPS: 10,
            },
        ),
        (
            5,
            Sex.MALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 10,
                Item.ROPE_SKIPPING: 10,
                Item.SIT_UPS: 20,
                Item.SHUTTLE_RUN_50M_X8: 10,
            },
        ),
        (
            6,
            Sex.FEMALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 10,
                Item.ROPE_SKIPPING: 10,
                Item.SIT_UPS: 20,
                Item.SHUTTLE_RUN_50M_X8: 10,
            },
        ),
        (
            7,
            Sex.MALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 10,
                Item.STANDING_LONG_JUMP: 10,
                Item.PULL_UPS: 10,
                Item.RUN_1000M: 20,
            },
        ),
        (
            9,
            Sex.FEMALE,
            {
                Item.BMI: 15,
                Item.VITAL_CAPACITY: 15,
                Item.RUN_50M: 20,
                Item.SIT_AND_REACH: 10,
                Item.STANDING_LONG_JUMP: 10,
                Item.SIT_UPS: 10,
                Item.RUN_800M: 20,
            },
        ),
    ],
)
def test_weights_follow_table_one(
    grade: int, sex: Sex, weights: dict[FitnessItem, int]
) -> None:
    assert item_weights(grade, sex) == weights


@pytest.mark.parametrize("grade", range(1, 10))
@pytest.mark.parametrize("sex", list(Sex))
def test_weights_sum_to_one_hundred(grade: int, sex: Sex) -> None:
    assert sum(item_weights(grade, sex).values()) == 100


def test_required_items_of_grade_one() -> None:
    assert required_items(1, Sex.FEMALE) == frozenset(GRADE_1_ITEMS)


def test_grade_ten_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        required_items(10, Sex.MALE)
    assert (caught.value.code, caught.value.article) == ("GRADE_OUT_OF_RANGE", "第二条")


def test_complete_entry_is_returned_by_item() -> None:
    scores = {
        "BMI": 80,
        "VITAL_CAPACITY": 95,
        "RUN_50M": 76,
        "SIT_AND_REACH": 60,
        "ROPE_SKIPPING": 100,
    }
    assert check_fitness_entry(1, Sex.MALE, scores) == {
        Item.BMI: 80,
        Item.VITAL_CAPACITY: 95,
        Item.RUN_50M: 76,
        Item.SIT_AND_REACH: 60,
        Item.ROPE_SKIPPING: 100,
    }


def test_missing_item_is_refused() -> None:
    scores = {"BMI": 100, "VITAL_CAPACITY": 100, "RUN_50M": 100, "SIT_AND_REACH": 100}
    with pytest.raises(RuleViolation) as caught:
        check_fitness_entry(1, Sex.MALE, scores)
    violation = caught.value
    assert (violation.code, violation.field, violation.article) == (
        "FITNESS_ITEM_MISSING",
        ["itemScores", "ROPE_SKIPPING"],
        STANDARD,
    )


def test_unknown_and_untested_items_are_refused() -> None:
    scores: dict[str, int] = {
        **full_marks(7, Sex.FEMALE),
        "PULL_UPS": 100,
        "JAVELIN": 100,
    }
    with pytest.raises(RuleViolations) as caught:
        check_fitness_entry(7, Sex.FEMALE, scores)
    assert codes(caught.value) == [
        ("FITNESS_ITEM_UNKNOWN", ["itemScores", "PULL_UPS"]),
        ("FITNESS_ITEM_UNKNOWN", ["itemScores", "JAVELIN"]),
    ]
    assert caught.value.violations[0].message == "7年级女生不测试引体向上。"


@pytest.mark.parametrize(
    "score",
    [100, 95, 90, 85, 80, 78, 76, 74, 72, 70, 68, 66, 64, 62, 60, 50, 40, 30, 20, 10],
)
def test_every_score_point_is_accepted(score: int) -> None:
    scores = {**full_marks(3, Sex.MALE), Item.RUN_50M: score}
    assert check_fitness_entry(3, Sex.MALE, scores)[Item.RUN_50M] == score


@pytest.mark.parametrize("score", [0, 5, 59, 61, 77, 79, 88, 99, 105])
def test_off_table_score_is_refused(score: int) -> None:
    scores = {**full_marks(3, Sex.MALE), Item.RUN_50M: score}
    with pytest.raises(RuleViolation) as caught:
        check_fitness_entry(3, Sex.MALE, scores)
    assert (caught.value.code, caught.value.field) == (
        "FITNESS_SCORE_NOT_ALLOWED",
        ["itemScores", "RUN_50M"],
    )


def test_bmi_item_takes_only_bmi_scores() -> None:
    scores = {**full_marks(2, Sex.MALE), Item.BMI: 90}
    with pytest.raises(RuleViolation) as caught:
        check_fitness_entry(2, Sex.MALE, scores)
    assert (caught.value.code, caught.value.field) == (
        "FITNESS_SCORE_NOT_ALLOWED",
        ["itemScores", "BMI"],
    )


def test_standard_score_weights_each_item() -> None:
    scores = {
        Item.BMI: 80,
        Item.VITAL_CAPACITY: 95,
        Item.RUN_50M: 76,
        Item.SIT_AND_REACH: 60,
        Item.ROPE_SKIPPING: 100,
    }
    assert standard_score(1, Sex.MALE, scores) == Decimal("79.45")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("120", FitnessBand.EXCELLENT),
        ("90.0", FitnessBand.EXCELLENT),
        ("89.95", FitnessBand.GOOD),
        ("89.9", FitnessBand.GOOD),
        ("80.0", FitnessBand.GOOD),
        ("79.9", FitnessBand.PASS),
        ("60.0", FitnessBand.PASS),
        ("59.9", FitnessBand.FAIL),
        ("0", FitnessBand.FAIL),
    ],
)
def test_grade_bands_follow_the_standard(total: str, band: FitnessBand) -> None:
    assert grade_band(Decimal(total)) is band


def test_band_labels_are_chinese() -> None:
    assert [b.label for b in FitnessBand] == ["优秀", "良好", "及格", "不及格"]


def test_mixed_result_with_rope_bonus() -> None:
    scores = {
        "BMI": 100,
        "VITAL_CAPACITY": 78,
        "RUN_50M": 90,
        "SIT_AND_REACH": 62,
        "ROPE_SKIPPING": 100,
        "SIT_UPS": 85,
        "SHUTTLE_RUN_50M_X8": 50,
    }
    result = fitness_result(5, Sex.FEMALE, scores, {"ROPE_SKIPPING": 5})
    assert result == FitnessResult(
        False, Decimal("82.90"), Decimal(5), Decimal("87.90"), FitnessBand.GOOD
    )


def test_primary_total_reaches_one_hundred_twenty() -> None:
    result = fitness_result(6, Sex.MALE, full_marks(6, Sex.MALE), {"ROPE_SKIPPING": 20})
    assert (result.total, result.band) == (Decimal("120.00"), FitnessBand.EXCELLENT)


def test_junior_boy_total_reaches_one_hundred_twenty() -> None:
    bonus = {"PULL_UPS": 10, "RUN_1000M": 10}
    result = fitness_result(8, Sex.MALE, full_marks(8, Sex.MALE), bonus)
    assert (result.bonus, result.total) == (Decimal(20), Decimal("120.00"))


def test_bonus_limits_per_stage_and_sex() -> None:
    assert [
        bonus_limits(1, Sex.FEMALE),
        bonus_limits(9, Sex.MALE),
        bonus_limits(7, Sex.FEMALE),
    ] == [
        {Item.ROPE_SKIPPING: 20},
        {Item.PULL_UPS: 10, Item.RUN_1000M: 10},
        {Item.SIT_UPS: 10, Item.RUN_800M: 10},
    ]


def test_bonus_faults_are_refused_together() -> None:
    bonus = {"PULL_UPS": 5, "SIT_UPS": 11, "RUN_50M": 1}
    with pytest.raises(RuleViolations) as caught:
        fitness_result(7, Sex.FEMALE, full_marks(7, Sex.FEMALE), bonus)
    assert codes(caught.value) == [
        ("FITNESS_BONUS_NOT_ALLOWED", ["bonusPoints", "PULL_UPS"]),
        ("FITNESS_BONUS_OUT_OF_RANGE", ["bonusPoints", "SIT_UPS"]),
        ("FITNESS_BONUS_NOT_ALLOWED", ["bonusPoints", "RUN_50M"]),
    ]


def test_bonus_needs_a_full_item_score() -> None:
    scores = {**full_marks(4, Sex.MALE), Item.ROPE_SKIPPING: 95}
    with pytest.raises(RuleViolation) as caught:
        fitness_result(4, Sex.MALE, scores, {"ROPE_SKIPPING": 2})
    assert (caught.value.code, caught.value.field) == (
        "FITNESS_BONUS_WITHOUT_FULL_SCORE",
        ["bonusPoints", "ROPE_SKIPPING"],
    )


def test_exempt_student_is_marked_exempt() -> None:
    result = fitness_result(3, Sex.FEMALE, {}, exempt=True)
    assert (result, result.record_mark) == (
        FitnessResult(True, None, None, None, None),
        "免测",
    )


def test_exempt_student_with_scores_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        fitness_result(3, Sex.FEMALE, {"BMI": 100}, exempt=True)
    assert caught.value.code == "FITNESS_EXEMPT_WITH_SCORES"


@pytest.mark.parametrize(
    ("band", "exempt", "disabled", "allowed"),
    [
        (FitnessBand.EXCELLENT, False, False, True),
        (FitnessBand.GOOD, False, False, True),
        (FitnessBand.PASS, False, False, False),
        (None, True, True, True),
        (None, True, False, False),
    ],
)
def test_only_good_or_better_compete_for_honours(
    band: FitnessBand | None, exempt: bool, disabled: bool, allowed: bool
) -> None:
    result = FitnessResult(exempt, None, None, None, band)
    assert may_compete_for_honours(result, disabled=disabled) is allowed


def test_graduation_score_halves_final_year() -> None:
    others = [Decimal(70), Decimal(75), Decimal(80)]
    assert graduation_fitness_score(Decimal(85), others) == Decimal("80.00")


def test_graduation_score_without_other_years() -> None:
    assert graduation_fitness_score(Decimal("77.5"), []) == Decimal("77.5")


def test_bmi_rounds_to_one_decimal() -> None:
    assert [bmi(120, 20), bmi(Decimal("152.5"), Decimal("45.3")), bmi(130.0, 30.0)] == [
        Decimal("13.9"),
        Decimal("19.5"),
        Decimal("17.8"),
    ]


def test_bmi_refuses_zero_height() -> None:
    with pytest.raises(RuleViolation) as caught:
        bmi(0, 20)
    assert (caught.value.code, caught.value.field) == (
        "BMI_INPUT_INVALID",
        ["heightCm"],
    )


# 表1-1/1-2: grade, boys normal, boys overweight, girls normal.
BMI_TABLE = [
    (1, ("13.5", "18.1"), ("18.2", "20.3"), ("13.3", "17.3")),
    (2, ("13.7", "18.4"), ("18.5", "20.4"), ("13.5", "17.8")),
    (3, ("13.9", "19.4"), ("19.5", "22.1"), ("13.6", "18.6")),
    (4, ("14.2", "20.1"), ("20.2", "22.6"), ("13.7", "19.4")),
    (5, ("14.4", "21.4"), ("21.5", "24.1"), ("13.8", "20.5")),
    (6, ("14.7", "21.8"), ("21.9", "24.5"), ("14.2", "20.8")),
    (7, ("15.5", "22.1"), ("22.2", "24.9"), ("14.8", "21.7")),
    (8, ("15.7", "22.5"), ("22.6", "25.2"), ("15.3", "22.2")),
    (9, ("15.8", "22.8"), ("22.9", "26.0"), ("16.0", "22.6")),
]
TENTH = Decimal("0.1")


@pytest.mark.parametrize(("grade", "normal", "overweight", "girls"), BMI_TABLE)
def test_boys_bmi_table_bounds(
    grade: int,
    normal: tuple[str, str],
    overweight: tuple[str, str],
    girls: tuple[str, str],
) -> None:
    low, high = Decimal(normal[0]), Decimal(normal[1])
    over_low, over_high = Decimal(overweight[0]), Decimal(overweight[1])
    values = [low - TENTH, low, high, over_low, over_high, over_high + TENTH]
    assert [bmi_category(grade, Sex.MALE, v) for v in values] == [
        BmiCategory.UNDERWEIGHT,
        BmiCategory.NORMAL,
        BmiCategory.NORMAL,
        BmiCategory.OVERWEIGHT,
        BmiCategory.OVERWEIGHT,
        BmiCategory.OBESE,
    ]
    assert high + TENTH == over_low


@pytest.mark.parametrize(("grade", "normal", "overweight", "girls"), BMI_TABLE)
def test_girls_bmi_table_bounds(
    grade: int,
    normal: tuple[str, str],
    overweight: tuple[str, str],
    girls: tuple[str, str],
) -> None:
    low, high = Decimal(girls[0]), Decimal(girls[1])
    values = [low - TENTH, low, high, high + TENTH]
    assert [bmi_category(grade, Sex.FEMALE, v) for v in values] == [
        BmiCategory.UNDERWEIGHT,
        BmiCategory.NORMAL,
        BmiCategory.NORMAL,
        None,
    ]


def test_bmi_item_scores_per_category() -> None:
    assert {c: bmi_item_score(c) for c in BmiCategory} == {
        BmiCategory.NORMAL: 100,
        BmiCategory.UNDERWEIGHT: 80,
        BmiCategory.OVERWEIGHT: 80,
        BmiCategory.OBESE: 60,
    }


def test_bmi_score_must_match_category() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_bmi_score(1, Sex.MALE, Decimal("20.4"), 80)
    assert (caught.value.code, caught.value.message) == (
        "FITNESS_BMI_SCORE_MISMATCH",
        "BMI 20.4 对应的单项得分应为 60，收到 80。",
    )


def test_girl_above_normal_accepts_either_score() -> None:
    check_bmi_score(1, Sex.FEMALE, Decimal("17.4"), 60)
    check_bmi_score(1, Sex.FEMALE, Decimal("17.4"), 80)
    with pytest.raises(RuleViolation) as caught:
        check_bmi_score(1, Sex.FEMALE, Decimal("17.4"), 100)
    assert caught.value.code == "FITNESS_BMI_SCORE_MISMATCH"
