"""Comprehensive quality evaluation (综合素质评价, 第二十七、二十八条).

第二十七条 leaves the indicators to the city (鞍山市) education bureau; they were not
found, so two published national frameworks are offered and one is the default:

- ``JUNIOR_2016`` (default) — 教基二〔2016〕4号 for 初中: 思想品德, 学业水平, 身心健康,
  艺术素养, 社会实践. It is written for recording each student's evaluation (what
  第二十七条 asks), its names match the booklet contents of 第十一条（三）(学业考试,
  艺术特长, 社会实践), and its source is confirmed.
- ``COMPULSORY_2021`` — 《义务教育质量评价指南》(2021), 学生发展质量: 品德发展,
  学业发展, 身心发展, 审美素养, 劳动与社会实践. It covers primary grades too, but it
  evaluates the quality of schools and regions rather than each student's record.

Callers pass the framework chosen in the hub's settings; each function defaults to
``DEFAULT_FRAMEWORK``.

The optional quantitative level uses the words 优秀/良好/合格/待合格 rather than the
letters A/B/C/D: the words need no legend for parents or the desk, and "待合格" (not
yet qualified) describes a step still to take rather than a verdict, in line with
第二十八条's stress on each student's change and progress.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rules.archive import ArchiveCategory, raise_collected
from rules.errors import RuleViolation

ARCHIVE_CATEGORY = ArchiveCategory.QUALITY_EVALUATION
TERMS = (1, 2)

# Roles allowed to write evaluations: 第二十八条 has the head teacher lead the entry;
# the registrar keeps the archive.
HEAD_TEACHER = "head_teacher"
REGISTRAR = "registrar"


class EvaluationFramework(StrEnum):
    JUNIOR_2016 = "JUNIOR_2016"
    COMPULSORY_2021 = "COMPULSORY_2021"

    @property
    def label(self) -> str:
        return _FRAMEWORK_LABELS[self]


class EvaluationDimension(StrEnum):
    MORAL_CHARACTER = "MORAL_CHARACTER"
    ACADEMIC_LEVEL = "ACADEMIC_LEVEL"
    PHYSICAL_MENTAL_HEALTH = "PHYSICAL_MENTAL_HEALTH"
    ARTISTIC_LITERACY = "ARTISTIC_LITERACY"
    SOCIAL_PRACTICE = "SOCIAL_PRACTICE"
    MORAL_DEVELOPMENT = "MORAL_DEVELOPMENT"
    ACADEMIC_DEVELOPMENT = "ACADEMIC_DEVELOPMENT"
    PHYSICAL_MENTAL_DEVELOPMENT = "PHYSICAL_MENTAL_DEVELOPMENT"
    AESTHETIC_LITERACY = "AESTHETIC_LITERACY"
    LABOUR_SOCIAL_PRACTICE = "LABOUR_SOCIAL_PRACTICE"

    @property
    def label(self) -> str:
        return _DIMENSION_LABELS[self]


class EvaluationLevel(StrEnum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    QUALIFIED = "QUALIFIED"
    NOT_YET_QUALIFIED = "NOT_YET_QUALIFIED"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


DEFAULT_FRAMEWORK = EvaluationFramework.JUNIOR_2016

_FRAMEWORK_LABELS = {
    EvaluationFramework.JUNIOR_2016: "初中学生综合素质评价（教基二〔2016〕4号）",
    EvaluationFramework.COMPULSORY_2021: "义务教育质量评价指南（2021年）学生发展质量",
}
_DIMENSION_LABELS = {
    EvaluationDimension.MORAL_CHARACTER: "思想品德",
    EvaluationDimension.ACADEMIC_LEVEL: "学业水平",
    EvaluationDimension.PHYSICAL_MENTAL_HEALTH: "身心健康",
    EvaluationDimension.ARTISTIC_LITERACY: "艺术素养",
    EvaluationDimension.SOCIAL_PRACTICE: "社会实践",
    EvaluationDimension.MORAL_DEVELOPMENT: "品德发展",
    EvaluationDimension.ACADEMIC_DEVELOPMENT: "学业发展",
    EvaluationDimension.PHYSICAL_MENTAL_DEVELOPMENT: "身心发展",
    EvaluationDimension.AESTHETIC_LITERACY: "审美素养",
    EvaluationDimension.LABOUR_SOCIAL_PRACTICE: "劳动与社会实践",
}
_LEVEL_LABELS = {
    EvaluationLevel.EXCELLENT: "优秀",
    EvaluationLevel.GOOD: "良好",
    EvaluationLevel.QUALIFIED: "合格",
    EvaluationLevel.NOT_YET_QUALIFIED: "待合格",
}
_FRAMEWORK_DIMENSIONS: dict[EvaluationFramework, tuple[EvaluationDimension, ...]] = {
    EvaluationFramework.JUNIOR_2016: (
        EvaluationDimension.MORAL_CHARACTER,
        EvaluationDimension.ACADEMIC_LEVEL,
        EvaluationDimension.PHYSICAL_MENTAL_HEALTH,
        EvaluationDimension.ARTISTIC_LITERACY,
        EvaluationDimension.SOCIAL_PRACTICE,
    ),
    EvaluationFramework.COMPULSORY_2021: (
        EvaluationDimension.MORAL_DEVELOPMENT,
        EvaluationDimension.ACADEMIC_DEVELOPMENT,
        EvaluationDimension.PHYSICAL_MENTAL_DEVELOPMENT,
        EvaluationDimension.AESTHETIC_LITERACY,
        EvaluationDimension.LABOUR_SOCIAL_PRACTICE,
    ),
}


@dataclass(frozen=True)
class DimensionEntry:
    """One dimension of one term: qualitative text, optionally a level."""

    dimension: str
    text: str
    level: str | None = None


def dimensions(
    framework: EvaluationFramework = DEFAULT_FRAMEWORK,
) -> tuple[EvaluationDimension, ...]:
    """The five dimensions of a framework, in the framework's order."""
    return _FRAMEWORK_DIMENSIONS[framework]


def check_term_evaluation(
    school_year: int,
    term: int,
    entries: Sequence[DimensionEntry],
    *,
    framework: EvaluationFramework = DEFAULT_FRAMEWORK,
) -> dict[EvaluationDimension, DimensionEntry]:
    """Check one term's entries (第二十七、二十八条) and key them by dimension.

    Each entry needs qualitative text (第二十八条 combines qualitative and quantitative
    evaluation, so the text is never left out); the level is optional. A term may be
    entered in parts; ``missing_dimensions`` tells what is still open.
    """
    violations: list[RuleViolation] = []
    if term not in TERMS:
        violations.append(
            _violation("EVALUATION_TERM_INVALID", "学期应为1或2。", "term")
        )

    checked: dict[EvaluationDimension, DimensionEntry] = {}
    for index, entry in enumerate(entries):
        faults = _check_entry(entry, index, framework)
        violations.extend(faults)
        if not faults:
            dimension = EvaluationDimension(entry.dimension)
            if dimension in checked:
                violations.append(_duplicate(dimension, index))
            checked[dimension] = entry
    raise_collected(violations)
    return checked


def _check_entry(
    entry: DimensionEntry, index: int, framework: EvaluationFramework
) -> list[RuleViolation]:
    path = ("entries", str(index))
    faults: list[RuleViolation] = []
    if entry.dimension not in {d.value for d in dimensions(framework)}:
        message = f"“{entry.dimension}”不是{framework.label}的评价维度。"
        faults.append(
            _violation("EVALUATION_DIMENSION_UNKNOWN", message, *path, "dimension")
        )
    if not entry.text.strip():
        message = "每个评价维度都应有写实性的文字评价。"
        faults.append(_violation("EVALUATION_TEXT_MISSING", message, *path, "text"))
    if entry.level is not None and entry.level not in {
        v.value for v in EvaluationLevel
    }:
        message = "评价等级应为优秀、良好、合格或待合格。"
        faults.append(_violation("EVALUATION_LEVEL_UNKNOWN", message, *path, "level"))
    return faults


def _duplicate(dimension: EvaluationDimension, index: int) -> RuleViolation:
    message = f"同一学期的{dimension.label}只能登记一条。"
    return _violation("EVALUATION_DIMENSION_DUPLICATE", message, "entries", str(index))


def _violation(code: str, message: str, *field: str) -> RuleViolation:
    return RuleViolation(code, message, article="第二十八条", field=list(field))


def missing_dimensions(
    recorded: Iterable[str], framework: EvaluationFramework = DEFAULT_FRAMEWORK
) -> tuple[EvaluationDimension, ...]:
    """The framework's dimensions not yet recorded for a term, in order."""
    done = set(recorded)
    return tuple(d for d in dimensions(framework) if d.value not in done)


def assert_may_enter_evaluation(
    role: str, *, actor_class_id: str | None, student_class_id: str | None
) -> None:
    """Only the head teacher of the student's class or the registrar may enter.

    第二十八条: 具体记载工作由班主任牵头管理. The registrar's school scope is checked by
    the access layer.
    """
    if role == REGISTRAR:
        return
    own_class = actor_class_id is not None and actor_class_id == student_class_id
    if role == HEAD_TEACHER and own_class:
        return
    raise RuleViolation(
        "EVALUATION_ENTRY_FORBIDDEN",
        "综合素质评价由本班班主任或学籍管理员登记。",
        article="第二十八条",
    )


# Words that mark a field as a score or a position by score. "grade" (年级) is not
# among them: sorting by grade is sorting by school year of study.
_SCORE_WORDS = ("score", "scores", "points", "total", "gpa", "mark", "marks")
_RANK_WORDS = ("rank", "ranking", "ranked", "percentile")
_RESULT_WORDS = ("level", "band", "result", "results")
_RANKING_WORDS = frozenset(_SCORE_WORDS + _RANK_WORDS + _RESULT_WORDS)
_RANKING_CHINESE = ("成绩", "分数", "得分", "排名", "名次", "等级", "总分")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _is_ranking_key(key: str) -> bool:
    if any(word in key for word in _RANKING_CHINESE):
        return True
    words = {w.lower() for w in _WORD.findall(key)}
    return not words.isdisjoint(_RANKING_WORDS)


def assert_no_ranking(
    *, order_by: Iterable[str] = (), filters: Iterable[str] = ()
) -> None:
    """Refuse to sort or filter students by scores or results (第二十八条).

    ``order_by`` holds sort keys in any common spelling (``totalScore``,
    ``-score``, ``SCORE_DESC``, ``results.score asc``); ``filters`` holds filter
    names (``scoreGte``, ``evaluationLevel``). Resolvers call this before building
    any student list.
    """
    violations = [
        _ranking(["orderBy"], key) for key in order_by if _is_ranking_key(key)
    ] + [_ranking(["filter", key], key) for key in filters if _is_ranking_key(key)]
    raise_collected(violations)


def _ranking(field: list[str], key: str) -> RuleViolation:
    return RuleViolation(
        "RANKING_FORBIDDEN",
        f"不得按考试成绩对学生排名或筛选（{key}）。",
        article="第二十八条",
        field=field,
    )
