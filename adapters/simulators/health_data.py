"""Deterministic made-up health records for the health-system simulator.

Values are plausible, not realistic: they exist to exercise the adapters, the
rules and the demo, never to describe a real child.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from adapters.fhir import CVX_SYSTEM, NIP_VACCINE_SYSTEM
from adapters.simulators.common import JsonRecord, StudentSeed
from rules.vaccination import COMPLETED, Catalogue, SeriesOption, catalogue

_FINDINGS = ("龋齿", "扁桃体肿大", "视力不良")
# Products given for each dose where a series takes several (2021 schedule).
_DOSE_PRODUCTS = {"Polio": ("IPV", "IPV", "bOPV", "bOPV")}
_DTAP_CHANGE = date(2025, 1, 1)


def school_years(student: StudentSeed, as_of: date) -> list[tuple[int, int]]:
    """(grade, first calendar year of that school year) for grades done so far."""
    current = as_of.year if as_of.month >= 9 else as_of.year - 1
    grades = range(1, student.grade + 1)
    return [(grade, current - (student.grade - grade)) for grade in grades]


def health_checks(
    student: StudentSeed, rng: random.Random, as_of: date, prefix: str
) -> list[JsonRecord]:
    records = []
    for grade, year in school_years(student, as_of):
        examined = date(year, 10, 8) + timedelta(days=rng.randint(0, 40))
        if examined > as_of:
            continue
        age = (examined - student.birth_date).days / 365.25
        left = round(rng.uniform(4.5, 5.2), 1)
        right = round(rng.uniform(4.5, 5.2), 1)
        findings = [f for f in _FINDINGS[:2] if rng.random() < 0.1]
        if min(left, right) < 4.9:
            findings.append(_FINDINGS[2])
        records.append(
            {
                "id": f"{prefix}-hc{grade}",
                "id_number": student.id_number,
                "examined_on": examined.isoformat(),
                "height_cm": round(116 + (age - 6) * 6 + rng.uniform(-6, 6), 1),
                "weight_kg": round(21 + (age - 6) * 3.2 + rng.uniform(-4, 6), 1),
                "vision_left": left,
                "vision_right": right,
                "health_status": "10" if rng.random() < 0.95 else "20",
                "findings": findings,
                "institution": "千山区妇幼保健计划生育服务中心",
            }
        )
    return records


def fitness_tests(
    student: StudentSeed, rng: random.Random, as_of: date, prefix: str
) -> list[JsonRecord]:
    records = []
    for grade, year in school_years(student, as_of):
        tested = date(year, 11, 3) + timedelta(days=rng.randint(0, 25))
        if tested > as_of:
            continue
        records.append(
            {
                "id": f"{prefix}-ft{grade}",
                "id_number": student.id_number,
                "school_year": f"{year}-{year + 1}",
                "tested_on": tested.isoformat(),
                "grade": grade,
                "items": _fitness_items(grade, student.sex, rng),
                "total_score": round(rng.uniform(58, 96), 1),
                "is_retest": False,
                "exempt": False,
            }
        )
    return records


def _fitness_items(grade: int, sex: str, rng: random.Random) -> list[dict[str, Any]]:
    boy = sex == "1"
    items = [
        ("bmi", round(rng.uniform(14, 21), 1), "kg/m2"),
        ("vital_capacity", float(rng.randint(800, 1400) + grade * 180), "ml"),
        ("run_50m", round(rng.uniform(11.5, 13.0) - grade * 0.25, 1), "s"),
        ("sit_and_reach", round(rng.uniform(0, 18), 1), "cm"),
    ]
    if grade <= 6:
        items.append(("rope_skip_1min", float(rng.randint(40, 120) + grade * 8), "n"))
    if 3 <= grade <= 6:
        items.append(("sit_ups_1min", float(rng.randint(15, 45)), "n"))
    if 5 <= grade <= 6:
        items.append(("shuttle_50x8", round(rng.uniform(100, 140), 1), "s"))
    if grade >= 7:
        items.append(("standing_long_jump", float(rng.randint(150, 230)), "cm"))
        items.append(
            ("pull_ups", float(rng.randint(0, 12)), "n")
            if boy
            else ("sit_ups_1min", float(rng.randint(20, 50)), "n")
        )
        items.append(
            ("run_1000m", float(rng.randint(210, 330)), "s")
            if boy
            else ("run_800m", float(rng.randint(200, 300)), "s")
        )
    return [{"item": item, "value": value, "unit": unit} for item, value, unit in items]


def vaccinations(
    student: StudentSeed, rng: random.Random, as_of: date, prefix: str
) -> list[JsonRecord]:
    """Doses of the schedule given near their due dates, a few of them missed."""
    schedule = catalogue()
    records = []
    for series in schedule.series:
        options = [o for o in series.options if o.applies_to(student.birth_date)]
        if not options:
            continue
        option = options[0] if rng.random() < 0.8 else options[-1]
        for dose in option.doses:
            given = dose.age.after(student.birth_date) + timedelta(
                days=rng.randint(0, 20)
            )
            if given > as_of or rng.random() < 0.05:
                continue
            product = _product(series.key, option, dose.number, given)
            records.append(
                {
                    "id": f"{prefix}-{series.key}-{dose.number}",
                    "id_number": student.id_number,
                    "vaccine": product,
                    "dose_number": dose.number,
                    "status": COMPLETED,
                    "is_subpotent": False,
                    "date": given.isoformat(),
                }
            )
    return records


def _product(series: str, option: SeriesOption, number: int, given: date) -> str:
    if series in _DOSE_PRODUCTS:
        return _DOSE_PRODUCTS[series][number - 1]
    if series == "DTP" and number == len(option.doses) and given < _DTAP_CHANGE:
        return "DT"
    return option.products[0]


def immunization_bundle(student: StudentSeed, doses: list[JsonRecord]) -> JsonRecord:
    """The same doses as a FHIR R4 searchset Bundle with the Patient entry."""
    schedule = catalogue()
    patient_url = f"urn:uuid:patient-{student.id_number[-8:]}"
    entries: list[JsonRecord] = [
        {
            "fullUrl": patient_url,
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"value": student.id_number}],
                "name": [{"text": student.name}],
                "birthDate": student.birth_date.isoformat(),
            },
            "search": {"mode": "include"},
        }
    ]
    for dose in doses:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{dose['id']}",
                "resource": _immunization(schedule, dose, patient_url),
                "search": {"mode": "match"},
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(doses),
        "entry": entries,
    }


def _immunization(schedule: Catalogue, dose: JsonRecord, patient: str) -> JsonRecord:
    product = schedule.products[dose["vaccine"]]
    coding = [
        {"system": NIP_VACCINE_SYSTEM, "code": product.key, "display": product.name}
    ]
    if product.cvx:
        coding.insert(0, {"system": CVX_SYSTEM, "code": product.cvx[0]})
    return {
        "resourceType": "Immunization",
        "id": dose["id"],
        "status": dose["status"],
        "vaccineCode": {"coding": coding, "text": product.name},
        "patient": {"reference": patient},
        "occurrenceDateTime": dose["date"],
        "primarySource": True,
        "isSubpotent": dose["is_subpotent"],
        "protocolApplied": [{"doseNumberPositiveInt": dose["dose_number"]}],
    }
