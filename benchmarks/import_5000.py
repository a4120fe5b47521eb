"""Cohort import: 5,000 made-up grade-1 children of the demo district, timed.

Runs the same code as ``xueji import`` (read the file, check every row, then one
transaction of bulk inserts) on a fresh SQLite demo district, or on the database
of ``--database-url``, and prints how long each step took.

    python benchmarks/import_5000.py [--rows 5000] [--format xlsx|csv]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from db.crypto import FieldCrypto
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade
from hub.demo import seed_demo
from hub.people import birth_date_for_grade, make_person, phone
from hub.settings import load_settings
from resolvers.context import RequestContext
from resolvers.records_import import check_rows, import_cohort
from resolvers.records_import_file import ImportFormat, read_cohort, template_bytes
from rules.access import Principal, Role

SCHOOL = "2103110001"
# 岫岩 (210323): the demo's children are born elsewhere, so no ID number repeats.
AREA = "210323"
T = TypeVar("T")


def cohort(size: int, seed: int = 5000) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    taken: set[str] = set()
    rows = []
    for index in range(size):
        born = birth_date_for_grade(rng, 1, 2026)
        child = make_person(rng, born, area=AREA, taken=taken)
        rows.append(
            {
                "姓名": child.name, "性别": child.sex, "出生日期": born.isoformat(),
                "出生地": AREA, "籍贯": AREA, "民族": "01", "国籍/地区": "CHN",
                "身份证件类型": "1", "身份证件号": child.id_number, "港澳台侨外": "00",
                "健康状况": "10", "户口所在地": AREA, "户口性质": "1", "年级": 1,
                "班级": f"1-{index % 2 + 1}", "入学年月": "2026-09", "入学方式": "11",
                "就读方式": "1", "现住址": "岫岩县某街1号", "通信地址": "岫岩县某街1号",
                "家庭地址": "岫岩县某街1号", "联系电话": phone(rng),
                "邮政编码": "114300",
                "是否独生子女": "是", "是否受过学前教育": "是",
                "监护人1姓名": child.name[0] + "某", "监护人1关系": "1",
                "监护人1联系电话": phone(rng),
            }
        )  # fmt: skip
    return rows


def timed(label: str, call: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = call()
    print(f"  {label:28} {time.perf_counter() - started:6.2f} s")
    return result


def database(url: str | None) -> str:
    """The database to use, migrated; a fresh SQLite file unless one is named."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="xueji-import-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    return url


async def run(url: str, size: int, fmt: ImportFormat) -> None:
    settings = load_settings(database_url=url)
    await seed_demo(settings, scale=0.1)
    engine = make_engine(url, field_key=settings.field_key_bytes())
    ctx = RequestContext(
        principal=Principal("bench-registrar", Role.REGISTRAR, school=SCHOOL),
        sessionmaker=make_sessionmaker(engine),
        crypto=FieldCrypto(settings.field_key_bytes()),
        request_id=uuid.uuid4().hex,
        now=datetime(2026, 9, 10, 2, tzinfo=UTC),
        settings=settings,
    )
    print(f"{size} rows, {fmt.value}, {url.split(':')[0]}")
    rows = timed("make people", lambda: cohort(size))
    data = timed("write file", lambda: template_bytes(fmt, rows))
    started = time.perf_counter()
    parsed = timed("read file", lambda: read_cohort(data, fmt))
    today = date(2026, 9, 10)
    for dry_run in (True, False):
        checked = timed(
            "check rows",
            lambda: check_rows(parsed, today=today, special_education=False),
        )
        step = time.perf_counter()
        async with ctx.sessionmaker() as session:
            report = await import_cohort(
                session, ctx, checked, school_year=2026, dry_run=dry_run
            )
            await session.commit()
        label = "look-ups (dry run)" if dry_run else "look-ups and bulk insert"
        print(f"  {label:28} {time.perf_counter() - step:6.2f} s")
        print(f"  -> faults {len(report.faults)}, written {report.imported}")
    print(f"  {'total from file':28} {time.perf_counter() - started:6.2f} s")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = database(args.database_url)
    asyncio.run(run(url, args.rows, ImportFormat(args.format.upper())))
