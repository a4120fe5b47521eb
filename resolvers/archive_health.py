"""Health entries of 第十一条（四）: fitness tests entered at the desk, and the
vaccination view the rules decide.

Health checks and vaccinations arrive from the health system through the sync;
a fitness test may also be entered by the school, and is then checked against
国家学生体质健康标准 (``rules.fitness``, ``rules.bmi``) before it is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FitnessTest, VaccinationDose
from resolvers.archive import find_target
from resolvers.context import RequestContext
from rules import vaccination
from rules.archive import Sex
from rules.bmi import bmi, bmi_category, check_bmi_score
from rules.fitness import FitnessItem, fitness_result


@dataclass(frozen=True)
class FitnessEntry:
    """One year's test as the desk enters it: item scores read off the tables."""

    school_year: int
    tested_on: date
    item_scores: Mapping[str, int]
    bonus_points: Mapping[str, int]
    grade: int | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    exempt: bool = False
    is_retest: bool = False


async def record_fitness_test(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    student_number: str,
    entry: FitnessEntry,
) -> FitnessTest:
    """Check and keep one fitness test; BMI and its category are computed."""
    target = await find_target(session, ctx, student_number)
    grade = entry.grade if entry.grade is not None else target.grade
    if grade is None:
        grade = 0  # check_grade in the rules refuses it with GRADE_OUT_OF_RANGE
    sex = Sex.from_code(target.student.sex)

    value = category = None
    if entry.height_cm is not None and entry.weight_kg is not None:
        value = bmi(entry.height_cm, entry.weight_kg)
        category = bmi_category(grade, sex, value)
        bmi_score = entry.item_scores.get(FitnessItem.BMI.value)
        if bmi_score is not None:
            check_bmi_score(grade, sex, value, bmi_score)
    result = fitness_result(
        grade, sex, entry.item_scores, entry.bonus_points, exempt=entry.exempt
    )
    row = FitnessTest(
        student_id=target.student.id,
        school_year=entry.school_year,
        grade=grade,
        tested_on=entry.tested_on,
        is_retest=entry.is_retest,
        exempt=result.exempt,
        height_cm=entry.height_cm,
        weight_kg=entry.weight_kg,
        bmi=value,
        bmi_category=None if category is None else category.value,
        item_scores=dict(entry.item_scores),
        bonus_points=dict(entry.bonus_points),
        raw_items=[],
        standard_score=result.standard_score,
        bonus=result.bonus,
        total=result.total,
        band=None if result.band is None else result.band.value,
        entered_by=ctx.principal.subject,
        entered_at=ctx.now,
    )
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True)
class _Protocol:
    series: str | None
    dose_number: int | None


@dataclass(frozen=True)
class _Dose:
    """A stored dose as ``rules.vaccination.DoseRecord`` reads it."""

    row: VaccinationDose

    @property
    def source(self) -> str:
        return self.row.source or "desk"

    @property
    def source_record_id(self) -> str:
        return self.row.source_record_id or f"desk:{self.row.id}"

    @property
    def deleted(self) -> bool:
        return self.row.withdrawn_at is not None

    @property
    def vaccine(self) -> str | None:
        return self.row.vaccine

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def is_subpotent(self) -> bool:
        return self.row.is_subpotent

    @property
    def occurred_on(self) -> date | None:
        return self.row.occurred_on

    @property
    def protocol(self) -> Sequence[_Protocol]:
        stated = [
            _Protocol(item.get("series"), item.get("doseNumber"))
            for item in self.row.protocol or []
        ]
        if stated or self.row.dose_number is None:
            return stated
        return [_Protocol(self.row.series, self.row.dose_number)]


def counted_dose_ids(rows: Sequence[VaccinationDose]) -> frozenset[int]:
    """Ids of the doses that count toward the schedule (``rules.vaccination``)."""
    doses = [_Dose(row) for row in rows]
    by_record = {dose.source_record_id: dose.row.id for dose in doses}
    counted = vaccination.doses_counted(doses)
    return frozenset(by_record[c.source_record_id] for c in counted)
