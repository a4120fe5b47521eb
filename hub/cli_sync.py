"""``xueji sync`` and ``xueji schedule``: the nightly sync from the command line.

``xueji sync [--source NAME] [--full]`` runs the sources once (all whose system
has a URL: XUEJI_HOUSEHOLD_URL, XUEJI_HEALTH_URL, XUEJI_AWARDS_URL) and exits 0
when every run succeeded, 1 otherwise. On a terminal it draws a progress bar;
otherwise it writes one log line per saved page.

``xueji schedule`` runs the same sync every day at XUEJI_SYNC_AT (Asia/Shanghai),
until stopped. A cron line does the same job without a resident process::

    CRON_TZ=Asia/Shanghai
    30 2 * * * cd /srv/xueji && .venv/bin/xueji sync >>/var/log/xueji-sync.log 2>&1
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from hub.settings import Settings

if TYPE_CHECKING:
    from adapters.sync import Progress, RunReport, Systems

# The CLI starts fast: adapters, models and resolvers load when a command runs.

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BAR_WIDTH = 24


def add_sync_commands(commands: Any) -> None:
    """Register ``sync`` and ``schedule`` on the CLI's subparsers."""
    sync = commands.add_parser("sync", help="pull the outside systems once")
    sync.add_argument(
        "--source",
        help="only this source: household, health-checks, fitness, vaccinations, "
        "awards or immunizations",
    )
    sync.add_argument(
        "--full", action="store_true", help="read from the start, not the watermark"
    )
    sync.set_defaults(handler=_sync)
    schedule = commands.add_parser(
        "schedule", help="run the sync every day at XUEJI_SYNC_AT (Asia/Shanghai)"
    )
    schedule.set_defaults(handler=_schedule)


def systems_of(settings: Settings) -> Systems:
    from adapters.http import ClientConfig
    from adapters.sync import Systems

    def config(url: str) -> ClientConfig | None:
        return ClientConfig(url) if url else None

    return Systems(
        household=config(settings.household_url),
        health=config(settings.health_url),
        awards=config(settings.awards_url),
    )


async def run_sync(
    settings: Settings,
    sources: Sequence[str] | None = None,
    *,
    full: bool = False,
    systems: Systems | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> list[RunReport]:
    """One sync of ``sources`` (all configured ones by default)."""
    from adapters.sync import SyncRunner
    from db.crypto import FieldCrypto
    from db.engine import make_engine, make_sessionmaker
    from resolvers.access import append_events

    key = settings.field_key_bytes()
    engine = make_engine(settings.database_url, field_key=key)
    try:
        runner = SyncRunner(
            make_sessionmaker(engine),
            FieldCrypto(key),
            systems or systems_of(settings),
            audit=append_events,
            page_size=settings.sync_page_size,
            progress=progress,
        )
        return await runner.run(sources, full=full)
    finally:
        await engine.dispose()


async def sync_demo(settings: Settings) -> None:
    """Start the simulators seeded from the demo district and sync everything."""
    from adapters.sync_demo import (
        build_simulators,
        serving,
        simulator_students,
        vary_registered_names,
    )
    from db.crypto import FieldCrypto
    from db.engine import make_engine, make_sessionmaker

    key = settings.field_key_bytes()
    engine = make_engine(settings.database_url, field_key=key)
    try:
        students = await simulator_students(make_sessionmaker(engine), FieldCrypto(key))
    finally:
        await engine.dispose()
    if not students:
        logger.warning("no students with an ID number: nothing to sync")
        return
    today = datetime.now(SHANGHAI).date()
    simulators = build_simulators(students, as_of=today)
    vary_registered_names(simulators.household)
    async with serving(simulators) as systems:
        reports = await run_sync(settings, systems=systems)
    for report in reports:
        logger.info(
            "demo sync %s %s: %d records saved",
            report.source,
            report.status.value,
            report.counts.upserted,
        )


class ProgressBar:
    """A one-line text bar per source on a terminal.

    Written here rather than taken from a library: one line of text is all it
    needs, not worth a dependency.
    """

    def __init__(self, stream: TextIO, width: int = BAR_WIDTH) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, event: Progress) -> None:
        counts = event.counts
        self.stream.write(
            f"\r{event.source:<14} [{self._bar(event)}] {event.pages} pages, "
            f"{counts.fetched} records, {counts.upserted} saved, "
            f"{counts.deleted} withdrawn, {counts.quarantined} set aside"
        )
        self.stream.flush()

    def _bar(self, event: Progress) -> str:
        if event.total and event.done is not None:
            filled = min(self.width, self.width * event.done // event.total)
            return "#" * filled + "." * (self.width - filled)
        # A feed does not say how long it is: a marker moves along instead.
        cycle = 2 * (self.width - 1)
        step = event.pages % cycle if cycle else 0
        where = step if step < self.width else cycle - step
        return "." * where + "#" + "." * (self.width - where - 1)

    def finish(self, report: RunReport) -> None:
        self.stream.write(f"\r\x1b[2K{summary(report)}\n")
        self.stream.flush()


def summary(report: RunReport) -> str:
    from db.models.sync import RunStatus

    counts = report.counts
    line = (
        f"{report.source:<14} {report.status.value:<11} run {report.run_id}: "
        f"{report.pages} pages, {counts.fetched} fetched, {counts.upserted} saved, "
        f"{counts.deleted} withdrawn, {counts.quarantined} quarantined"
    )
    failures = [e for e in report.errors if report.status is not RunStatus.SUCCEEDED]
    if failures:
        line += f" ({failures[-1]['kind']}: {failures[-1]['message']})"
    return line


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.sync import SOURCES
    from db.models.sync import RunStatus

    if args.source is not None and args.source not in SOURCES:
        print(f"xueji sync: unknown source {args.source}", file=sys.stderr)
        return 2
    sources = [args.source] if args.source else None
    interactive = sys.stdout.isatty()
    bar = ProgressBar(sys.stdout) if interactive else None
    if settings.log_level.upper() != "DEBUG":
        # One line per page, not one per request (adapters.http logs those).
        logging.getLogger("adapters.http").setLevel(logging.WARNING)
    if interactive:
        logging.getLogger("adapters.sync").setLevel(logging.WARNING)
    systems = systems_of(settings)
    wanted = sources or [s for s in SOURCES if _configured(systems, s)]
    if not wanted:
        print(
            "xueji sync: set XUEJI_HOUSEHOLD_URL, XUEJI_HEALTH_URL or XUEJI_AWARDS_URL",
            file=sys.stderr,
        )
        return 2
    reports = []
    for source in wanted:
        if not _configured(systems, source):
            print(f"xueji sync: no URL is set for {source}", file=sys.stderr)
            return 2
        found = asyncio.run(run_sync(settings, [source], full=args.full, progress=bar))
        reports += found
        for report in found:
            if bar is not None:
                bar.finish(report)
            else:
                print(summary(report), flush=True)
    ok = all(r.status is RunStatus.SUCCEEDED for r in reports)
    return 0 if ok else 1


def _configured(systems: Systems, source: str) -> bool:
    from adapters.sync import SYSTEM_OF

    return systems.config(SYSTEM_OF[source]) is not None


def next_run(now: datetime, at: str) -> datetime:
    """The next instant at ``at`` (HH:MM, Asia/Shanghai) strictly after ``now``."""
    hours, minutes = (int(part) for part in at.split(":"))
    local = now.astimezone(SHANGHAI)
    wake = datetime.combine(local.date(), time(hours, minutes), SHANGHAI)
    if wake <= local:
        wake = datetime.combine(
            local.date() + timedelta(days=1), time(hours, minutes), SHANGHAI
        )
    return wake.astimezone(UTC)


async def schedule(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    job: Callable[[Settings], Awaitable[list[RunReport]]] = run_sync,
    times: int | None = None,
) -> None:
    """Run ``job`` at XUEJI_SYNC_AT each day, ``times`` times (forever: None)."""
    from sqlalchemy.exc import SQLAlchemyError

    done = 0
    while times is None or done < times:
        wake = next_run(clock(), settings.sync_at)
        logger.info("next sync at %s", wake.isoformat())
        await sleep(max((wake - clock()).total_seconds(), 0.0))
        try:
            reports = await job(settings)
        except (SQLAlchemyError, OSError) as error:
            # The database may be down tonight; try again tomorrow.
            logger.error("nightly sync could not run: %s", error)
        else:
            for report in reports:
                logger.info("%s", summary(report))
        done += 1


def _schedule(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("adapters.http").setLevel(logging.WARNING)
    try:
        asyncio.run(schedule(settings))
    except KeyboardInterrupt:
        return 0
    return 0
