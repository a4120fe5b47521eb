"""What the sync feeds in GraphQL: status and history, quarantine, household
differences for the registrar, the entry check by school and class."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.simulators import make_students
from adapters.sync import SOURCES
from adapters.sync_demo import build_simulators, serving
from db.crypto import FieldCrypto
from db.engine import make_sessionmaker
from hub.settings import Settings
from resolvers.sync import masked_payload
from rules.access import Principal, Role
from tests.adapters.sync_support import (
    SCHOOL_CODE,
    at_night,
    seed_students,
)
from tests.adapters.test_sync import World
from tests.conftest import Hub

STUDENTS = make_students(12, seed=31)
OFFICER = Principal("officer", Role.DISTRICT_OFFICER, district="210311")
REGISTRAR = Principal("registrar", Role.REGISTRAR, school=SCHOOL_CODE)
TRANSFER = next(s for s in STUDENTS if s.grade in (2, 3, 4, 5, 6))


@pytest.fixture
async def world(
    settings: Settings, engine: AsyncEngine, hub: Hub
) -> AsyncIterator[World]:
    hub.state.clock = at_night
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    entries = {TRANSFER.id_number: (date(2025, 9, 15), "TRANSFER_IN")}
    await seed_students(sessionmaker, crypto, STUDENTS, entries=entries)
    simulators = build_simulators(STUDENTS, as_of=date(2025, 9, 1))
    async with serving(simulators) as systems:
        yield World(sessionmaker, crypto, simulators, systems)


async def test_officer_reads_status_of_every_source(world: World, hub: Hub) -> None:
    await world.runner().run()

    data = await hub.data(
        "{ syncStatus { source watermark openQuarantined lastRun { status pages } } }",
        OFFICER,
    )

    assert [(s["source"], s["lastRun"]["status"]) for s in data["syncStatus"]] == [
        (name, "SUCCEEDED") for name in SOURCES
    ]
    assert {s["openQuarantined"] for s in data["syncStatus"]} == {0}


async def test_history_lists_newest_run_first(world: World, hub: Hub) -> None:
    await world.runner().run(["awards"])
    await world.runner().run(["awards"])

    data = await hub.data(
        '{ syncRuns(source: "awards") { id status fetched } }', OFFICER
    )

    runs = data["syncRuns"]
    assert [r["status"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"]
    assert runs[0]["id"] > runs[1]["id"]
    assert runs[1]["fetched"] == len(list(world.simulators.awards.feed.current()))


async def test_registrar_may_not_read_sync_history(world: World, hub: Hub) -> None:
    body = (await hub.gql("{ syncRuns { id } }", REGISTRAR)).json()

    assert body["data"] == {"syncRuns": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]


async def test_quarantine_payload_masks_id_numbers(world: World, hub: Hub) -> None:
    record = next(world.simulators.health.fitness.current())
    world.simulators.health.fitness.put({**record, "grade": 12})
    await world.runner().run(["fitness"])

    data = await hub.data(
        "{ quarantinedRecords { source reason detail payload } }", OFFICER
    )

    [row] = data["quarantinedRecords"]
    number = record["id_number"]
    assert (row["source"], row["reason"]) == ("fitness", "GRADE_OUT_OF_RANGE")
    assert row["payload"]["id_number"] == "******" + number[6:14] + "****"


def test_masking_reaches_nested_values() -> None:
    number = STUDENTS[0].id_number
    assert masked_payload({"a": [f"x{number}y"], "b": 3}) == {
        "a": ["x******" + number[6:14] + "****y"],
        "b": 3,
    }


async def test_registrar_sees_household_name_difference(world: World, hub: Hub) -> None:
    student = STUDENTS[2]
    [record] = world.simulators.household.feed.where("id_number", student.id_number)
    world.simulators.household.feed.put({**record, "name": "王小明"})
    await world.runner().run(["household"])

    data = await hub.data(
        "{ householdDifferences { studentNumber field recordValue registeredValue } }",
        REGISTRAR,
    )

    assert data["householdDifferences"] == [
        {
            "studentNumber": "G" + student.id_number,
            "field": "name",
            "recordValue": student.name,
            "registeredValue": "王小明",
        }
    ]


async def test_head_teacher_is_denied_differences(world: World, hub: Hub) -> None:
    teacher = Principal("t", Role.HEAD_TEACHER, school=SCHOOL_CODE, class_id=1)

    body = (await hub.gql("{ householdDifferences { field } }", teacher)).json()

    assert body["data"] == {"householdDifferences": None}
    assert body["errors"][0]["extensions"]["reason"] == "NOT_PERMITTED"


async def test_entry_check_lists_entrants_by_class(world: World, hub: Hub) -> None:
    await world.runner().run(["vaccinations"])

    data = await hub.data(
        """query($school: String) { vaccinationEntryCheck(schoolCode: $school) {
             studentNumber className entryKind checkBy } }""",
        OFFICER,
        {"school": SCHOOL_CODE},
    )

    entrants = [s for s in STUDENTS if s.grade == 1 or s is TRANSFER]
    expected = sorted(
        (
            f"{s.grade}-1",
            "G" + s.id_number,
            "TRANSFER_IN" if s is TRANSFER else "NEW_ENTRANT",
            "2025-10-15" if s is TRANSFER else "2025-10-01",
        )
        for s in entrants
    )
    assert (
        sorted(
            (c["className"], c["studentNumber"], c["entryKind"], c["checkBy"])
            for c in data["vaccinationEntryCheck"]
        )
        == expected
    )
