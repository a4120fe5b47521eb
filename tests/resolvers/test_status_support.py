"""Shared pieces of the status tests: principals, the clock, picking demo
students and running the status mutations through GraphQL."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from db.models import (
    CalendarYear,
    District,
    Enrolment,
    Placement,
    School,
    SchoolClass,
    SchoolYear,
    StatusChange,
    Student,
    Term,
)
from hub.app import create_app
from hub.settings import Settings
from resolvers.calendar import store_year_arrangement
from rules.access import Principal, Role
from rules.calendar import WorkingDayCalendar
from rules.status import ChangeCategory, StudentStatus, transition
from tests.conftest import Hub

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISTRICT = "210311"
SCHOOL_A = "2103110001"  # urban public primary
SCHOOL_B = "2103110002"  # urban public primary
SCHOOL_C = "2103110003"  # rural public primary
JUNIOR = "2103110011"
OFFICER = Principal("officer-1", Role.DISTRICT_OFFICER, district=DISTRICT)


def registrar(school: str) -> Principal:
    return Principal(f"reg-{school}", Role.REGISTRAR, school=school)


def leader(school: str, n: int = 1) -> Principal:
    return Principal(f"lead{n}-{school}", Role.SCHOOL_LEADER, school=school)


def set_clock(hub: Hub, day: dt.date, hour: int = 10, minute: int = 0) -> None:
    instant = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    hub.state.clock = lambda: instant


PAYLOAD = """
  workflow { id kind state openedOn details
    steps { name ownerRole ownerUnit dueDate decision decidedOn }
    openStep { name ownerUnit dueDate } }
  changes { category fromStatus toStatus effectiveDate requestedBy decidedBy
    documents details }
  userErrors { code message field article }
"""


async def mutate(
    hub: Hub, name: str, principal: Principal, given: dict[str, Any]
) -> dict[str, Any]:
    """Run one status mutation; the payload (GraphQL errors fail the test)."""
    title = name[0].upper() + name[1:]
    query = (
        f"mutation M($input: {title}Input!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"
    )
    data = await hub.data(query, principal, {"input": given})
    payload: dict[str, Any] = data[name]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["article"]) for e in payload["userErrors"]]


async def pick_student(
    hub: Hub,
    school: str,
    grade: int,
    *,
    local: bool | None = True,
    skip: int = 0,
) -> Student:
    """A demo student in ``grade`` at ``school``; ``local`` picks by 户籍."""
    async with hub.state.sessionmaker() as session:
        stmt = (
            select(Student)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .join(School, School.id == Enrolment.school_id)
            .join(Placement, Placement.enrolment_id == Enrolment.id)
            .where(
                School.code == school,
                Placement.grade == grade,
                Enrolment.exit_date.is_(None),
                Student.status == "STUDYING",
            )
            .order_by(Student.id)
        )
        rows = list((await session.scalars(stmt)).all())
    if local is not None:
        rows = [r for r in rows if (r.household_place_code == DISTRICT) is local]
    return rows[skip]


async def class_pk(hub: Hub, school: str, name: str, year: int = 2026) -> int:
    async with hub.state.sessionmaker() as session:
        found = await session.scalar(
            select(SchoolClass.id)
            .join(School, School.id == SchoolClass.school_id)
            .where(
                School.code == school,
                SchoolClass.name == name,
                SchoolClass.school_year == year,
            )
        )
    assert found is not None
    return found


async def episodes(hub: Hub, student_id: int) -> list[tuple[str, str, str | None]]:
    """(school code, entry, exit) of every episode, oldest first."""
    async with hub.state.sessionmaker() as session:
        rows = await session.execute(
            select(School.code, Enrolment.entry_date, Enrolment.exit_date)
            .join(School, School.id == Enrolment.school_id)
            .where(Enrolment.student_id == student_id)
            .order_by(Enrolment.entry_date, Enrolment.id)
        )
        return [
            (code, entry.isoformat(), exit.isoformat() if exit else None)
            for code, entry, exit in rows
        ]


async def status_of(hub: Hub, student_id: int) -> str:
    async with hub.state.sessionmaker() as session:
        student = await session.get_one(Student, student_id)
        return student.status


async def log_categories(hub: Hub, student_id: int) -> list[str]:
    async with hub.state.sessionmaker() as session:
        rows = await session.scalars(
            select(StatusChange.category)
            .where(StatusChange.student_id == student_id)
            .order_by(StatusChange.id)
        )
        return list(rows)


async def replays(hub: Hub, student_id: int) -> bool:
    """The log, replayed through the transition table, ends at the status."""
    async with hub.state.sessionmaker() as session:
        student = await session.get_one(Student, student_id)
        rows = list(
            await session.scalars(
                select(StatusChange)
                .where(StatusChange.student_id == student_id)
                .order_by(StatusChange.id)
            )
        )
    status: StudentStatus | None = (
        StudentStatus(rows[0].from_status) if rows and rows[0].from_status else None
    )
    if not rows:
        status = StudentStatus(student.status)
    for row in rows:
        before = StudentStatus(row.from_status) if row.from_status else None
        if before != status:
            return False
        status = transition(status, ChangeCategory(row.category))
        if status.value != row.to_status:
            return False
    return status is not None and status.value == student.status


# The three schools of the state-machine world.
MACHINE_SCHOOLS = {"2103110001": "URBAN", "2103110002": "URBAN", "2103110003": "RURAL"}
TRANSFER_DOCS = ["CONTACT_FORM", "GUARDIAN_ID", "HOUSEHOLD_REGISTER"]
ASSIGNED_DOCS = ["CONTACT_FORM", "GUARDIAN_ID", "RESIDENCE_PROOF", "EMPLOYMENT_PROOF"]


async def add_class(hub: Hub, school: str, name: str, year: int) -> int:
    """A class of another school year than the demo's (test set-up)."""
    async with hub.state.sessionmaker() as session:
        school_id = await session.scalar(select(School.id).where(School.code == school))
        assert school_id is not None
        klass = SchoolClass(
            school_id=school_id,
            school_year=year,
            grade=int(name.split("-")[0]),
            name=name,
        )
        session.add(klass)
        await session.commit()
        return klass.id


async def add_student(
    hub: Hub,
    school: str,
    class_id: int,
    *,
    entered: dt.date,
    placed: dt.date,
    id_number: str | None = None,
    birth_date: dt.date | None = None,
) -> Student:
    """A verified record with one episode and one placement, written the way
    hub/demo.py writes its students (made-up person)."""
    import random

    from db.crypto import FieldCrypto
    from db.models import District, StudentNumber
    from hub.people import make_person

    rng = random.Random(class_id * 7919 + entered.toordinal())
    person = make_person(rng, birth_date or dt.date(2017, 6, 12), area=DISTRICT)
    number = id_number or person.id_number
    crypto = FieldCrypto(hub.settings.field_key_bytes())
    async with hub.state.sessionmaker() as session:
        school_id = await session.scalar(select(School.id).where(School.code == school))
        district_id = await session.scalar(
            select(District.id).where(District.code == DISTRICT)
        )
        assert school_id is not None and district_id is not None
        student = Student(
            student_number="G" + number,
            number_kind="G",
            record_state="VERIFIED",
            status="STUDYING",
            district_id=district_id,
            name=person.name,
            sex=person.sex,
            birth_date=birth_date or person.birth_date,
            ethnicity="01",
            nationality="CHN",
            id_doc_type="1",
            id_number_cipher=crypto.encrypt(number),
            id_number_hash=crypto.lookup_hash(number),
            household_place_code=DISTRICT,
        )
        session.add(student)
        await session.flush()
        session.add(StudentNumber(student_id=student.id, number="G" + number, kind="G"))
        enrolment = Enrolment(
            student_id=student.id,
            school_id=school_id,
            entry_date=entered,
            entry_reason="NEW_ENTRY",
        )
        session.add(enrolment)
        await session.flush()
        klass = await session.get_one(SchoolClass, class_id)
        session.add(
            Placement(
                enrolment_id=enrolment.id,
                student_id=student.id,
                class_id=class_id,
                grade=klass.grade,
                start_date=placed,
            )
        )
        await session.commit()
        return student


async def load_school_year(
    hub: Hub, first: tuple[str, str], second: tuple[str, str]
) -> dict[str, Any]:
    query = (
        "mutation($i: LoadSchoolCalendarInput!) { loadSchoolCalendar(input: $i) "
        "{ schoolYear { startYear terms { name start end } holidays { name start end } }"
        " userErrors { code message article } } }"
    )
    given = {
        "firstTerm": {"start": first[0], "end": first[1]},
        "secondTerm": {"start": second[0], "end": second[1]},
    }
    data = await hub.data(query, OFFICER, {"i": given})
    payload: dict[str, Any] = data["loadSchoolCalendar"]
    return payload


class World:
    """One app and database for the whole run; each example has its student."""

    def __init__(self, hub: Hub, classes: dict[tuple[str, int], int], stack: Any):
        self.hub = hub
        self.classes = classes
        self._stack = stack

    @classmethod
    async def open(cls, config: Settings) -> World:
        from contextlib import AsyncExitStack

        stack = AsyncExitStack()
        app = create_app(config)
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://hub.test")
        )
        hub = Hub(client=client, settings=config, app=app)
        return cls(hub, await _seed(hub), stack)

    async def close(self) -> None:
        await self._stack.aclose()


async def _seed(hub: Hub) -> dict[tuple[str, int], int]:
    classes: dict[tuple[str, int], int] = {}
    async with hub.state.sessionmaker() as session:
        district = District(code="210311", name="千山区")
        session.add(district)
        await session.flush()
        year = SchoolYear(
            district_id=district.id,
            start_year=2026,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2027, 8, 31),
        )
        session.add(year)
        await session.flush()
        session.add_all(
            [
                Term(
                    school_year_id=year.id,
                    number=1,
                    start_date=dt.date(2026, 9, 1),
                    end_date=dt.date(2027, 1, 15),
                ),
                Term(
                    school_year_id=year.id,
                    number=2,
                    start_date=dt.date(2027, 3, 1),
                    end_date=dt.date(2027, 7, 9),
                ),
            ]
        )
        bundled = WorkingDayCalendar.bundled()
        now = dt.datetime.now(dt.UTC)
        for year in (2025, 2026):
            arrangement = bundled.arrangement(year)
            await store_year_arrangement(session, arrangement, source="t", now=now)
        for code, locale in MACHINE_SCHOOLS.items():
            school = School(
                code=code,
                name=f"测试小学{code[-1]}",
                district_id=district.id,
                kind="PRIMARY",
                ownership="PUBLIC",
                locale=locale,
            )
            session.add(school)
            await session.flush()
            for grade in range(3, 7):
                klass = SchoolClass(
                    school_id=school.id,
                    school_year=2026,
                    grade=grade,
                    name=f"{grade}-1",
                )
                session.add(klass)
                await session.flush()
                classes[(code, grade)] = klass.id
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(CalendarYear)) == 2
    return classes
