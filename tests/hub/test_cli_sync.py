"""``xueji sync``, ``xueji schedule`` and the demo sync."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.sync import SOURCES, Progress, RunReport
from adapters.sync_store import PageCounts
from db.engine import make_engine, make_sessionmaker
from db.models import ProofDocument, Student, SyncRun
from db.models.sync import RunStatus
from hub.cli import main
from hub.cli_sync import ProgressBar, next_run, schedule, summary, sync_demo
from hub.settings import Settings
from rules.access import Principal, Role
from tests.conftest import Hub


def test_next_run_is_today_before_the_hour() -> None:
    now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 01:00 in Shanghai

    assert next_run(now, "02:30") == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)


def test_next_run_is_tomorrow_after_the_hour() -> None:
    now = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # 03:00 in Shanghai

    assert next_run(now, "02:30") == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)


async def test_schedule_runs_job_at_configured_time(settings: Settings) -> None:
    clock = [datetime(2026, 12, 3, 17, 0, tzinfo=UTC)]
    ran: list[datetime] = []

    async def sleep(seconds: float) -> None:
        clock[0] = clock[0].fromtimestamp(clock[0].timestamp() + seconds, UTC)

    async def job(_: Settings) -> list[RunReport]:
        ran.append(clock[0])
        return []

    await schedule(settings, clock=lambda: clock[0], sleep=sleep, job=job, times=2)

    assert ran == [
        datetime(2026, 12, 3, 18, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 18, 30, tzinfo=UTC),
    ]


def test_progress_bar_fills_with_known_total() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)

    bar(Progress("immunizations", 2, PageCounts(40, 38, 0, 2), done=5, total=10))

    assert stream.getvalue() == (
        "\rimmunizations  [#####.....] 2 pages, 40 records, 38 saved, "
        "0 withdrawn, 2 set aside"
    )


def test_progress_bar_moves_marker_for_feeds() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, width=4)

    for pages in (1, 2, 3, 4, 5):
        bar(Progress("awards", pages, PageCounts()))

    marks = [line.split("[")[1][:4] for line in stream.getvalue().split("\r")[1:]]
    assert marks == [".#..", "..#.", "...#", "..#.", ".#.."]


def test_summary_names_last_failure() -> None:
    report = RunReport(7, "vaccinations", RunStatus.FAILED)
    report.errors.append({"kind": "TemporaryError", "message": "server error 503"})

    assert summary(report) == (
        "vaccinations   FAILED      run 7: 0 pages, 0 fetched, 0 saved, "
        "0 withdrawn, 0 quarantined (TemporaryError: server error 503)"
    )


def test_sync_without_urls_exits_with_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("XUEJI_HOUSEHOLD_URL", "XUEJI_HEALTH_URL", "XUEJI_AWARDS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XUEJI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/x.db")

    code = main(["sync"])

    assert code == 2
    assert "XUEJI_HEALTH_URL" in capsys.readouterr().err


def test_unknown_source_exits_with_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XUEJI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/x.db")

    code = main(["sync", "--source", "weather"])

    assert (code, capsys.readouterr().err) == (
        2,
        "xueji sync: unknown source weather\n",
    )


async def test_demo_sync_fills_the_demo_archive(demo: Hub, settings: Settings) -> None:
    await sync_demo(settings)

    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    async with make_sessionmaker(engine)() as session:
        students = await session.scalar(select(func.count()).select_from(Student))
        proofs = await session.scalar(select(func.count()).select_from(ProofDocument))
        statuses = (await session.execute(select(SyncRun.source, SyncRun.status))).all()
    await engine.dispose()
    officer = Principal("o", Role.DISTRICT_OFFICER, district="210311")
    differences = await demo.data("{ householdDifferences { field } }", officer)

    assert proofs == students
    assert sorted(statuses) == sorted((name, "SUCCEEDED") for name in SOURCES)
    assert differences["householdDifferences"] == [{"field": "name"}] * 3
