"""Calendars in the database: the working-day table (mutation and CLI), the
districts' school years, the refusal for a year not loaded, and the 第三十六条
duties counted on them."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine, make_sessionmaker
from db.models import CalendarDay, CalendarYear, District
from hub.cli import main
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    OFFICER,
    SCHOOL_A,
    SCHOOL_C,
    TRANSFER_DOCS,
    codes,
    load_school_year,
    mutate,
    pick_student,
    registrar,
    set_clock,
)

LOAD_DAYS = (
    "mutation($i: LoadWorkingDaysInput!) { loadWorkingDays(input: $i) "
    "{ years userErrors { code message article } } }"
)
# Made up for the tests: the 2027 arrangement is not published in the sources.
YEAR_2027 = {
    "year": 2027,
    "holidays": [{"day": "2027-01-01", "name": "元旦"}],
    "makeupWorkdays": [],
    "source": "测试数据",
}


async def test_officer_loads_next_year(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 12, 28))
    student = await pick_student(demo, SCHOOL_A, 3)
    given = {
        "studentNumber": student.student_number,
        "receivingSchoolCode": SCHOOL_C,
        "reason": "FAMILY_MOVE",
        "documents": TRANSFER_DOCS,
    }
    refused = await mutate(demo, "applyTransfer", registrar(SCHOOL_C), given)
    assert codes(refused) == [("CALENDAR_YEAR_NOT_LOADED", None)]
    loaded = (await demo.data(LOAD_DAYS, OFFICER, {"i": YEAR_2027}))["loadWorkingDays"]
    assert (loaded["years"][-2:], loaded["userErrors"]) == ([2026, 2027], [])
    applied = await mutate(demo, "applyTransfer", registrar(SCHOOL_C), given)
    assert applied["workflow"]["openStep"]["dueDate"] == "2027-01-12"


async def test_makeup_day_on_weekday_refused(demo: Hub) -> None:
    wrong = {**YEAR_2027, "makeupWorkdays": [{"day": "2027-01-04", "name": "元旦"}]}
    payload = (await demo.data(LOAD_DAYS, OFFICER, {"i": wrong}))["loadWorkingDays"]
    assert [e["code"] for e in payload["userErrors"]] == ["CALENDAR_DATA_INVALID"]
    assert payload["years"] == []


async def test_registrar_cannot_load_calendar(demo: Hub) -> None:
    response = await demo.gql(LOAD_DAYS, registrar(SCHOOL_A), {"i": YEAR_2027})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_school_year_holidays_from_term_gaps(demo: Hub) -> None:
    payload = await load_school_year(
        demo, ("2027-09-01", "2028-01-14"), ("2028-02-28", "2028-07-07")
    )
    assert payload == {
        "schoolYear": {
            "startYear": 2027,
            "terms": [
                {"name": "第1学期", "start": "2027-09-01", "end": "2028-01-14"},
                {"name": "第2学期", "start": "2028-02-28", "end": "2028-07-07"},
            ],
            "holidays": [
                {"name": "寒假", "start": "2028-01-15", "end": "2028-02-27"},
                {"name": "暑假", "start": "2028-07-08", "end": "2028-08-31"},
            ],
        },
        "userErrors": [],
    }
    wrong = await load_school_year(
        demo, ("2027-09-01", "2028-01-14"), ("2027-12-01", "2028-07-07")
    )
    assert [e["code"] for e in wrong["userErrors"]] == ["SCHOOL_CALENDAR_INVALID"]


async def test_term_duties_of_article_36(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 20))
    query = (
        "{ termDeadlines(startYear: 2026) { duty unit termStart dueDate overdue "
        "problem { code } } }"
    )
    duties = (await demo.data(query, OFFICER))["termDeadlines"]
    assert duties == [
        {
            "duty": "NEW_STUDENT_INTAKE",
            "unit": "CALENDAR_DAYS",
            "termStart": "2026-09-01",
            "dueDate": "2026-10-01",
            "overdue": True,
            "problem": None,
        },
        {
            "duty": "FIRST_TERM_CHANGES",
            "unit": "WORKING_DAYS",
            "termStart": "2026-09-01",
            "dueDate": "2026-10-19",
            "overdue": False,
            "problem": None,
        },
        {
            "duty": "SECOND_TERM_CHANGES",
            "unit": "WORKING_DAYS",
            "termStart": "2027-03-01",
            "dueDate": None,
            "overdue": False,
            "problem": {"code": "CALENDAR_YEAR_NOT_LOADED"},
        },
    ]


def _count(url: str) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            years = await session.scalar(select(func.count()).select_from(CalendarYear))
            days = await session.scalar(select(func.count()).select_from(CalendarDay))
        await engine.dispose()
        return int(years or 0), int(days or 0)

    return asyncio.run(count())


def test_cli_seeds_and_loads_working_days(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XUEJI_DATABASE_URL", database_url)
    assert main(["calendar", "seed"]) == 0
    assert capsys.readouterr().out == "loaded working days of 23 years: 2004-2026\n"
    assert main(["calendar", "seed"]) == 0
    assert capsys.readouterr().out.endswith("none (all present)\n")
    years, _ = _count(database_url)
    assert years == 23

    data = {"holidays": {"2027-01-01": "元旦"}, "makeup_workdays": {}}
    (tmp_path / "2027.json").write_text(json.dumps(data), "utf-8")
    assert main(["calendar", "load", "2027", str(tmp_path / "2027.json")]) == 0
    assert _count(database_url)[0] == 24
    assert main(["calendar", "load", "2028", str(tmp_path / "2027.json")]) == 2
    assert "不属于2028年" in capsys.readouterr().err


def test_cli_loads_school_year(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XUEJI_DATABASE_URL", database_url)
    year = {
        "firstTerm": ["2026-09-01", "2027-01-15"],
        "secondTerm": ["2027-03-01", "2027-07-09"],
    }
    (tmp_path / "year.json").write_text(json.dumps(year), "utf-8")
    assert main(["calendar", "school-year", str(tmp_path / "year.json")]) == 2

    async def add_district() -> None:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as session:
            session.add(District(code="210311", name="千山区"))
            await session.commit()
        await engine.dispose()

    asyncio.run(add_district())
    capsys.readouterr()
    assert main(["calendar", "school-year", str(tmp_path / "year.json")]) == 0
    assert capsys.readouterr().out == "loaded school year 2026 for district 210311\n"


async def test_duties_of_unloaded_school_year_refused(demo: Hub) -> None:
    query = "{ termDeadlines(startYear: 2030) { duty } }"
    body = (await demo.gql(query, OFFICER)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [
        "SCHOOL_YEAR_NOT_LOADED"
    ]
