"""The student archive (学籍档案) of 第十一条 and facts shared by its rule modules.

The archive rules are split by topic:
``rules.fitness`` (体质健康, 第十一条（四）), ``rules.evaluation`` (综合素质评价,
第二十七、二十八条), ``rules.conduct`` (奖励和处分, 第二十九、三十条),
``rules.graduation`` (学业成绩和毕业, 第三十二条), ``rules.attendance`` (考勤,
第三十四条) and ``rules.aid`` (资助, 第十一条（六）).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from rules.errors import RuleViolation, RuleViolations

FIRST_GRADE = 1
# 第二条: 九年义务教育实行"六三"分段，小学6年，初中3年; grades 7–9 are 初一 to 初三.
LAST_PRIMARY_GRADE = 6
LAST_GRADE = 9


class ArchiveCategory(StrEnum):
    """The seven kinds of content of a student archive (第十一条（一）至（七）)."""

    BASIC_INFO = "BASIC_INFO"
    PROOF_DOCUMENTS = "PROOF_DOCUMENTS"
    QUALITY_EVALUATION = "QUALITY_EVALUATION"
    HEALTH = "HEALTH"
    AWARDS = "AWARDS"
    FINANCIAL_AID = "FINANCIAL_AID"
    ACADEMIC_RESULTS = "ACADEMIC_RESULTS"

    @property
    def label(self) -> str:
        """The wording of 第十一条 for this category."""
        return _CATEGORY_LABELS[self]

    @property
    def clause(self) -> str:
        """The clause of 第十一条 that names this category."""
        return _CATEGORY_CLAUSES[self]


_CATEGORY_LABELS: dict[ArchiveCategory, str] = {
    ArchiveCategory.BASIC_INFO: "学籍基础信息及信息变动情况",
    ArchiveCategory.PROOF_DOCUMENTS: "学籍信息证明材料",
    ArchiveCategory.QUALITY_EVALUATION: "综合素质评价手册",
    ArchiveCategory.HEALTH: "体质健康测试及健康体检信息、预防接种信息",
    ArchiveCategory.AWARDS: "在校期间的获奖信息",
    ArchiveCategory.FINANCIAL_AID: "享受资助信息",
    ArchiveCategory.ACADEMIC_RESULTS: "学生的学业成绩及综合素质评价结果",
}

_CATEGORY_CLAUSES: dict[ArchiveCategory, str] = {
    category: f"第十一条（{numeral}）"
    for category, numeral in zip(
        ArchiveCategory, ("一", "二", "三", "四", "五", "六", "七"), strict=True
    )
}


class SchoolStage(StrEnum):
    """The two stages of compulsory education (第二条, "六三"分段)."""

    PRIMARY = "PRIMARY"
    JUNIOR = "JUNIOR"

    @property
    def label(self) -> str:
        return "小学" if self is SchoolStage.PRIMARY else "初中"


class Sex(StrEnum):
    """Sex as recorded in the basic information (性别)."""

    MALE = "MALE"
    FEMALE = "FEMALE"

    @property
    def label(self) -> str:
        return "男" if self is Sex.MALE else "女"

    @classmethod
    def from_code(cls, code: str) -> Sex:
        """The sex of a GB/T 2261.1 code as the 学籍 form uses it: 1 男, 2 女."""
        if code == "1":
            return cls.MALE
        if code == "2":
            return cls.FEMALE
        raise RuleViolation(
            "SEX_CODE_INVALID",
            f"性别代码应为1（男）或2（女），收到 {code}。",
            article="GB/T 2261.1-2003",
            field=["sex"],
        )


def check_grade(grade: int, *, field: Sequence[str] = ("grade",)) -> None:
    """Refuse a grade outside 1–9, the nine years of 第二条."""
    if FIRST_GRADE <= grade <= LAST_GRADE:
        return
    raise RuleViolation(
        "GRADE_OUT_OF_RANGE",
        f"年级应为1至9年级，收到 {grade}。",
        article="第二条",
        field=field,
    )


def stage_of_grade(grade: int) -> SchoolStage:
    """The stage of a grade: 1–6 小学, 7–9 初中 (第二条)."""
    check_grade(grade)
    if grade <= LAST_PRIMARY_GRADE:
        return SchoolStage.PRIMARY
    return SchoolStage.JUNIOR


def raise_collected(violations: Sequence[RuleViolation]) -> None:
    """Raise nothing, the one refusal, or all of them together."""
    if not violations:
        return
    if len(violations) == 1:
        raise violations[0]
    raise RuleViolations(violations)
