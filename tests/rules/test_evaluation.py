import pytest

from rules.archive import ArchiveCategory, SchoolStage, stage_of_grade
from rules.errors import RuleViolation, RuleViolations
from rules.evaluation import (
    ARCHIVE_CATEGORY,
    DEFAULT_FRAMEWORK,
    DimensionEntry,
    EvaluationDimension,
    EvaluationFramework,
    EvaluationLevel,
    assert_may_enter_evaluation,
    assert_no_ranking,
    check_term_evaluation,
    dimensions,
    missing_dimensions,
)

D = EvaluationDimension


def test_archive_has_seven_categories() -> None:
    assert [(c.value, c.label, c.clause) for c in ArchiveCategory] == [
        ("BASIC_INFO", "学籍基础信息及信息变动情况", "第十一条（一）"),
        ("PROOF_DOCUMENTS", "学籍信息证明材料", "第十一条（二）"),
        ("QUALITY_EVALUATION", "综合素质评价手册", "第十一条（三）"),
        ("HEALTH", "体质健康测试及健康体检信息、预防接种信息", "第十一条（四）"),
        ("AWARDS", "在校期间的获奖信息", "第十一条（五）"),
        ("FINANCIAL_AID", "享受资助信息", "第十一条（六）"),
        ("ACADEMIC_RESULTS", "学生的学业成绩及综合素质评价结果", "第十一条（七）"),
    ]


@pytest.mark.parametrize(
    ("grade", "stage"),
    [
        (1, SchoolStage.PRIMARY),
        (6, SchoolStage.PRIMARY),
        (7, SchoolStage.JUNIOR),
        (9, SchoolStage.JUNIOR),
    ],
)
def test_stage_follows_six_three_split(grade: int, stage: SchoolStage) -> None:
    assert stage_of_grade(grade) is stage


def test_grade_zero_has_no_stage() -> None:
    with pytest.raises(RuleViolation) as caught:
        stage_of_grade(0)
    assert (caught.value.code, caught.value.field) == ("GRADE_OUT_OF_RANGE", ["grade"])


def test_evaluation_is_archived_as_booklet() -> None:
    assert ARCHIVE_CATEGORY is ArchiveCategory.QUALITY_EVALUATION


def test_default_framework_is_junior_2016() -> None:
    assert (DEFAULT_FRAMEWORK, [d.label for d in dimensions()]) == (
        EvaluationFramework.JUNIOR_2016,
        ["思想品德", "学业水平", "身心健康", "艺术素养", "社会实践"],
    )


def test_compulsory_2021_framework_dimensions() -> None:
    labels = [d.label for d in dimensions(EvaluationFramework.COMPULSORY_2021)]
    assert labels == ["品德发展", "学业发展", "身心发展", "审美素养", "劳动与社会实践"]


def test_level_labels_are_developmental() -> None:
    assert [lv.label for lv in EvaluationLevel] == ["优秀", "良好", "合格", "待合格"]


def test_valid_term_is_keyed_by_dimension() -> None:
    entries = [
        DimensionEntry("MORAL_CHARACTER", "乐于助人，主动承担班级值日。", "EXCELLENT"),
        DimensionEntry("SOCIAL_PRACTICE", "参加社区垃圾分类宣传两次。"),
    ]
    assert check_term_evaluation(2025, 1, entries) == {
        D.MORAL_CHARACTER: entries[0],
        D.SOCIAL_PRACTICE: entries[1],
    }


def test_entry_faults_are_refused_together() -> None:
    entries = [
        DimensionEntry("MORAL_DEVELOPMENT", "认真负责。"),
        DimensionEntry("ACADEMIC_LEVEL", "  "),
        DimensionEntry("ARTISTIC_LITERACY", "坚持练习书法。", "A"),
    ]
    with pytest.raises(RuleViolations) as caught:
        check_term_evaluation(2025, 3, entries)
    assert [(v.code, v.field, v.article) for v in caught.value.violations] == [
        ("EVALUATION_TERM_INVALID", ["term"], "第二十八条"),
        ("EVALUATION_DIMENSION_UNKNOWN", ["entries", "0", "dimension"], "第二十八条"),
        ("EVALUATION_TEXT_MISSING", ["entries", "1", "text"], "第二十八条"),
        ("EVALUATION_LEVEL_UNKNOWN", ["entries", "2", "level"], "第二十八条"),
    ]


def test_other_framework_accepts_its_dimensions() -> None:
    entries = [DimensionEntry("LABOUR_SOCIAL_PRACTICE", "每周在家整理房间。", "GOOD")]
    checked = check_term_evaluation(
        2025, 2, entries, framework=EvaluationFramework.COMPULSORY_2021
    )
    assert checked == {D.LABOUR_SOCIAL_PRACTICE: entries[0]}


def test_duplicate_dimension_is_refused() -> None:
    entries = [
        DimensionEntry("PHYSICAL_MENTAL_HEALTH", "坚持晨跑。"),
        DimensionEntry("PHYSICAL_MENTAL_HEALTH", "情绪稳定。"),
    ]
    with pytest.raises(RuleViolation) as caught:
        check_term_evaluation(2025, 1, entries)
    assert (caught.value.code, caught.value.field) == (
        "EVALUATION_DIMENSION_DUPLICATE",
        ["entries", "1"],
    )


def test_missing_dimensions_keep_framework_order() -> None:
    recorded = ["SOCIAL_PRACTICE", "MORAL_CHARACTER"]
    assert missing_dimensions(recorded) == (
        D.ACADEMIC_LEVEL,
        D.PHYSICAL_MENTAL_HEALTH,
        D.ARTISTIC_LITERACY,
    )


@pytest.mark.parametrize(
    ("role", "actor_class", "student_class"),
    [("head_teacher", "4-2", "4-2"), ("registrar", None, "4-2")],
)
def test_head_teacher_or_registrar_may_enter(
    role: str, actor_class: str | None, student_class: str
) -> None:
    assert_may_enter_evaluation(
        role, actor_class_id=actor_class, student_class_id=student_class
    )


@pytest.mark.parametrize(
    ("role", "actor_class", "student_class"),
    [
        ("head_teacher", "4-1", "4-2"),
        ("head_teacher", None, None),
        ("school_leader", None, "4-2"),
        ("district_officer", None, "4-2"),
    ],
)
def test_others_may_not_enter_evaluation(
    role: str, actor_class: str | None, student_class: str | None
) -> None:
    with pytest.raises(RuleViolation) as caught:
        assert_may_enter_evaluation(
            role, actor_class_id=actor_class, student_class_id=student_class
        )
    assert (caught.value.code, caught.value.article) == (
        "EVALUATION_ENTRY_FORBIDDEN",
        "第二十八条",
    )


@pytest.mark.parametrize(
    "key",
    [
        "totalScore",
        "-score",
        "SCORE_DESC",
        "results.score asc",
        "rank",
        "evaluationLevel",
        "FITNESS_BAND_ASC",
        "examResult",
        "成绩",
        "排名",
    ],
)
def test_sorting_by_score_is_refused(key: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        assert_no_ranking(order_by=[key])
    violation = caught.value
    assert (violation.code, violation.article, violation.field) == (
        "RANKING_FORBIDDEN",
        "第二十八条",
        ["orderBy"],
    )


def test_filtering_by_score_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        assert_no_ranking(filters={"grade": 4, "scoreGte": 90})
    assert (caught.value.code, caught.value.field) == (
        "RANKING_FORBIDDEN",
        ["filter", "scoreGte"],
    )


def test_sort_and_filter_faults_together() -> None:
    with pytest.raises(RuleViolations) as caught:
        assert_no_ranking(order_by=["name", "totalScore"], filters=["level"])
    assert [v.field for v in caught.value.violations] == [
        ["orderBy"],
        ["filter", "level"],
    ]


def test_directory_sorting_is_allowed() -> None:
    keys = ["name", "-grade", "studentNumber", "CLASS_ID_ASC", "sex", "entryDate"]
    assert_no_ranking(order_by=keys, filters=["grade", "classId", "status"])
