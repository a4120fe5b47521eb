"""Helpers for the sync tests: a small district seeded from simulator students."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.simulators import StudentSeed
from adapters.sync import Progress, SyncRunner, Systems
from db.crypto import FieldCrypto
from db.engine import begin_write
from db.models import (
    District,
    Enrolment,
    Placement,
    School,
    SchoolClass,
    Student,
)
from resolvers.access import append_events

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHOOL_CODE = "2103110001"
# The runner's clock: early morning of 8 October 2025 in Shanghai.
NIGHT = datetime(2025, 10, 8, 2, 30, tzinfo=SHANGHAI)


def at_night() -> datetime:
    return NIGHT


async def seed_students(
    sessionmaker: async_sessionmaker[AsyncSession],
    crypto: FieldCrypto,
    students: Sequence[StudentSeed],
    *,
    school_year: int = 2025,
    entries: dict[str, tuple[date, str]] | None = None,
) -> dict[str, int]:
    """One school with a class per grade; returns student ids by ID number.

    ``entries`` overrides (entry date, entry reason) of some students.
    """
    entries = entries or {}
    async with sessionmaker() as session:
        await begin_write(session)
        district = await session.scalar(
            select(District).where(District.code == "210311")
        )
        if district is None:
            district = District(code="210311", name="千山区")
            session.add(district)
            await session.flush()
        school = School(
            code=SCHOOL_CODE,
            name="千山区实验小学",
            district_id=district.id,
            kind="NINE_YEAR",
            ownership="PUBLIC",
            locale="URBAN",
        )
        session.add(school)
        await session.flush()
        classes = {}
        for grade in sorted({s.grade for s in students}):
            klass = SchoolClass(
                school_id=school.id,
                school_year=school_year,
                grade=grade,
                name=f"{grade}-1",
            )
            session.add(klass)
            await session.flush()
            classes[grade] = klass.id
        ids = {}
        for seed in students:
            ids[seed.id_number] = await _student(
                session,
                crypto,
                seed,
                district.id,
                school.id,
                classes[seed.grade],
                school_year,
                entries.get(seed.id_number),
            )
        await session.commit()
    return ids


async def _student(
    session: AsyncSession,
    crypto: FieldCrypto,
    seed: StudentSeed,
    district_id: int,
    school_id: int,
    class_id: int,
    school_year: int,
    entry: tuple[date, str] | None,
) -> int:
    student = Student(
        student_number="G" + seed.id_number,
        number_kind="G",
        district_id=district_id,
        name=seed.name,
        sex=seed.sex,
        birth_date=seed.birth_date,
        ethnicity="01",
        nationality="CHN",
        id_doc_type="1",
        id_number_cipher=crypto.encrypt(seed.id_number),
        id_number_hash=crypto.lookup_hash(seed.id_number),
    )
    session.add(student)
    await session.flush()
    default = (date(school_year - seed.grade + 1, 9, 1), "NEW_ENTRY")
    entry_date, reason = entry or default
    episode = Enrolment(
        student_id=student.id,
        school_id=school_id,
        entry_date=entry_date,
        entry_reason=reason,
    )
    session.add(episode)
    await session.flush()
    session.add(
        Placement(
            enrolment_id=episode.id,
            student_id=student.id,
            class_id=class_id,
            grade=seed.grade,
            start_date=max(entry_date, date(school_year, 9, 1)),
        )
    )
    return student.id


def make_runner(
    sessionmaker: async_sessionmaker[AsyncSession],
    crypto: FieldCrypto,
    systems: Systems,
    *,
    page_size: int = 50,
    progress: Any = None,
    sleep: Any = None,
) -> SyncRunner:
    extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    return SyncRunner(
        sessionmaker,
        crypto,
        systems,
        audit=append_events,
        page_size=page_size,
        clock=at_night,
        progress=progress,
        **extra,
    )


async def count(
    sessionmaker: async_sessionmaker[AsyncSession], model: Any, *where: Any
) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(model)
        if where:
            stmt = stmt.where(*where)
        return int((await session.execute(stmt)).scalar_one())


def stop_after(pages: int, cancel: Any) -> Any:
    """A progress callback that cancels the run after ``pages`` pages."""

    def progress(event: Progress) -> None:
        if event.pages >= pages:
            cancel()

    return progress
