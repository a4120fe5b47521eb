"""Calendars in GraphQL: a district's school year (terms, 寒暑假) and the
working-day table of a calendar year (statutory holidays, 调休)."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import CalendarYear, District
from resolvers import calendar as calendars
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.mutations import Done, Outcome, perform
from rules import calendar as cal
from rules.access import AccessClass, Role
from rules.errors import RuleViolation
from schema.errors import UserError
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC


@strawberry.input
class DateSpanInput:
    start: date
    end: date


@strawberry.input
class NamedSpanInput:
    name: str
    start: date
    end: date


@strawberry.input(description="A district's school year: two terms and holidays.")
class LoadSchoolCalendarInput:
    first_term: DateSpanInput
    second_term: DateSpanInput
    holidays: list[NamedSpanInput] | None = strawberry.field(
        default=None,
        description="寒暑假; left out, they are the gaps around the terms.",
    )


@strawberry.input
class NamedDayInput:
    day: date
    name: str


@strawberry.input(description="One year's 国务院办公厅 holiday arrangement.")
class LoadWorkingDaysInput:
    year: int
    holidays: list[NamedDayInput]
    makeup_workdays: list[NamedDayInput]
    source: str


@strawberry.type(description="A loaded term or holiday.")
class CalendarSpan:
    name: str = classified(PUBLIC)
    start: date = classified(PUBLIC)
    end: date = classified(PUBLIC)


@strawberry.type(description="A district's school year as loaded.")
class SchoolCalendarYear:
    start_year: int = classified(PUBLIC)
    terms: list[CalendarSpan] = classified(PUBLIC)
    holidays: list[CalendarSpan] = classified(PUBLIC)


@strawberry.type
class LoadSchoolCalendarPayload:
    school_year: SchoolCalendarYear | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.type
class LoadWorkingDaysPayload:
    years: list[int] = classified(PUBLIC, description="Years now loaded.")
    user_errors: list[UserError] = classified(PUBLIC)


def _district(ctx: RequestContext) -> str:
    if ctx.principal.district is None:
        raise Forbidden()
    return ctx.principal.district


def _school_year(district: str, given: LoadSchoolCalendarInput) -> cal.SchoolYear:
    first = (given.first_term.start, given.first_term.end)
    second = (given.second_term.start, given.second_term.end)
    built = cal.SchoolYear.from_terms(district, first, second)
    if given.holidays is None:
        return built
    return cal.SchoolYear(
        district_code=district,
        start_year=built.start_year,
        first_term=built.first_term,
        second_term=built.second_term,
        holidays=tuple(
            cal.SchoolHoliday(h.name, h.start, h.end) for h in given.holidays
        ),
    )


def _year_type(year: cal.SchoolYear) -> SchoolCalendarYear:
    terms = (year.first_term, year.second_term)
    return SchoolCalendarYear(
        start_year=year.start_year,
        terms=[
            CalendarSpan(name=f"第{t.number}学期", start=t.start, end=t.end)
            for t in terms
        ],
        holidays=[
            CalendarSpan(name=h.name, start=h.start, end=h.end) for h in year.holidays
        ],
    )


async def _loaded_years(ctx: RequestContext) -> list[int]:
    async with ctx.reading() as session:
        await session.rollback()
    return list(
        await ctx.scalars(select(CalendarYear.year).order_by(CalendarYear.year))
    )


@strawberry.type
class CalendarMutation:
    @classified(PUBLIC, description="District officers load a school year.")
    async def load_school_calendar(
        self, info: Info, input: LoadSchoolCalendarInput
    ) -> LoadSchoolCalendarPayload:
        ctx: RequestContext = info.context
        district = _district(ctx)
        built: list[cal.SchoolYear] = []

        async def action(session: AsyncSession) -> Done:
            year = _school_year(district, input)
            found = await session.scalar(
                select(District).where(District.code == district)
            )
            if found is None:
                raise RuleViolation("DISTRICT_NOT_FOUND", "没有该区的记录。")
            await calendars.store_school_year(session, found.id, year)
            built.append(year)
            return Done({"startYear": year.start_year})

        outcome = await perform(
            ctx, "loadSchoolCalendar", action, roles={Role.DISTRICT_OFFICER}
        )
        return LoadSchoolCalendarPayload(
            school_year=_year_type(built[0]) if outcome.result and built else None,
            user_errors=_errors(outcome),
        )

    @classified(PUBLIC, description="Load a year's holidays and 调休 workdays.")
    async def load_working_days(
        self, info: Info, input: LoadWorkingDaysInput
    ) -> LoadWorkingDaysPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            arrangement = cal.YearArrangement(
                year=input.year,
                holidays={d.day: d.name for d in input.holidays},
                makeup_workdays={d.day: d.name for d in input.makeup_workdays},
            )
            await calendars.store_year_arrangement(
                session, arrangement, source=input.source, now=ctx.now
            )
            return Done({"year": input.year})

        outcome = await perform(
            ctx, "loadWorkingDays", action, roles={Role.DISTRICT_OFFICER}
        )
        years = await _loaded_years(ctx) if outcome.result else []
        return LoadWorkingDaysPayload(years=years, user_errors=_errors(outcome))


def _errors(outcome: Outcome) -> list[UserError]:
    return [UserError.from_violation(e) for e in outcome.errors]


@strawberry.type
class CalendarQuery:
    @classified(PUBLIC, description="Calendar years whose working days are loaded.")
    async def working_day_years(self, info: Info) -> list[int]:
        return await _loaded_years(info.context)

    @classified(PUBLIC, description="The caller's district's loaded school years.")
    async def school_calendar(self, info: Info) -> list[SchoolCalendarYear]:
        ctx: RequestContext = info.context
        district = _district_of(ctx)
        if district is None:
            return []
        async with ctx.reading() as session:
            found = await session.scalar(
                select(District).where(District.code == district)
            )
            if found is None:
                return []
            loaded = await calendars.school_years(session, found.id, district)
        return [_year_type(y) for y in loaded]


def _district_of(ctx: RequestContext) -> str | None:
    return ctx.principal.district or (ctx.principal.school or "")[:6] or None
