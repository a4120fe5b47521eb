"""How each mapped outside record becomes a row of the archive (第十一条).

One builder per kind of record. A builder checks what the rules say about the
record and raises ``RuleViolation`` (or ``MappingFault``) when it may not enter
the archive; the sync then quarantines it with that reason. Provenance columns
(source, source record id, run, fetched at) are added by the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from adapters.errors import MappingFault
from adapters.records import (
    AwardRecord,
    FitnessResult,
    HealthCheck,
    HouseholdProof,
    VaccinationDose,
)
from db.base import Base
from db.models import Award, FitnessTest, ProofDocument
from db.models import HealthCheck as HealthCheckRow
from db.models import VaccinationDose as VaccinationRow
from rules.archive import Sex, check_grade
from rules.bmi import bmi_category
from rules.conduct import Award as AwardFacts
from rules.conduct import (
    AwardForm,
    AwardLevel,
    needs_review,
    requires_electronic_record,
)
from rules.errors import RuleViolation
from rules.fitness import grade_band

HOUSEHOLD_PROOF = "HOUSEHOLD_PROOF"
HOUSEHOLD_PROOF_TITLE = "户籍证明"
_CENTS = Decimal("0.01")

OutsideRecord = (
    HouseholdProof | HealthCheck | FitnessResult | VaccinationDose | AwardRecord
)


@dataclass(frozen=True)
class StudentMatch:
    """The student an outside record belongs to, found by the ID-number hash."""

    id: int
    sex: str


Builder = Callable[[Any, StudentMatch], dict[str, Any]]


@dataclass(frozen=True)
class Writer:
    """The archive table a kind of record goes to and how its row is built."""

    model: type[Base]
    build: Builder


def household_row(proof: HouseholdProof, student: StudentMatch) -> dict[str, Any]:
    """户籍证明 in category 2; the division code decides transfer routes
    (第十四、十五条)."""
    return {
        "kind": HOUSEHOLD_PROOF,
        "title": HOUSEHOLD_PROOF_TITLE,
        "document_number": proof.household_number,
        "household_number": proof.household_number,
        "head_name": proof.head_name,
        "relation_to_head": proof.relation_to_head,
        "registered_address": proof.registered_address,
        "division_code": proof.division_code,
        "household_type": proof.household_type,
        "move_in_date": proof.move_in_date,
        "person_name": proof.name,
        "person_birth_date": proof.birth_date,
        "person_sex": proof.sex,
    }


def health_check_row(check: HealthCheck, student: StudentMatch) -> dict[str, Any]:
    return {
        "examined_on": _required(check.examined_on, check.source_record_id),
        "height_cm": _fixed(check.height_cm),
        "weight_kg": _fixed(check.weight_kg),
        "vision_left": _fixed(check.vision_left),
        "vision_right": _fixed(check.vision_right),
        "health_status": check.health_status,
        "findings": list(check.findings),
        "institution": check.institution,
    }


def fitness_row(result: FitnessResult, student: StudentMatch) -> dict[str, Any]:
    """A year's fitness test; the grade must be one of 第二条's nine."""
    if result.grade is None:
        raise MappingFault(result.source_record_id, "MISSING_FIELD", "grade")
    check_grade(result.grade)
    bmi = next((item.value for item in result.items if item.item == "bmi"), None)
    category = None
    if bmi is not None:
        found = bmi_category(result.grade, Sex.from_code(student.sex), _dec(bmi))
        category = found.value if found is not None else None
    total = _fixed(result.total_score)
    scored = total is not None and not result.exempt
    return {
        "school_year": _school_year(result),
        "grade": result.grade,
        "tested_on": _required(result.tested_on, result.source_record_id),
        "is_retest": result.is_retest,
        "exempt": result.exempt,
        "height_cm": None,
        "weight_kg": None,
        "bmi": _fixed(bmi),
        "bmi_category": category,
        "item_scores": {},
        "bonus_points": {},
        "raw_items": [
            {"item": item.item, "value": item.value, "unit": item.unit}
            for item in result.items
        ],
        "standard_score": total,
        "bonus": None,
        "total": total,
        "band": grade_band(total).value if scored and total is not None else None,
    }


def vaccination_row(dose: VaccinationDose, student: StudentMatch) -> dict[str, Any]:
    """One dose as recorded; whether it counts is decided when read
    (``rules.vaccination``), so not-done and entered-in-error doses are kept."""
    single = dose.protocol[0] if len(dose.protocol) == 1 else None
    return {
        "vaccine": dose.vaccine,
        "vaccine_text": _cut(dose.vaccine_text, 100),
        "suggested_vaccine": dose.suggested_vaccine,
        "needs_manual_mapping": dose.needs_manual_mapping,
        "series": single.series if single is not None else None,
        "dose_number": single.dose_number if single is not None else None,
        "protocol": [
            {
                "series": entry.series,
                "doseNumber": entry.dose_number,
                "seriesDoses": entry.series_doses,
            }
            for entry in dose.protocol
        ],
        "occurred_on": dose.occurred_on,
        "precision": dose.precision,
        "occurrence_text": _cut(dose.occurrence_text, 40),
        "status": dose.status,
        "status_reason": _cut(dose.status_reason, 100),
        "is_subpotent": dose.is_subpotent,
        "primary_source": dose.primary_source,
    }


def award_row(award: AwardRecord, student: StudentMatch) -> dict[str, Any]:
    """An honour of district level or above for category 5 (第二十九条)."""
    level = AwardLevel((award.level or "").upper())
    awarded_on = _required(award.awarded_on, award.source_record_id)
    form = AwardForm.HONORARY_TITLE if needs_review(award.title) else None
    facts = AwardFacts(
        form or AwardForm.CERTIFICATE_OR_MEDAL, level, awarded_on, award.title
    )
    if not requires_electronic_record(facts):
        raise RuleViolation(
            "AWARD_BELOW_DISTRICT_LEVEL",
            "只有区级以上荣誉录入电子学籍。",
            article="第二十九条",
            field=["level"],
        )
    return {
        "form": form.value if form is not None else None,
        "title": award.title,
        "level": level.value,
        "body": award.issuer,
        "awarded_on": awarded_on,
        "democratic_review_on": None,
        "council_approved_on": None,
        "posted_on": None,
    }


WRITERS: dict[type[Any], Writer] = {
    HouseholdProof: Writer(ProofDocument, household_row),
    HealthCheck: Writer(HealthCheckRow, health_check_row),
    FitnessResult: Writer(FitnessTest, fitness_row),
    VaccinationDose: Writer(VaccinationRow, vaccination_row),
    AwardRecord: Writer(Award, award_row),
}


def _school_year(result: FitnessResult) -> int:
    text = result.school_year or ""
    head = text.split("-", 1)[0]
    if len(head) != 4 or not head.isdigit():
        raise MappingFault(result.source_record_id, "BAD_FORMAT", "school_year")
    return int(head)


def _required(value: date | None, record_id: str) -> date:
    if value is None:
        raise MappingFault(record_id, "MISSING_FIELD", "date")
    return value


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def _fixed(value: float | None) -> Decimal | None:
    return None if value is None else _dec(value).quantize(_CENTS)


def _cut(text: str | None, size: int) -> str | None:
    return text[:size] if text is not None else None
