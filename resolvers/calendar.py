"""Calendars in the database: the working-day table and the districts' school years.

The working-day table (``CalendarYear`` + ``CalendarDay``) is what every deadline
in working days is counted on; a year without a ``CalendarYear`` row is not
loaded and ``rules.calendar.WorkingDayCalendar`` refuses it. School years
(terms and 寒暑假) decide where 第十三条 and 第二十一条 forbid changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CalendarDay, CalendarYear, SchoolHoliday, SchoolYear, Term
from rules import calendar as cal
from rules.errors import RuleViolation

logger = logging.getLogger(__name__)

BUNDLED_SOURCE = "rules/data/workdays.json"


async def working_day_calendar(session: AsyncSession) -> cal.WorkingDayCalendar:
    """The loaded years of the working-day table, as the rules count on them."""
    years = (await session.scalars(select(CalendarYear.year))).all()
    if not years:
        return cal.WorkingDayCalendar([])
    stmt = select(CalendarDay).where(
        CalendarDay.day >= dt.date(min(years), 1, 1),
        CalendarDay.day <= dt.date(max(years), 12, 31),
    )
    holidays: dict[int, dict[dt.date, str]] = defaultdict(dict)
    makeup: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for row in await session.scalars(stmt):
        target = makeup if row.is_working_day else holidays
        target[row.day.year][row.day] = row.name or ""
    return cal.WorkingDayCalendar(
        cal.YearArrangement(year, holidays[year], makeup[year]) for year in years
    )


async def store_year_arrangement(
    session: AsyncSession,
    arrangement: cal.YearArrangement,
    *,
    source: str,
    now: dt.datetime,
) -> None:
    """Load (or replace) one calendar year of the working-day table."""
    first, last = dt.date(arrangement.year, 1, 1), dt.date(arrangement.year, 12, 31)
    await session.execute(
        delete(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)
    )
    await session.execute(
        delete(CalendarYear).where(CalendarYear.year == arrangement.year)
    )
    session.add_all(
        [
            *(
                CalendarDay(day=day, is_working_day=False, name=name)
                for day, name in sorted(arrangement.holidays.items())
            ),
            *(
                CalendarDay(day=day, is_working_day=True, name=name)
                for day, name in sorted(arrangement.makeup_workdays.items())
            ),
            CalendarYear(year=arrangement.year, source=source[:200], loaded_at=now),
        ]
    )
    await session.flush()
    logger.debug("working-day year %s loaded from %s", arrangement.year, source)


async def load_bundled_workdays(
    session: AsyncSession, now: dt.datetime, *, replace: bool = False
) -> list[int]:
    """Seed the table with every year bundled in rules/data/workdays.json; years
    already loaded stay unless ``replace``. Returns the years written."""
    loaded = set((await session.scalars(select(CalendarYear.year))).all())
    bundled = cal.WorkingDayCalendar.bundled()
    written = []
    for year in bundled.years:
        if year in loaded and not replace:
            continue
        arrangement = bundled.arrangement(year)
        await store_year_arrangement(
            session, arrangement, source=BUNDLED_SOURCE, now=now
        )
        written.append(year)
    if written:
        logger.info(
            "working-day years %s-%s loaded from %s",
            written[0],
            written[-1],
            BUNDLED_SOURCE,
        )
    return written


def _holiday_rows(school_year_id: int, year: cal.SchoolYear) -> list[SchoolHoliday]:
    return [
        SchoolHoliday(
            school_year_id=school_year_id,
            name=h.name,
            start_date=h.start,
            end_date=h.end,
        )
        for h in year.holidays
    ]


async def store_school_year(
    session: AsyncSession, district_id: int, year: cal.SchoolYear
) -> SchoolYear:
    """Load (or replace) a district's school year: its two terms and holidays."""
    row = await session.scalar(
        select(SchoolYear).where(
            SchoolYear.district_id == district_id,
            SchoolYear.start_year == year.start_year,
        )
    )
    if row is None:
        row = SchoolYear(district_id=district_id, start_year=year.start_year)
        session.add(row)
    row.start_date, row.end_date = year.first_day, year.last_day
    await session.flush()
    await session.execute(delete(Term).where(Term.school_year_id == row.id))
    await session.execute(
        delete(SchoolHoliday).where(SchoolHoliday.school_year_id == row.id)
    )
    terms = (year.first_term, year.second_term)
    session.add_all(
        [
            *(
                Term(
                    school_year_id=row.id,
                    number=t.number,
                    start_date=t.start,
                    end_date=t.end,
                )
                for t in terms
            ),
            *_holiday_rows(row.id, year),
        ]
    )
    await session.flush()
    return row


async def school_calendar(
    session: AsyncSession, district_id: int, district_code: str
) -> cal.SchoolCalendar:
    """The district's loaded school years, as the rules look them up."""
    return cal.SchoolCalendar(await school_years(session, district_id, district_code))


async def school_years(
    session: AsyncSession, district_id: int, district_code: str
) -> list[cal.SchoolYear]:
    """The district's loaded school years, oldest first. A year loaded with terms
    only (no holiday rows) takes its holidays from the gaps around the terms."""
    years = (
        await session.scalars(
            select(SchoolYear)
            .where(SchoolYear.district_id == district_id)
            .order_by(SchoolYear.start_year)
        )
    ).all()
    ids = [y.id for y in years]
    terms: dict[int, dict[int, Term]] = defaultdict(dict)
    holidays: dict[int, list[SchoolHoliday]] = defaultdict(list)
    if ids:
        for term in await session.scalars(
            select(Term).where(Term.school_year_id.in_(ids))
        ):
            terms[term.school_year_id][term.number] = term
        for holiday in await session.scalars(
            select(SchoolHoliday).where(SchoolHoliday.school_year_id.in_(ids))
        ):
            holidays[holiday.school_year_id].append(holiday)
    loaded = []
    for year in years:
        found = _school_year(district_code, terms[year.id], holidays[year.id])
        if found is not None:
            loaded.append(found)
    return loaded


def _school_year(
    district_code: str, terms: dict[int, Term], holidays: list[SchoolHoliday]
) -> cal.SchoolYear | None:
    if set(terms) != {1, 2}:
        return None
    first, second = terms[1], terms[2]
    spans = ((first.start_date, first.end_date), (second.start_date, second.end_date))
    built = cal.SchoolYear.from_terms(district_code, *spans)
    if not holidays:
        return built
    return cal.SchoolYear(
        district_code=district_code,
        start_year=built.start_year,
        first_term=built.first_term,
        second_term=built.second_term,
        holidays=tuple(
            cal.SchoolHoliday(h.name, h.start_date, h.end_date)
            for h in sorted(holidays, key=lambda h: h.start_date)
        ),
    )


def school_days(
    workdays: cal.WorkingDayCalendar,
    schools: cal.SchoolCalendar,
    start: dt.date,
    end: dt.date,
) -> set[dt.date]:
    """The days school is in session from ``start`` to ``end``: working days
    within a term. Refuses a calendar year whose working days are not loaded.

    Limitation: where the district has not loaded a school year, every working
    day of it counts as a school day (attendance windows reach back into years
    loaded before the hub kept school calendars)."""
    days: set[dt.date] = set()
    day = start
    while day <= end:
        if workdays.is_working_day(day) and _in_term(schools, day):
            days.add(day)
        day += dt.timedelta(days=1)
    return days


def _in_term(schools: cal.SchoolCalendar, day: dt.date) -> bool:
    try:
        return schools.term_of(day) is not None
    except RuleViolation as refusal:
        if refusal.code == "SCHOOL_YEAR_NOT_LOADED":
            return True
        raise
