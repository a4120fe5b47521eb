"""``xueji calendar``: load the working-day table and a district's school year.

    xueji calendar seed [--replace]          every year bundled in rules/data
    xueji calendar load YEAR FILE            one year from a JSON file
    xueji calendar school-year FILE [--district CODE]

A year's FILE is ``{"holidays": {date: name}, "makeup_workdays": {date: name}}``
(or the bundled layout ``{"years": {"2027": {...}}}``); a school year's FILE is
``{"firstTerm": [start, end], "secondTerm": [start, end], "holidays":
[{"name": ..., "start": ..., "end": ...}]}`` (holidays may be left out).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import begin_write, make_engine, make_sessionmaker
from db.models import District
from hub.settings import Settings
from resolvers import calendar as calendars
from rules import calendar as cal
from rules.errors import RuleViolation

T = TypeVar("T")


def add_calendar_commands(commands: Any) -> None:
    """Add ``calendar`` and its actions to the ``xueji`` subcommands."""
    parser = commands.add_parser("calendar", help="working days and school years")
    actions = parser.add_subparsers(required=True, metavar="ACTION")

    seed = actions.add_parser("seed", help="load the bundled working-day years")
    seed.add_argument("--replace", action="store_true", help="reload loaded years")
    seed.set_defaults(handler=_seed)

    load = actions.add_parser("load", help="load one year's working days")
    load.add_argument("year", type=int)
    load.add_argument("file", type=Path)
    load.add_argument("--source", help="where the arrangement comes from")
    load.set_defaults(handler=_load)

    school = actions.add_parser("school-year", help="load a district's school year")
    school.add_argument("file", type=Path)
    school.add_argument("--district", help="district code (default: settings)")
    school.set_defaults(handler=_school_year)


async def _write(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await begin_write(session)
            result = await work(session)
            await session.commit()
    finally:
        await engine.dispose()
    return result


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[int]:
        return await calendars.load_bundled_workdays(
            session, _now(), replace=args.replace
        )

    years = asyncio.run(_write(settings, work))
    print(f"loaded working days of {len(years)} years: {_span(years)}")
    return 0


def _span(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if years else "none (all present)"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleViolation("CALENDAR_DATA_INVALID", f"无法读取{path}：{exc}") from exc


def _arrangement(year: int, data: Any) -> cal.YearArrangement:
    if not isinstance(data, dict):
        raise RuleViolation("CALENDAR_DATA_INVALID", "文件内容应为 JSON 对象。")
    years = data.get("years")
    if isinstance(years, dict):
        if str(year) not in years:
            raise RuleViolation("CALENDAR_DATA_INVALID", f"文件中没有{year}年的安排。")
        data = years[str(year)]
    return cal.YearArrangement.from_json(year, data)


def _load(settings: Settings, args: argparse.Namespace) -> int:
    try:
        arrangement = _arrangement(args.year, _read_json(args.file))
    except RuleViolation as refusal:
        print(f"xueji calendar load: {refusal.message}", file=sys.stderr)
        return 2
    source = args.source or str(args.file)

    async def work(session: AsyncSession) -> None:
        await calendars.store_year_arrangement(
            session, arrangement, source=source, now=_now()
        )

    asyncio.run(_write(settings, work))
    print(f"loaded working days of {args.year} from {source}")
    return 0


def _school_year_from(district: str, data: Any) -> cal.SchoolYear:
    try:
        first = tuple(dt.date.fromisoformat(d) for d in data["firstTerm"])
        second = tuple(dt.date.fromisoformat(d) for d in data["secondTerm"])
        built = cal.SchoolYear.from_terms(
            district, (first[0], first[1]), (second[0], second[1])
        )
        holidays = data.get("holidays")
        if holidays is None:
            return built
        spans = tuple(
            cal.SchoolHoliday(
                h["name"],
                dt.date.fromisoformat(h["start"]),
                dt.date.fromisoformat(h["end"]),
            )
            for h in holidays
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RuleViolation(
            "SCHOOL_CALENDAR_INVALID", f"校历文件格式有误：{exc}"
        ) from exc
    return cal.SchoolYear(
        district, built.start_year, built.first_term, built.second_term, spans
    )


def _school_year(settings: Settings, args: argparse.Namespace) -> int:
    district = args.district or settings.district_code
    try:
        year = _school_year_from(district, _read_json(args.file))
    except RuleViolation as refusal:
        print(f"xueji calendar school-year: {refusal.message}", file=sys.stderr)
        return 2

    async def work(session: AsyncSession) -> bool:
        found = await session.scalar(select(District).where(District.code == district))
        if found is None:
            return False
        await calendars.store_school_year(session, found.id, year)
        return True

    if not asyncio.run(_write(settings, work)):
        print(f"xueji calendar school-year: no district {district}", file=sys.stderr)
        return 2
    print(f"loaded school year {year.start_year} for district {district}")
    return 0
