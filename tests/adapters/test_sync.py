"""The nightly sync: full and incremental runs, tombstones, quarantine, failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.simulators import FaultConfig, make_students
from adapters.sync import SOURCES, SyncRunner, Systems
from adapters.sync_demo import Simulators, build_simulators, serving
from db.crypto import FieldCrypto
from db.engine import make_sessionmaker
from db.models import (
    Award,
    FitnessTest,
    HealthCheck,
    ProofDocument,
    QuarantinedRecord,
    SyncRun,
    SyncWatermark,
    VaccinationDose,
)
from db.models.sync import RunStatus
from hub.settings import Settings
from tests.adapters.sync_support import count, make_runner, seed_students

STUDENTS = make_students(8, seed=7)
FEEDS = ("household", "health-checks", "fitness", "vaccinations", "awards")


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    crypto: FieldCrypto
    simulators: Simulators
    systems: Systems

    def runner(self, **options: object) -> SyncRunner:
        return make_runner(self.sessionmaker, self.crypto, self.systems, **options)


@pytest.fixture
async def world(settings: Settings, engine: AsyncEngine) -> AsyncIterator[World]:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    await seed_students(sessionmaker, crypto, STUDENTS)
    simulators = build_simulators(STUDENTS, as_of=date(2025, 9, 1))
    async with serving(simulators, read_timeout=2.0) as systems:
        yield World(sessionmaker, crypto, simulators, systems)


def current(simulators: Simulators) -> dict[str, int]:
    return {
        "household": len(list(simulators.household.feed.current())),
        "health-checks": len(list(simulators.health.checks.current())),
        "fitness": len(list(simulators.health.fitness.current())),
        "vaccinations": len(list(simulators.health.vaccinations.current())),
        "awards": len(list(simulators.awards.feed.current())),
    }


async def stored(world: World) -> dict[str, int]:
    sm = world.sessionmaker
    return {
        "household": await count(sm, ProofDocument),
        "health-checks": await count(sm, HealthCheck),
        "fitness": await count(sm, FitnessTest),
        "vaccinations": await count(sm, VaccinationDose),
        "awards": await count(sm, Award),
    }


async def watermarks(world: World) -> dict[str, str | None]:
    async with world.sessionmaker() as session:
        rows = await session.scalars(select(SyncWatermark))
        return {row.source: row.watermark for row in rows}


async def test_full_sync_fills_every_archive_table(world: World) -> None:
    reports = await world.runner().run(FEEDS)

    assert [(r.source, r.status) for r in reports] == [
        (name, RunStatus.SUCCEEDED) for name in FEEDS
    ]
    assert await stored(world) == current(world.simulators)
    assert await watermarks(world) == {
        name: str(n) for name, n in current(world.simulators).items()
    }


async def test_sources_run_in_documented_order(world: World) -> None:
    reports = await world.runner().run()

    assert [r.source for r in reports] == list(SOURCES)


async def test_second_sync_fetches_nothing_new(world: World) -> None:
    await world.runner().run(FEEDS)
    before = await watermarks(world)

    again = await world.runner().run(FEEDS)

    assert [r.counts.fetched for r in again] == [0] * len(FEEDS)
    assert await watermarks(world) == before


async def test_full_rerun_doubles_nothing(world: World) -> None:
    await world.runner().run(FEEDS)

    again = await world.runner().run(FEEDS, full=True)

    assert [r.counts.upserted for r in again] == list(
        current(world.simulators).values()
    )
    assert await stored(world) == current(world.simulators)


async def test_revoked_award_is_withdrawn_not_deleted(world: World) -> None:
    await world.runner().run(["awards"])
    award_id = next(world.simulators.awards.feed.current())["id"]
    world.simulators.awards.revoke(award_id)

    [report] = await world.runner().run(["awards"])

    assert (report.counts.fetched, report.counts.deleted) == (1, 1)
    assert (
        await count(world.sessionmaker, Award)
        == current(world.simulators)["awards"] + 1
    )
    withdrawn = await count(
        world.sessionmaker,
        Award,
        Award.source_record_id == award_id,
        Award.withdrawn_at.is_not(None),
    )
    assert withdrawn == 1


async def test_household_move_updates_proof_in_place(world: World) -> None:
    await world.runner().run(["household"])
    student = STUDENTS[0]
    world.simulators.household.move(
        student.id_number, "辽宁省鞍山市铁东区某路1号", "210302"
    )

    [report] = await world.runner().run(["household"])

    assert report.counts.upserted == 1
    async with world.sessionmaker() as session:
        rows = (await session.scalars(select(ProofDocument.division_code))).all()
    assert len(rows) == len(STUDENTS)
    assert rows.count("210302") >= 1


async def test_unknown_student_is_quarantined_with_payload(world: World) -> None:
    stranger = make_students(1, seed=99)[0]
    record = {**next(world.simulators.awards.feed.current()), "id": "aw-x"}
    record["id_number"] = stranger.id_number
    world.simulators.awards.feed.put(record)

    [report] = await world.runner().run(["awards"])

    assert report.counts.quarantined == 1
    async with world.sessionmaker() as session:
        row = (await session.scalars(select(QuarantinedRecord))).one()
    assert (row.source, row.source_record_id, row.reason) == (
        "awards",
        "aw-x",
        "UNKNOWN_STUDENT",
    )
    assert row.payload == {**record, "deleted": False}


async def test_unmappable_record_is_quarantined_and_later_resolved(
    world: World,
) -> None:
    record = next(world.simulators.health.checks.current())
    world.simulators.health.checks.put({**record, "examined_on": "2025-13-40"})
    [first] = await world.runner().run(["health-checks"])
    world.simulators.health.checks.put(record)

    [second] = await world.runner().run(["health-checks"])

    assert (first.counts.quarantined, second.counts.quarantined) == (1, 0)
    async with world.sessionmaker() as session:
        row = (await session.scalars(select(QuarantinedRecord))).one()
    assert (row.reason, row.detail, row.resolved_at is not None) == (
        "BAD_DATE",
        "examined_on",
        True,
    )


async def test_school_level_award_is_quarantined(world: World) -> None:
    record = {**next(world.simulators.awards.feed.current()), "id": "aw-school"}
    world.simulators.awards.feed.put({**record, "level": "school"})

    await world.runner().run(["awards"])

    async with world.sessionmaker() as session:
        reasons = (await session.scalars(select(QuarantinedRecord.reason))).all()
    assert reasons == ["BELOW_DISTRICT_LEVEL"]


async def test_c17e_unavailable_system_fails_run(
    settings: Settings, engine: AsyncEngine
) -> None:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    await seed_students(sessionmaker, crypto, STUDENTS)
    simulators = build_simulators(
        STUDENTS, as_of=date(2025, 9, 1), faults=FaultConfig(error_rate=1.0)
    )
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with serving(simulators) as systems:
        runner = make_runner(sessionmaker, crypto, systems, sleep=sleep)
        [report] = await runner.run(["vaccinations"])

    assert report.status is RunStatus.FAILED
    assert len(simulators.health.faults.requests) == 4
    assert [(e["kind"], e["status"], e["attempts"]) for e in report.errors] == [
        ("TemporaryError", 503, 4)
    ]
    async with sessionmaker() as session:
        run = (await session.scalars(select(SyncRun))).one()
        marks = (await session.scalars(select(SyncWatermark))).all()
    assert (run.status, run.finished_at is not None, marks) == ("FAILED", True, [])


async def test_failed_run_keeps_earlier_watermark(world: World) -> None:
    await world.runner().run(["household"])
    before = await watermarks(world)
    world.simulators.household.faults.config = FaultConfig(error_rate=1.0)
    world.simulators.household.faults.__post_init__()
    world.simulators.household.move(STUDENTS[1].id_number, "某地", "210303")

    [report] = await world.runner(sleep=_no_wait).run(["household"])

    assert report.status is RunStatus.FAILED
    assert await watermarks(world) == before


async def _no_wait(seconds: float) -> None:
    return None
