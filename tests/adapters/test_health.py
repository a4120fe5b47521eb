"""Health adapter: checks, fitness tests, vaccinations as JSON and FHIR."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from adapters.errors import MappingFault, NotFound, TemporaryError
from adapters.health import HealthAdapter, map_check, map_fitness, map_vaccination
from adapters.http import ClientConfig
from adapters.records import FitnessItem, FitnessResult, HealthCheck, VaccinationDose
from adapters.simulators import (
    Fault,
    FaultConfig,
    HealthSimulator,
    make_students,
    serve,
)
from rules.vaccination import doses_counted, entry_check
from tests.adapters.conftest import FakeClock

STUDENTS = make_students(4, seed=5)
STUDENT = STUDENTS[0]


async def test_health_checks_are_mapped() -> None:
    simulator = HealthSimulator(STUDENTS)
    raw = simulator.checks.where("id_number", STUDENT.id_number)[0]
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        page = await adapter.health_checks(STUDENT.id_number)

    assert page.faults == ()
    assert page.records[0] == HealthCheck(
        source="health",
        source_record_id=raw["id"],
        id_number=STUDENT.id_number,
        examined_on=date.fromisoformat(raw["examined_on"]),
        height_cm=raw["height_cm"],
        weight_kg=raw["weight_kg"],
        vision_left=raw["vision_left"],
        vision_right=raw["vision_right"],
        health_status=raw["health_status"],
        findings=tuple(raw["findings"]),
        institution=raw["institution"],
    )


async def test_fitness_tests_are_mapped() -> None:
    simulator = HealthSimulator(STUDENTS)
    raw = simulator.fitness.where("id_number", STUDENT.id_number)[0]
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        page = await adapter.fitness_tests(STUDENT.id_number)

    assert page.records[0] == FitnessResult(
        source="health",
        source_record_id=raw["id"],
        id_number=STUDENT.id_number,
        school_year=raw["school_year"],
        tested_on=date.fromisoformat(raw["tested_on"]),
        grade=raw["grade"],
        items=tuple(
            FitnessItem(i["item"], i["value"], i["unit"]) for i in raw["items"]
        ),
        total_score=raw["total_score"],
    )


async def test_json_and_fhir_count_alike() -> None:
    simulator = HealthSimulator(STUDENTS)
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        as_json = await adapter.vaccinations(STUDENT.id_number)
        as_fhir = await adapter.immunizations(STUDENT.id_number)

    assert (as_json.faults, as_fhir.faults) == ((), ())
    assert len(as_json.records) == len(
        simulator.vaccinations.where("id_number", STUDENT.id_number)
    )
    assert doses_counted(as_fhir.doses) == doses_counted(as_json.records)


async def test_unknown_student_is_not_found() -> None:
    async with (
        serve(HealthSimulator(STUDENTS).app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        with pytest.raises(NotFound):
            await adapter.immunizations("210311201909010012")


async def test_entered_in_error_feed_withdraws_dose() -> None:
    simulator = HealthSimulator(STUDENTS)
    start = len(list(simulator.vaccinations.current()))
    dose_id = "s00001-MMR-2"
    simulator.mark_entered_in_error(dose_id)
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.vaccination_changes(None, page_size=40)]
    doses = [d for p in pages for d in p.records]
    mine = [d for d in doses if d.id_number == STUDENT.id_number]
    entry = date(STUDENT.birth_date.year + 7, 9, 1)

    assert [p.watermark for p in pages][-1] == str(start + 1)
    assert [d.status for d in doses if d.source_record_id == dose_id] == [
        "completed",
        "entered-in-error",
    ]
    assert [
        (m.series, m.dose_number)
        for m in entry_check(STUDENT.birth_date, mine, entry)
        if m.series == "MMR"
    ] == [("MMR", 2)]


async def test_lookup_request_with_key_is_retried(clock: FakeClock) -> None:
    faults = FaultConfig(script=(Fault.error(503),))
    simulator = HealthSimulator(STUDENTS, faults=faults)
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url), sleep=clock.sleep) as adapter,
    ):
        request_id = await adapter.request_lookup(
            STUDENT.id_number, idempotency_key="sync-1"
        )
        again = await adapter.request_lookup(
            STUDENT.id_number, idempotency_key="sync-1"
        )

    assert (request_id, again) == ("lr-000001", "lr-000001")
    assert len(simulator.faults.requests) == 3
    assert list(simulator.lookup_requests) == ["sync-1"]


async def test_lookup_request_without_key_is_sent_once(clock: FakeClock) -> None:
    faults = FaultConfig(script=(Fault.error(503),))
    simulator = HealthSimulator(STUDENTS, faults=faults)
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url), sleep=clock.sleep) as adapter,
    ):
        with pytest.raises(TemporaryError):
            await adapter.request_lookup(STUDENT.id_number)

    assert len(simulator.faults.requests) == 1
    assert simulator.lookup_requests == {}


def vaccination(**changes: Any) -> dict[str, Any]:
    return {
        "id": "v1",
        "id_number": STUDENT.id_number,
        "vaccine": "MMR",
        "dose_number": 1,
        "status": "completed",
        "is_subpotent": False,
        "date": "2020-05-01",
        **changes,
    }


def test_unknown_vaccine_key_needs_mapping() -> None:
    dose = map_vaccination(vaccination(vaccine="EV71"))

    assert (dose.vaccine, dose.needs_manual_mapping, dose.vaccine_text) == (
        None,
        True,
        "EV71",
    )


def test_tombstone_maps_to_deleted_dose() -> None:
    assert map_vaccination({"id": "v1", "deleted": True}) == VaccinationDose(
        source="health", source_record_id="v1", deleted=True
    )


@pytest.mark.parametrize(
    ("mapper", "item", "fault"),
    [
        (
            map_vaccination,
            vaccination(status="given"),
            MappingFault("v1", "UNKNOWN_CODE", "status"),
        ),
        (
            map_vaccination,
            vaccination(dose_number="1"),
            MappingFault("v1", "NOT_AN_INTEGER", "dose_number"),
        ),
        (
            map_check,
            {
                "id": "c1",
                "id_number": STUDENT.id_number,
                "examined_on": "2024-10-01",
                "health_status": "10",
                "height_cm": "tall",
            },
            MappingFault("c1", "NOT_A_NUMBER", "height_cm"),
        ),
        (
            map_fitness,
            {
                "id": "f1",
                "id_number": STUDENT.id_number,
                "school_year": "2024-2025",
                "tested_on": "2024-11-01",
                "items": [{"item": "bmi", "unit": "kg/m2"}],
            },
            MappingFault("f1", "MISSING_FIELD", "items.value"),
        ),
    ],
)
def test_bad_fields_become_faults(
    mapper: Any, item: dict[str, Any], fault: MappingFault
) -> None:
    with pytest.raises(MappingFault) as caught:
        mapper(item)

    assert caught.value == fault


async def test_deleted_check_arrives_as_tombstone() -> None:
    simulator = HealthSimulator(STUDENTS)
    total = len(list(simulator.checks.current()))
    first = next(simulator.checks.current())
    simulator.checks.delete(first["id"])
    async with (
        serve(simulator.app()) as url,
        HealthAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.check_changes(str(total), page_size=10)]

    assert [(p.records, p.faults, p.watermark) for p in pages] == [
        (
            (HealthCheck(source="health", source_record_id=first["id"], deleted=True),),
            (),
            str(total + 1),
        )
    ]
