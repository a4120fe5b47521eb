"""Killing the sync half-way, then running it again, leaves every record once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.simulators import FaultConfig, make_students
from adapters.sync import SOURCES, Progress
from adapters.sync_demo import build_simulators, serving
from db.crypto import FieldCrypto
from db.engine import make_sessionmaker
from db.models import SyncRun, SyncWatermark, VaccinationDose
from db.models.sync import RunStatus
from hub.settings import Settings
from tests.adapters.sync_support import count, seed_students
from tests.adapters.test_sync import World, current, stored, watermarks

STUDENTS = make_students(10, seed=21)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def world(settings: Settings, engine: AsyncEngine) -> AsyncIterator[World]:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    await seed_students(sessionmaker, crypto, STUDENTS)
    simulators = build_simulators(STUDENTS, as_of=date(2025, 9, 1))
    async with serving(simulators, read_timeout=5.0) as systems:
        yield World(sessionmaker, crypto, simulators, systems)


async def runs(world: World, source: str) -> list[str]:
    async with world.sessionmaker() as session:
        found = await session.scalars(
            select(SyncRun.status).where(SyncRun.source == source).order_by(SyncRun.id)
        )
        return list(found)


async def test_cancelled_sync_rerun_leaves_data_once(world: World) -> None:
    task: asyncio.Task[object] | None = None

    def progress(event: Progress) -> None:
        if event.source == "vaccinations" and event.pages == 2 and task is not None:
            task.cancel()

    runner = world.runner(page_size=20, progress=progress)
    task = asyncio.create_task(runner.run())
    with pytest.raises(asyncio.CancelledError):
        await task
    half = await count(world.sessionmaker, VaccinationDose)
    marks_after_kill = await watermarks(world)

    reports = await world.runner(page_size=20).run()

    assert half == 40
    assert "vaccinations" not in marks_after_kill
    assert [r.status for r in reports] == [RunStatus.SUCCEEDED] * len(SOURCES)
    assert await runs(world, "vaccinations") == ["INTERRUPTED", "SUCCEEDED"]
    assert await stored(world) == current(world.simulators)
    marks = await watermarks(world)
    assert {k: v for k, v in marks.items() if k != "immunizations"} == {
        name: str(n) for name, n in current(world.simulators).items()
    }


async def test_killed_process_rerun_leaves_data_once(
    world: World, settings: Settings
) -> None:
    health = world.simulators.health.faults
    health.config = FaultConfig(latency=0.05)
    assert world.systems.health is not None
    env = {
        **os.environ,
        "XUEJI_ENV": "dev",
        "XUEJI_DATABASE_URL": settings.database_url,
        "XUEJI_FIELD_KEY": settings.field_key,
        "XUEJI_TOKEN_KEY": settings.token_key,
        "XUEJI_HEALTH_URL": world.systems.health.base_url,
        "XUEJI_SYNC_PAGE_SIZE": "10",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        "sync",
        "--source",
        "vaccinations",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    saved = await _wait_for_pages(world, 3, process)
    process.kill()
    await process.wait()
    health.config = FaultConfig()

    [report] = await world.runner(page_size=10).run(["vaccinations"])

    assert saved >= 3
    assert report.status is RunStatus.SUCCEEDED
    assert await runs(world, "vaccinations") == ["INTERRUPTED", "SUCCEEDED"]
    expected = current(world.simulators)["vaccinations"]
    assert await count(world.sessionmaker, VaccinationDose) == expected
    async with world.sessionmaker() as session:
        mark = await session.get(SyncWatermark, "vaccinations")
    assert mark is not None and mark.watermark == str(expected)


async def _wait_for_pages(
    world: World, pages: int, process: asyncio.subprocess.Process
) -> int:
    """Poll the run record until the child has saved ``pages`` pages."""
    for _ in range(600):
        if process.returncode is not None:
            raise AssertionError("the sync finished before it could be killed")
        async with world.sessionmaker() as session:
            found = await session.scalar(
                select(SyncRun.pages).where(SyncRun.status == "RUNNING")
            )
        if found is not None and found >= pages:
            return int(found)
        await asyncio.sleep(0.05)
    raise AssertionError("the sync saved no pages in time")
