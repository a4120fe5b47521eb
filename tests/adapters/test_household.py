"""Household-registration adapter: look-up, change feed, tombstones, faults."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.errors import MappingFault, NotFound
from adapters.household import HouseholdAdapter, map_household
from adapters.http import ClientConfig, Page
from adapters.records import HouseholdProof
from adapters.simulators import HouseholdSimulator, make_students, serve
from tests.adapters.conftest import FakeClock

STUDENTS = make_students(5, seed=11)


def expected(record: dict[str, str]) -> HouseholdProof:
    return HouseholdProof(
        source="household",
        source_record_id=record["id"],
        id_number=record["id_number"],
        household_number=record["household_number"],
        head_name=record["head_name"],
        relation_to_head=record["relation_to_head"],
        registered_address=record["registered_address"],
        division_code=record["division_code"],
        household_type=record["household_type"],
        move_in_date=date.fromisoformat(record["move_in_date"]),
        name=record["name"],
        birth_date=date.fromisoformat(record["birth_date"]),
        sex=record["sex"],
    )


async def test_lookup_maps_whole_record() -> None:
    simulator = HouseholdSimulator(STUDENTS)
    record = simulator.feed.where("id_number", STUDENTS[2].id_number)[0]
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url)) as adapter,
    ):
        proof = await adapter.lookup(STUDENTS[2].id_number)

    assert proof == expected(record)


async def test_unknown_id_number_is_not_found(clock: FakeClock) -> None:
    simulator = HouseholdSimulator(STUDENTS)
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url), sleep=clock.sleep) as adapter,
    ):
        with pytest.raises(NotFound):
            await adapter.lookup("210311201909010012")

    assert len(simulator.faults.requests) == 1


async def test_changes_come_in_pages() -> None:
    simulator = HouseholdSimulator(STUDENTS)
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.changes(None, page_size=2)]

    assert [(len(p.records), p.faults, p.watermark) for p in pages] == [
        (2, (), "2"),
        (2, (), "4"),
        (1, (), "5"),
    ]
    assert [r for p in pages for r in p.records] == [
        expected(r) for r in simulator.feed.current()
    ]


async def test_changes_since_watermark_include_tombstones() -> None:
    simulator = HouseholdSimulator(STUDENTS)
    simulator.remove(STUDENTS[0].id_number)
    simulator.move(STUDENTS[1].id_number, "辽宁省鞍山市千山区千山路1号", "210311")
    moved = simulator.feed.where("id_number", STUDENTS[1].id_number)[0]
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.changes("5", page_size=10)]

    assert pages == [
        Page(
            (
                HouseholdProof(
                    source="household", source_record_id="hh-000001", deleted=True
                ),
                expected(moved),
            ),
            (),
            "7",
        )
    ]


async def test_bad_record_is_set_aside() -> None:
    simulator = HouseholdSimulator(STUDENTS[:2])
    simulator.feed.put({"id": "hh-bad", "id_number": "210311201909010013"})
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.changes(None, page_size=10)]

    assert [len(p.records) for p in pages] == [2]
    assert pages[0].faults == (MappingFault("hh-bad", "BAD_ID_NUMBER", "id_number"),)


@pytest.mark.parametrize(
    ("item", "fault"),
    [
        ("text", MappingFault(None, "NOT_AN_OBJECT", "str")),
        ({"deleted": True}, MappingFault(None, "MISSING_ID", "id")),
        (
            {"id": "h", "id_number": "210324201503010014"},
            MappingFault("h", "BAD_ID_NUMBER", "id_number"),
        ),
    ],
)
def test_mapping_faults_name_the_reason(item: object, fault: MappingFault) -> None:
    with pytest.raises(MappingFault) as caught:
        map_household(item)

    assert caught.value == fault


def test_bad_division_code_is_a_fault() -> None:
    simulator = HouseholdSimulator(STUDENTS[:1])
    record = {**next(simulator.feed.current()), "division_code": "2103"}

    with pytest.raises(MappingFault) as caught:
        map_household(record)

    assert caught.value == MappingFault("hh-000001", "BAD_FORMAT", "division_code")
