"""Health entries (第十一条（四）): health checks, fitness tests, vaccinations.

Health class, archive category HEALTH: registrar and district officer read them,
an outside party only under an approval naming HEALTH; every read is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from db.models import FitnessTest, HealthCheck, VaccinationDose
from resolvers import archive as archive_reads
from resolvers.archive_health import counted_dose_ids
from resolvers.context import RequestContext
from rules.access import AccessClass, DisclosureCategory, Relation
from rules.bmi import BmiCategory, bmi
from rules.fitness import EXEMPT_MARK, FitnessBand, FitnessItem
from schema.archive_types import ProvenanceType, field_of, provenance
from schema.records import _Linked

_health = field_of(AccessClass.HEALTH, DisclosureCategory.HEALTH)


@strawberry.type(name="HealthCheckEntry", description="健康体检.")
class HealthCheckEntry(_Linked):
    examined_on: date | None = _health()
    height_cm: Decimal | None = _health()
    weight_kg: Decimal | None = _health()
    bmi: Decimal | None = _health("kg/m², one decimal.")
    vision_left: Decimal | None = _health()
    vision_right: Decimal | None = _health()
    health_status: str | None = _health("健康状况 code.")
    findings: list[str] | None = _health()
    institution: str | None = _health()
    provenance: ProvenanceType | None = _health()


def health_check_entry(row: HealthCheck, relation: Relation) -> HealthCheckEntry:
    value = None
    if row.height_cm and row.weight_kg:
        value = bmi(row.height_cm, row.weight_kg)
    return HealthCheckEntry(
        student_id=row.student_id,
        relation=relation,
        examined_on=row.examined_on,
        height_cm=row.height_cm,
        weight_kg=row.weight_kg,
        bmi=value,
        vision_left=row.vision_left,
        vision_right=row.vision_right,
        health_status=row.health_status,
        findings=list(row.findings or []),
        institution=row.institution,
        provenance=provenance(row),
    )


@strawberry.type(name="FitnessScore", description="One item's score points.")
class FitnessScore(_Linked):
    item: str | None = _health()
    label: str | None = _health("The standard's item name.")
    points: int | None = _health()


def _scores(
    scores: Mapping[str, int], student_id: int, relation: Relation
) -> list[FitnessScore]:
    return [
        FitnessScore(
            student_id=student_id,
            relation=relation,
            item=item,
            label=FitnessItem(item).label if item in FitnessItem.__members__ else None,
            points=points,
        )
        for item, points in scores.items()
    ]


@strawberry.type(
    name="FitnessTestEntry", description="国家学生体质健康标准（2014年修订） test."
)
class FitnessTestEntry(_Linked):
    school_year: int | None = _health()
    grade: int | None = _health()
    tested_on: date | None = _health()
    is_retest: bool | None = _health("补测.")
    exempt: bool | None = _health("免予执行.")
    height_cm: Decimal | None = _health()
    weight_kg: Decimal | None = _health()
    bmi: Decimal | None = _health()
    bmi_category: str | None = _health("NORMAL, UNDERWEIGHT, OVERWEIGHT, OBESE.")
    bmi_category_label: str | None = _health()
    item_scores: list[FitnessScore] | None = _health()
    bonus_points: list[FitnessScore] | None = _health("附加分.")
    standard_score: Decimal | None = _health("标准分, at most 100.")
    bonus: Decimal | None = _health()
    total: Decimal | None = _health("学年总分, at most 120.")
    band: str | None = _health("EXCELLENT, GOOD, PASS, FAIL.")
    record_mark: str | None = _health("What the card shows: the band or 免测.")
    provenance: ProvenanceType | None = _health()


def fitness_entry(row: FitnessTest, relation: Relation) -> FitnessTestEntry:
    band = None if row.band is None else FitnessBand(row.band)
    category = None if row.bmi_category is None else BmiCategory(row.bmi_category)
    mark = EXEMPT_MARK if row.exempt else (band.label if band else None)
    return FitnessTestEntry(
        student_id=row.student_id,
        relation=relation,
        school_year=row.school_year,
        grade=row.grade,
        tested_on=row.tested_on,
        is_retest=row.is_retest,
        exempt=row.exempt,
        height_cm=row.height_cm,
        weight_kg=row.weight_kg,
        bmi=row.bmi,
        bmi_category=row.bmi_category,
        bmi_category_label=None if category is None else category.label,
        item_scores=_scores(row.item_scores or {}, row.student_id, relation),
        bonus_points=_scores(row.bonus_points or {}, row.student_id, relation),
        standard_score=row.standard_score,
        bonus=row.bonus,
        total=row.total,
        band=row.band,
        record_mark=mark,
        provenance=provenance(row),
    )


@strawberry.type(name="VaccinationEntry", description="预防接种 event.")
class VaccinationEntry(_Linked):
    vaccine: str | None = _health("Product key of the national schedule.")
    vaccine_text: str | None = _health("The name as the source wrote it.")
    needs_manual_mapping: bool | None = _health()
    suggested_vaccine: str | None = _health()
    series: str | None = _health()
    dose_number: int | None = _health()
    occurred_on: date | None = _health()
    precision: str | None = _health("year, month, day or datetime.")
    occurrence_text: str | None = _health()
    status: str | None = _health("completed, not-done or entered-in-error.")
    status_reason: str | None = _health()
    is_subpotent: bool | None = _health()
    counted: bool | None = _health("Counts toward the national schedule.")
    provenance: ProvenanceType | None = _health()


def vaccination_entry(
    row: VaccinationDose, relation: Relation, counted: frozenset[int]
) -> VaccinationEntry:
    return VaccinationEntry(
        student_id=row.student_id,
        relation=relation,
        vaccine=row.vaccine,
        vaccine_text=row.vaccine_text,
        needs_manual_mapping=row.needs_manual_mapping,
        suggested_vaccine=row.suggested_vaccine,
        series=row.series,
        dose_number=row.dose_number,
        occurred_on=row.occurred_on,
        precision=row.precision,
        occurrence_text=row.occurrence_text,
        status=row.status,
        status_reason=row.status_reason,
        is_subpotent=row.is_subpotent,
        counted=row.id in counted,
        provenance=provenance(row),
    )


@strawberry.type(name="HealthArchive", description="第十一条（四）.")
class HealthArchive(_Linked):
    @_health("健康体检, oldest first.")
    async def checks(self, info: Info) -> list[HealthCheckEntry] | None:
        ctx: RequestContext = info.context
        rows = await archive_reads.load(ctx, "archive.health_checks", self.student_id)
        return [health_check_entry(r, self.relation) for r in rows]

    @_health("体质健康测试, by school year.")
    async def fitness_tests(self, info: Info) -> list[FitnessTestEntry] | None:
        ctx: RequestContext = info.context
        rows = await archive_reads.load(ctx, "archive.fitness_tests", self.student_id)
        return [fitness_entry(r, self.relation) for r in rows]

    @_health("预防接种, in date order.")
    async def vaccinations(self, info: Info) -> list[VaccinationEntry] | None:
        ctx: RequestContext = info.context
        rows = await archive_reads.load(ctx, "archive.vaccinations", self.student_id)
        counted = counted_dose_ids(rows)
        return [vaccination_entry(r, self.relation, counted) for r in rows]
