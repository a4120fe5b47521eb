"""Archive entries as GraphQL types: changes, proofs, evaluations, awards,
sanctions, aid and course results. Every field carries the class and the
archive category of its entry, so the guard decides and audits each read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from db.models import (
    AidGrant,
    Award,
    CourseResult,
    Evaluation,
    ProofDocument,
    Sanction,
    StatusChange,
)
from rules import graduation
from rules.access import AccessClass, DisclosureCategory, Relation
from rules.aid import AidKind
from rules.conduct import AwardForm, AwardLevel, SanctionKind, needs_review
from rules.evaluation import EvaluationDimension, EvaluationLevel
from schema.archive_types import (
    AidKindEnum,
    AidPeriodEnum,
    AwardFormEnum,
    AwardLevelEnum,
    ProvenanceType,
    ResultLevelEnum,
    SanctionKindEnum,
    SchoolStageEnum,
    field_of,
    provenance,
    to_enum,
)
from schema.node import to_global_id
from schema.records import _Linked

_change = field_of(AccessClass.DIRECTORY, DisclosureCategory.BASIC_INFO)
_proof = field_of(AccessClass.IDENTITY, DisclosureCategory.PROOF_DOCUMENTS)
_eval = field_of(AccessClass.RESULTS, DisclosureCategory.QUALITY_EVALUATION)
_award = field_of(AccessClass.DIRECTORY, DisclosureCategory.AWARDS)
_sanction = field_of(AccessClass.CONDUCT, DisclosureCategory.SANCTIONS)
_aid = field_of(AccessClass.WELFARE, DisclosureCategory.FINANCIAL_AID)
_result = field_of(AccessClass.RESULTS, DisclosureCategory.ACADEMIC_RESULTS)


@strawberry.type(name="StatusChangeEntry", description="学籍信息变动 (第十一条（一）).")
class StatusChangeEntry(_Linked):
    category: str | None = _change("Change category code.")
    reason: str | None = _change()
    effective_date: date | None = _change()
    from_status: str | None = _change()
    to_status: str | None = _change()
    requested_by: str | None = _change()
    decided_by: str | None = _change()
    recorded_at: datetime | None = _change()


def change_entry(row: StatusChange, relation: Relation) -> StatusChangeEntry:
    return StatusChangeEntry(
        student_id=row.student_id,
        relation=relation,
        category=row.category,
        reason=row.reason,
        effective_date=row.effective_date,
        from_status=row.from_status,
        to_status=row.to_status,
        requested_by=row.requested_by,
        decided_by=row.decided_by,
        recorded_at=row.recorded_at,
    )


@strawberry.type(name="ProofDocument", description="证明材料 (第十一条（二）).")
class ProofDocumentEntry(_Linked):
    kind: str | None = _proof("HOUSEHOLD_PROOF, TRANSFER_APPLICATION, ...")
    title: str | None = _proof()
    document_number: str | None = _proof()
    issued_on: date | None = _proof()
    household_number: str | None = _proof("户号.")
    head_name: str | None = _proof("户主.")
    relation_to_head: str | None = _proof()
    registered_address: str | None = _proof()
    division_code: str | None = _proof()
    household_type: str | None = _proof("户口性质 code.")
    move_in_date: date | None = _proof()
    note: str | None = _proof()
    provenance: ProvenanceType | None = _proof()


def proof_entry(row: ProofDocument, relation: Relation) -> ProofDocumentEntry:
    return ProofDocumentEntry(
        student_id=row.student_id,
        relation=relation,
        kind=row.kind,
        title=row.title,
        document_number=row.document_number,
        issued_on=row.issued_on,
        household_number=row.household_number,
        head_name=row.head_name,
        relation_to_head=row.relation_to_head,
        registered_address=row.registered_address,
        division_code=row.division_code,
        household_type=row.household_type,
        move_in_date=row.move_in_date,
        note=row.note,
        provenance=provenance(row),
    )


@strawberry.type(
    name="EvaluationEntry", description="综合素质评价 (第二十七、二十八条)."
)
class EvaluationEntry(_Linked):
    school_year: int | None = _eval()
    term: int | None = _eval()
    framework: str | None = _eval()
    dimension: str | None = _eval()
    dimension_label: str | None = _eval()
    text: str | None = _eval("写实性评价: the qualitative text.")
    level: str | None = _eval("优秀/良好/合格/待合格, where given.")
    level_label: str | None = _eval()
    provenance: ProvenanceType | None = _eval()


def evaluation_entry(row: Evaluation, relation: Relation) -> EvaluationEntry:
    level = None if row.level is None else EvaluationLevel(row.level)
    return EvaluationEntry(
        student_id=row.student_id,
        relation=relation,
        school_year=row.school_year,
        term=row.term,
        framework=row.framework,
        dimension=row.dimension,
        dimension_label=EvaluationDimension(row.dimension).label,
        text=row.text,
        level=row.level,
        level_label=None if level is None else level.label,
        provenance=provenance(row),
    )


@strawberry.type(
    name="AwardEntry", description="获奖信息 (第十一条（五）, 第二十九条)."
)
class AwardEntry(_Linked):
    id: strawberry.ID | None = _award()
    form: AwardFormEnum | None = _award()
    form_label: str | None = _award()
    title: str | None = _award()
    level: AwardLevelEnum | None = _award()
    level_label: str | None = _award()
    body: str | None = _award("Awarding body.")
    awarded_on: date | None = _award()
    needs_review: bool | None = _award("A title that needs 民主评议 and 公示.")
    democratic_review_on: date | None = _award()
    council_approved_on: date | None = _award()
    posted_on: date | None = _award()
    provenance: ProvenanceType | None = _award()


def award_entry(row: Award, relation: Relation) -> AwardEntry:
    return AwardEntry(
        student_id=row.student_id,
        relation=relation,
        id=to_global_id("Award", row.id),
        form=to_enum(AwardFormEnum, row.form),
        form_label=None if row.form is None else AwardForm(row.form).label,
        title=row.title,
        level=to_enum(AwardLevelEnum, row.level),
        level_label=AwardLevel(row.level).label,
        body=row.body,
        awarded_on=row.awarded_on,
        needs_review=needs_review(row.title),
        democratic_review_on=row.democratic_review_on,
        council_approved_on=row.council_approved_on,
        posted_on=row.posted_on,
        provenance=provenance(row),
    )


@strawberry.type(
    name="SanctionEntry",
    description="处分 in the personal file (第三十条); revoked ones are not shown.",
)
class SanctionEntry(_Linked):
    id: strawberry.ID | None = _sanction()
    kind: SanctionKindEnum | None = _sanction()
    kind_label: str | None = _sanction()
    reason: str | None = _sanction()
    decided_on: date | None = _sanction()
    provenance: ProvenanceType | None = _sanction()


def sanction_entry(row: Sanction, relation: Relation) -> SanctionEntry:
    return SanctionEntry(
        student_id=row.student_id,
        relation=relation,
        id=to_global_id("Sanction", row.id),
        kind=to_enum(SanctionKindEnum, row.kind),
        kind_label=SanctionKind(row.kind).label,
        reason=row.reason,
        decided_on=row.decided_on,
        provenance=provenance(row),
    )


@strawberry.type(name="AidEntry", description="享受资助信息 (第十一条（六）).")
class AidEntry(_Linked):
    id: strawberry.ID | None = _aid()
    kind: AidKindEnum | None = _aid()
    kind_label: str | None = _aid()
    name: str | None = _aid()
    for_date: date | None = _aid("Start of the term or year paid for.")
    period: AidPeriodEnum | None = _aid()
    amount: Decimal | None = _aid("元.")
    stage: SchoolStageEnum | None = _aid()
    boarding: bool | None = _aid()
    meal_days: int | None = _aid()
    hardship_recognized: bool | None = _aid("经认定的家庭经济困难学生.")
    granted_on: date | None = _aid()
    provenance: ProvenanceType | None = _aid()


def aid_entry(row: AidGrant, relation: Relation) -> AidEntry:
    return AidEntry(
        student_id=row.student_id,
        relation=relation,
        id=to_global_id("Aid", row.id),
        kind=to_enum(AidKindEnum, row.kind),
        kind_label=AidKind(row.kind).label,
        name=row.name,
        for_date=row.for_date,
        period=to_enum(AidPeriodEnum, row.period),
        amount=row.amount,
        stage=to_enum(SchoolStageEnum, row.stage),
        boarding=row.boarding,
        meal_days=row.meal_days,
        hardship_recognized=row.hardship_recognized,
        granted_on=row.granted_on,
        provenance=provenance(row),
    )


@strawberry.type(
    name="CourseResultEntry",
    description="学业成绩 (第十一条（七）); never ranked or published (第二十八条).",
)
class CourseResultEntry(_Linked):
    course: str | None = _result()
    school_year: int | None = _result()
    term: int | None = _result()
    attempt: int | None = _result("1 for the first sitting, 2+ for 补考.")
    score: Decimal | None = _result()
    level: ResultLevelEnum | None = _result()
    passed: bool | None = _result("合格 under 第三十二条.")
    provenance: ProvenanceType | None = _result()


def result_entry(row: CourseResult, relation: Relation) -> CourseResultEntry:
    level = None if row.level is None else graduation.ResultLevel(row.level)
    rule_result = graduation.CourseResult(
        row.course, row.school_year, row.term, score=row.score, level=level
    )
    return CourseResultEntry(
        student_id=row.student_id,
        relation=relation,
        course=row.course,
        school_year=row.school_year,
        term=row.term,
        attempt=row.attempt,
        score=row.score,
        level=to_enum(ResultLevelEnum, row.level),
        passed=graduation.is_passed(rule_result),
        provenance=provenance(row),
    )
