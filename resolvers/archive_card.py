"""What goes on a student's record card (学籍卡): the same data, scope and field
checks as the GraphQL archive, one section per class and category.

A section the caller may not read is listed as withheld with the reason, never
filled; every section read or withheld is noted for the audit, which the caller
writes before the card leaves (第三十七条). The rendering is ``hub.record_card``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers import archive as archive_reads
from resolvers.archive_attendance import Window, student_marks, to_records
from resolvers.archive_graduation import is_valid
from resolvers.archive_health import counted_dose_ids
from resolvers.context import SHANGHAI, RequestContext
from resolvers.errors import Forbidden
from resolvers.records import (
    StudentView,
    enrolments_by_student,
    guardians_by_student,
    schools_by_id,
    student_by_number,
)
from rules.access import AccessClass, DisclosureCategory, FieldRule, Role, decide
from rules.aid import AidKind
from rules.attendance import AttendanceKind
from rules.conduct import AwardLevel, SanctionKind
from rules.evaluation import EvaluationDimension, EvaluationLevel
from rules.fitness import FitnessBand
from rules.status import StudentStatus

PRINTERS = frozenset({Role.REGISTRAR, Role.DISTRICT_OFFICER})
A, C = AccessClass, DisclosureCategory


@dataclass(frozen=True)
class CardSection:
    """One block of the card: a table, or why it was left out."""

    title: str
    headers: tuple[str, ...] = ()
    rows: Sequence[tuple[str, ...]] = ()
    withheld: str | None = None


@dataclass(frozen=True)
class RecordCard:
    student_number: str
    name: str
    printed_by: str
    printed_at: datetime
    sections: list[CardSection]


Filler = Callable[[RequestContext, StudentView], Awaitable[CardSection]]


async def record_card(ctx: RequestContext, student_number: str) -> RecordCard | None:
    """The card of a student in the caller's scope, or None (as if not found).

    A former school still exports the card (case C06): the directory sections
    it keeps, the others withheld.
    """
    if ctx.principal.role not in PRINTERS:
        raise Forbidden("只有学籍管理员或区教育局可以导出学籍卡。")
    view = await student_by_number(ctx, student_number)
    if view is None:
        return None
    sections = [await _section(ctx, view, spec) for spec in SECTIONS]
    return RecordCard(
        student_number=view.student.student_number,
        name=view.student.name,
        printed_by=ctx.principal.subject,
        printed_at=ctx.now.astimezone(SHANGHAI),
        sections=sections,
    )


@dataclass(frozen=True)
class _Spec:
    name: str
    title: str
    rule: FieldRule
    fill: Filler


async def _section(ctx: RequestContext, view: StudentView, spec: _Spec) -> CardSection:
    decision = decide(
        ctx.principal.role, spec.rule, view.relation, grant=ctx.grant, today=ctx.today
    )
    field_name = f"RecordCard.{spec.name}"
    if not decision.allowed:
        reason = decision.reason.value if decision.reason else "NOT_PERMITTED"
        ctx.audit.denied(view.student.id, field_name, reason)
        return CardSection(spec.title, withheld=reason)
    ctx.audit.read(view.student.id, field_name)
    return await spec.fill(ctx, view)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _status_label(code: str) -> str:
    known = {status.value for status in StudentStatus}
    return StudentStatus(code).label if code in known else code


async def _basic(ctx: RequestContext, view: StudentView) -> CardSection:
    student, placement = view.student, view.placement
    school = None
    if view.enrolment is not None:
        loader = ctx.loader("schools_by_id", schools_by_id)
        school = await loader.load(view.enrolment.school_id)
    rows = [
        ("姓名", student.name),
        ("性别", {"1": "男", "2": "女"}.get(student.sex, student.sex)),
        ("学籍号", student.student_number),
        ("学籍状态", _status_label(student.status)),
        ("在读学校", school.name if school else ""),
        ("年级", _text(placement.grade if placement else None)),
    ]
    return CardSection("基本信息", ("项目", "内容"), rows)


async def _identity(ctx: RequestContext, view: StudentView) -> CardSection:
    student = view.student
    id_number = None
    if student.id_number_cipher is not None:
        id_number = ctx.crypto.decrypt(student.id_number_cipher)
    rows = [
        ("出生日期", _text(student.birth_date)),
        ("民族代码", _text(student.ethnicity)),
        ("身份证件号", _text(id_number)),
        ("户口所在地", _text(student.household_place_code)),
        ("家庭住址", _text(student.home_address or student.current_address)),
    ]
    loader = ctx.loader("guardians_by_student", guardians_by_student)
    for guardian in await loader.load(student.id):
        rows.append(("监护人", f"{guardian.name}（{_text(guardian.phone)}）"))
    return CardSection("身份与家庭信息", ("项目", "内容"), rows)


async def _enrolments(ctx: RequestContext, view: StudentView) -> CardSection:
    loader = ctx.loader("enrolments_by_student", enrolments_by_student)
    schools = ctx.loader("schools_by_id", schools_by_id)
    rows = []
    for episode in await loader.load(view.student.id):
        school = await schools.load(episode.school_id)
        rows.append(
            (
                school.name,
                _text(episode.entry_date),
                _text(episode.exit_date),
                _text(episode.exit_reason),
            )
        )
    return CardSection("就读经历", ("学校", "入学日期", "离校日期", "离校原因"), rows)


async def _rows(ctx: RequestContext, view: StudentView, name: str) -> list[Any]:
    return await archive_reads.load(ctx, f"archive.{name}", view.student.id)


async def _changes(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (_text(r.effective_date), r.category, _text(r.reason), r.to_status)
        for r in await _rows(ctx, view, "status_changes")
    ]
    return CardSection("学籍变动", ("生效日期", "类别", "原因", "变动后状态"), rows)


async def _proofs(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (r.title, _text(r.document_number), _text(r.issued_on), _source(r.source))
        for r in await _rows(ctx, view, "proof_documents")
    ]
    return CardSection("证明材料", ("材料", "编号", "日期", "来源"), rows)


async def _evaluations(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (
            f"{r.school_year}学年第{r.term}学期",
            EvaluationDimension(r.dimension).label,
            _text(r.level),
            r.text,
        )
        for r in await _rows(ctx, view, "evaluations")
    ]
    return CardSection("综合素质评价", ("学期", "维度", "等级", "评语"), rows)


def _band(code: str | None) -> str:
    return "免测" if code is None else FitnessBand(code).label


SOURCE_LABELS = {
    "household": "公安户籍系统",
    "health": "卫健系统",
    "awards": "获奖系统",
}


def _source(code: str | None) -> str:
    return "学校录入" if code is None else SOURCE_LABELS.get(code, code)


def _level(code: str | None) -> str:
    return "" if code is None else EvaluationLevel(code).label


async def _health(ctx: RequestContext, view: StudentView) -> CardSection:
    rows: list[tuple[str, ...]] = [
        ("体质测试", f"{r.school_year}学年", _text(r.total), _band(r.band))
        for r in await _rows(ctx, view, "fitness_tests")
    ]
    rows += [
        (
            "健康体检",
            _text(r.examined_on),
            f"{_text(r.height_cm)}cm",
            f"{_text(r.weight_kg)}kg",
        )
        for r in await _rows(ctx, view, "health_checks")
    ]
    doses = await _rows(ctx, view, "vaccinations")
    rows.append(("预防接种", "计入免疫程序", str(len(counted_dose_ids(doses))), ""))
    return CardSection("体质健康", ("类别", "时间", "结果", "备注"), rows)


async def _awards(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (_text(r.awarded_on), _text(r.title), AwardLevel(r.level).label, _text(r.body))
        for r in await _rows(ctx, view, "awards")
    ]
    return CardSection("获奖情况", ("日期", "奖项", "级别", "授奖单位"), rows)


async def _sanctions(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (_text(r.decided_on), SanctionKind(r.kind).label, r.reason)
        for r in await _rows(ctx, view, "sanctions")
    ]
    return CardSection("处分（未撤销）", ("日期", "处分", "事由"), rows)


async def _aid(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (_text(r.for_date), AidKind(r.kind).label, _text(r.amount), _text(r.granted_on))
        for r in await _rows(ctx, view, "aid_grants")
    ]
    return CardSection("享受资助", ("所属期间", "项目", "金额（元）", "发放日期"), rows)


async def _results(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (
            f"{r.school_year}-{r.term}",
            r.course,
            _text(r.score or r.level),
            _text(r.attempt),
        )
        for r in await _rows(ctx, view, "course_results")
    ]
    return CardSection("学业成绩", ("学期", "课程", "成绩", "次数"), rows)


async def _certificate(ctx: RequestContext, view: StudentView) -> CardSection:
    rows = [
        (
            r.number,
            _text(r.issued_on),
            _text(r.stamped_on),
            "有效" if is_valid(r) else "未验印",
        )
        for r in await _rows(ctx, view, "certificates")
    ]
    return CardSection("毕业证书", ("编号", "颁发日期", "验印日期", "状态"), rows)


async def _attendance(ctx: RequestContext, view: StudentView) -> CardSection:
    marks = await student_marks(ctx, view.student.id, Window())
    counts = Counter(r.kind for r in to_records(marks))
    rows = [(kind.label, str(counts.get(kind, 0))) for kind in AttendanceKind]
    return CardSection("考勤汇总", ("项目", "天数"), rows)


SECTIONS = (
    _Spec("basic", "基本信息", FieldRule(A.DIRECTORY), _basic),
    _Spec("identity", "身份与家庭信息", FieldRule(A.IDENTITY, C.BASIC_INFO), _identity),
    _Spec("enrolments", "就读经历", FieldRule(A.DIRECTORY), _enrolments),
    _Spec("changes", "学籍变动", FieldRule(A.DIRECTORY, C.BASIC_INFO), _changes),
    _Spec("proofs", "证明材料", FieldRule(A.IDENTITY, C.PROOF_DOCUMENTS), _proofs),
    _Spec(
        "evaluation",
        "综合素质评价",
        FieldRule(A.RESULTS, C.QUALITY_EVALUATION),
        _evaluations,
    ),
    _Spec("health", "体质健康", FieldRule(A.HEALTH, C.HEALTH), _health),
    _Spec("awards", "获奖情况", FieldRule(A.DIRECTORY, C.AWARDS), _awards),
    _Spec("sanctions", "处分", FieldRule(A.CONDUCT, C.SANCTIONS), _sanctions),
    _Spec("aid", "享受资助", FieldRule(A.WELFARE, C.FINANCIAL_AID), _aid),
    _Spec("results", "学业成绩", FieldRule(A.RESULTS, C.ACADEMIC_RESULTS), _results),
    _Spec(
        "certificate",
        "毕业证书",
        FieldRule(A.DIRECTORY, C.ACADEMIC_RESULTS),
        _certificate,
    ),
    _Spec("attendance", "考勤汇总", FieldRule(A.DIRECTORY, C.BASIC_INFO), _attendance),
)
