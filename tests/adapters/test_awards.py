"""Awards adapter: honours of district level and above (第二十九条)."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.awards import AwardsAdapter, map_award
from adapters.errors import MappingFault, NotFound
from adapters.http import ClientConfig
from adapters.records import AwardRecord
from adapters.simulators import AwardsSimulator, make_students, serve

STUDENTS = make_students(8, seed=2)


def expected(record: dict[str, str]) -> AwardRecord:
    return AwardRecord(
        source="awards",
        source_record_id=record["id"],
        id_number=record["id_number"],
        title=record["title"],
        level=record["level"],
        awarded_on=date.fromisoformat(record["awarded_on"]),
        issuer=record["issuer"],
    )


async def test_student_awards_are_mapped() -> None:
    simulator = AwardsSimulator(STUDENTS)
    student = next(
        s for s in STUDENTS if simulator.feed.where("id_number", s.id_number)
    )
    async with (
        serve(simulator.app()) as url,
        AwardsAdapter(ClientConfig(url)) as adapter,
    ):
        page = await adapter.awards(student.id_number)

    assert page.records == tuple(
        expected(r) for r in simulator.feed.where("id_number", student.id_number)
    )
    assert (page.faults, page.watermark) == ((), None)


async def test_unknown_student_is_not_found() -> None:
    async with (
        serve(AwardsSimulator(STUDENTS).app()) as url,
        AwardsAdapter(ClientConfig(url)) as adapter,
    ):
        with pytest.raises(NotFound):
            await adapter.awards("210311201909010012")


async def test_revoked_award_becomes_tombstone() -> None:
    simulator = AwardsSimulator(STUDENTS)
    first = next(simulator.feed.current())
    total = len(list(simulator.feed.current()))
    simulator.revoke(first["id"])
    async with (
        serve(simulator.app()) as url,
        AwardsAdapter(ClientConfig(url)) as adapter,
    ):
        pages = [p async for p in adapter.changes(str(total), page_size=50)]

    assert [(p.records, p.watermark) for p in pages] == [
        (
            (AwardRecord(source="awards", source_record_id=first["id"], deleted=True),),
            str(total + 1),
        )
    ]


def test_school_level_honour_is_refused() -> None:
    item = {
        "id": "aw-x",
        "id_number": STUDENTS[0].id_number,
        "title": "三好学生",
        "level": "school",
        "awarded_on": "2025-06-01",
    }

    with pytest.raises(MappingFault) as caught:
        map_award(item)

    assert caught.value == MappingFault("aw-x", "BELOW_DISTRICT_LEVEL", "school")


def test_award_with_bad_date_is_refused() -> None:
    item = {
        "id": "aw-y",
        "id_number": STUDENTS[0].id_number,
        "title": "三好学生",
        "level": "city",
        "awarded_on": "2025-13-01",
    }

    with pytest.raises(MappingFault) as caught:
        map_award(item)

    assert caught.value == MappingFault("aw-y", "BAD_DATE", "awarded_on")
