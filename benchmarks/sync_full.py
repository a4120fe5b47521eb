"""A full sync of the demo district from the simulators: time, memory, rows/s.

The demo district is seeded at ``--scale`` and at ten times that, the three
simulators are seeded from its students, and every source is synced from the
start. Time and rows/s come from the first full sync; peak memory from a second
full sync under tracemalloc, started once the simulators hold their data, so it
shows what the sync itself holds: pages are streamed and saved one at a time,
and the peak should stay flat as the district grows tenfold.

    python benchmarks/sync_full.py [--scale 0.1] [--page-size 200]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.sync import RunReport
from adapters.sync_demo import build_simulators, serving, simulator_students
from db.crypto import FieldCrypto
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade
from hub.cli_sync import run_sync
from hub.demo import seed_demo
from hub.settings import load_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Result:
    students: int
    rows: int
    seconds: float
    peak_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


async def full_sync(scale: float, page_size: int, folder: Path) -> Result:
    url = f"sqlite+aiosqlite:///{folder}/sync-{scale}.sqlite3"
    settings = load_settings(database_url=url, sync_page_size=page_size)
    await asyncio.to_thread(upgrade, url)
    await seed_demo(settings, scale=scale)
    key = settings.field_key_bytes()
    engine = make_engine(url, field_key=key)
    students = await simulator_students(make_sessionmaker(engine), FieldCrypto(key))
    await engine.dispose()
    simulators = build_simulators(students, as_of=datetime.now(SHANGHAI).date())
    async with serving(simulators) as systems:
        started = time.perf_counter()
        reports = await run_sync(settings, systems=systems, full=True)
        seconds = time.perf_counter() - started
        _check(reports)
        # tracemalloc slows every allocation several times over, so memory is
        # measured on a second full sync (the same pages, upserted again).
        tracemalloc.start()
        _check(await run_sync(settings, systems=systems, full=True))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rows = sum(r.counts.upserted for r in reports)
    return Result(len(students), rows, seconds, peak / 2**20)


def _check(reports: list[RunReport]) -> None:
    failed = [r.source for r in reports if r.status.value != "SUCCEEDED"]
    if failed:
        raise SystemExit(f"sources failed: {failed}")


async def main(scale: float, page_size: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="xueji-sync-bench-"))
    print(f"{'students':>9} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MiB':>9}")
    results = []
    for factor in (1, 10):
        result = await full_sync(scale * factor, page_size, folder)
        results.append(result)
        print(
            f"{result.students:>9} {result.rows:>8} {result.seconds:>8.1f} "
            f"{result.rows_per_second:>8.0f} {result.peak_mib:>9.1f}"
        )
    growth = results[1].peak_mib / results[0].peak_mib if results[0].peak_mib else 0
    print(f"peak memory grew {growth:.2f}x for {results[1].students} students")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.scale, args.page_size))
