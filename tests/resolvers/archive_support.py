"""Helpers shared by the archive tests: a fixed clock, demo students, made-up
archive entries and extra classes. Made-up people only (hub.people)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from db.models import (
    AidGrant,
    AttendanceMark,
    Award,
    CertificateProof,
    CourseResult,
    Enrolment,
    Evaluation,
    FitnessTest,
    GraduationCertificate,
    HealthCheck,
    Placement,
    ProofDocument,
    Sanction,
    School,
    SchoolClass,
    StatusChange,
    Student,
    VaccinationDose,
)
from hub.people import birth_date_for_grade, make_person
from rules.access import Principal, Role
from tests.conftest import Hub

DISTRICT = "210311"
PRIMARY = "2103110001"
JUNIOR = "2103110011"
# 10:00 in Asia/Shanghai on a Thursday of the demo's school year.
NOW = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
OFFICER = Principal("officer-1", Role.DISTRICT_OFFICER, district=DISTRICT)
AUDITOR = Principal("auditor-1", Role.AUDITOR)


def registrar(school: str = PRIMARY, subject: str = "reg-1") -> Principal:
    return Principal(subject, Role.REGISTRAR, school=school)


def leader(school: str = PRIMARY) -> Principal:
    return Principal("leader-1", Role.SCHOOL_LEADER, school=school)


def head_teacher(class_id: int, school: str = PRIMARY) -> Principal:
    return Principal(
        f"ht-{class_id}", Role.HEAD_TEACHER, school=school, class_id=class_id
    )


def set_clock(hub: Hub, now: datetime = NOW) -> None:
    hub.state.clock = lambda: now


@dataclass(frozen=True)
class Pupil:
    id: int
    number: str
    class_id: int
    school: str


async def pupils(hub: Hub, school: str, class_name: str) -> list[Pupil]:
    """The demo students of one class, in id order."""
    stmt = (
        select(Student.id, Student.student_number, SchoolClass.id)
        .join(Placement, Placement.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Placement.class_id)
        .join(School, School.id == SchoolClass.school_id)
        .where(School.code == school, SchoolClass.name == class_name)
        .order_by(Student.id)
    )
    async with hub.state.sessionmaker() as session:
        rows = (await session.execute(stmt)).all()
    return [Pupil(i, n, c, school) for i, n, c in rows]


async def write(hub: Hub, rows: list[Any]) -> None:
    async with hub.state.sessionmaker() as session:
        session.add_all(rows)
        await session.commit()


async def execute(hub: Hub, statement: Any) -> None:
    async with hub.state.sessionmaker() as session:
        await session.execute(statement)
        await session.commit()


def _desk(i: int) -> dict[str, Any]:
    return {"entered_by": "reg-1", "entered_at": NOW - timedelta(days=i)}


def _pulled(source: str, i: int, student_id: int) -> dict[str, Any]:
    return {
        "source": source,
        "source_record_id": f"{source}-{student_id}-{i}",
        "fetched_at": NOW - timedelta(days=i),
    }


def archive_entries(student_id: int, n: int) -> list[Any]:
    """``n`` entries of every category for one student."""
    rows: list[Any] = []
    for i in range(n):
        day = date(2026, 9, 1) + timedelta(days=i)
        sid = student_id
        rows += [
            StatusChange(
                student_id=sid,
                category="ENROL",
                effective_date=day,
                to_status="STUDYING",
                requested_by="reg-1",
            ),
            ProofDocument(
                student_id=sid,
                kind="HOUSEHOLD_PROOF",
                title="户籍证明",
                household_number=f"H{i:04d}",
                **_pulled("household", i, sid),
            ),
            Evaluation(
                student_id=sid,
                school_year=2000 + i,
                term=1,
                framework="JUNIOR_2016",
                dimension="MORAL_CHARACTER",
                text="尊敬师长，团结同学。",
                level="GOOD",
                **_desk(i),
            ),
            HealthCheck(
                student_id=sid,
                examined_on=day,
                height_cm=Decimal("130.0"),
                weight_kg=Decimal("28.0"),
                health_status="10",
                findings=["视力正常"],
                **_pulled("health", i, sid),
            ),
            FitnessTest(
                student_id=sid,
                school_year=2000 + i,
                grade=3,
                tested_on=day,
                total=Decimal("85.50"),
                band="GOOD",
                **_pulled("fitness", i, sid),
            ),
            VaccinationDose(
                student_id=sid,
                vaccine=None,
                vaccine_text="某疫苗",
                needs_manual_mapping=True,
                occurred_on=day,
                precision="day",
                **_pulled("vaccine", i, sid),
            ),
            Award(
                student_id=sid,
                form="CERTIFICATE_OR_MEDAL",
                title=f"区作文比赛{i}等奖",
                level="DISTRICT",
                body="千山区教育局",
                awarded_on=day,
                **_desk(i),
            ),
            Sanction(
                student_id=sid,
                kind="WARNING",
                reason="多次违反课堂纪律",
                decided_on=day,
                **_desk(i),
            ),
            AidGrant(
                student_id=sid,
                kind="FREE_TEXTBOOKS",
                for_date=day,
                period="TERM",
                **_desk(i),
            ),
            CourseResult(
                student_id=sid,
                course=f"课程{i}",
                school_year=2026,
                term=1,
                score=Decimal("88.5"),
                **_desk(i),
            ),
        ]
    return rows


async def fill_archive(hub: Hub, student_id: int, n: int, school_id: int) -> None:
    """``n`` entries per category, attendance marks and a certificate."""
    rows = archive_entries(student_id, n)
    rows += [
        AttendanceMark(
            student_id=student_id,
            day=date(2026, 9, 1) + timedelta(days=i),
            kind="PRESENT",
            at=NOW - timedelta(days=40 - i),
            school_id=school_id,
            **_desk(i),
        )
        for i in range(n)
    ]
    await write(hub, rows)
    certificate = GraduationCertificate(
        student_id=student_id,
        school_id=school_id,
        year=2026,
        sequence=student_id,
        number=f"X-{student_id}",
        stage="PRIMARY",
        grade=6,
        issued_on=date(2026, 7, 1),
        **_desk(0),
    )
    await write(hub, [certificate])
    proofs = [
        CertificateProof(
            student_id=student_id,
            certificate_id=certificate.id,
            issued_on=date(2026, 9, 1),
            reason="遗失",
            **_desk(i),
        )
        for i in range(n)
    ]
    await write(hub, proofs)


async def school_id(hub: Hub, code: str) -> int:
    async with hub.state.sessionmaker() as session:
        found = await session.scalar(select(School.id).where(School.code == code))
    assert found is not None
    return found


async def add_class(
    hub: Hub, *, school: str, grade: int, name: str, size: int, seed: int = 7
) -> list[Pupil]:
    """A new class of made-up students placed at ``school`` (school year 2026)."""
    rng = random.Random(seed)
    sid = await school_id(hub, school)
    async with hub.state.sessionmaker() as session:
        klass = SchoolClass(school_id=sid, school_year=2026, grade=grade, name=name)
        session.add(klass)
        await session.flush()
        district = await session.scalar(
            select(School.district_id).where(School.id == sid)
        )
        crypto = hub.state.crypto
        taken: set[str] = set()
        people = [
            make_person(rng, birth_date_for_grade(rng, grade, 2026), taken=taken)
            for _ in range(size)
        ]
        result = await session.execute(
            insert(Student).returning(Student.id, Student.student_number),
            [_student(p, crypto, district) for p in people],
        )
        created = [(r.id, r.student_number) for r in result]
        for student_id, _ in created:
            episode = Enrolment(
                student_id=student_id,
                school_id=sid,
                entry_date=date(2018, 9, 1),
                entry_reason="NEW_ENTRY",
            )
            session.add(episode)
            await session.flush()
            session.add(
                Placement(
                    enrolment_id=episode.id,
                    student_id=student_id,
                    class_id=klass.id,
                    grade=grade,
                    start_date=date(2026, 9, 1),
                )
            )
        await session.commit()
    return [Pupil(i, n, klass.id, school) for i, n in created]


def _student(person: Any, crypto: Any, district: int | None) -> dict[str, Any]:
    return {
        "student_number": "G" + person.id_number,
        "number_kind": "G",
        "record_state": "VERIFIED",
        "status": "STUDYING",
        "district_id": district,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "ethnicity": "01",
        "nationality": "CHN",
        "id_doc_type": "1",
        "id_number_cipher": crypto.encrypt(person.id_number),
        "id_number_hash": crypto.lookup_hash(person.id_number),
    }


def errors_of(body: dict[str, Any]) -> list[tuple[list[Any], str | None]]:
    """Each GraphQL error as (path, extensions.code)."""
    return [
        (e.get("path"), e.get("extensions", {}).get("code"))
        for e in body.get("errors", [])
    ]


async def add_school(hub: Hub, code: str, kind: str = "JUNIOR") -> None:
    """A school of the demo district with the given code."""
    async with hub.state.sessionmaker() as session:
        district = await session.scalar(select(School.district_id).limit(1))
        session.add(
            School(
                code=code,
                name=f"测试学校{code[-4:]}",
                district_id=district,
                kind=kind,
                ownership="PUBLIC",
                locale="URBAN",
            )
        )
        await session.commit()


def passing_results(student_ids: list[int]) -> list[Any]:
    """Two passed courses for each student."""
    return [
        CourseResult(
            student_id=sid,
            course=course,
            school_year=2026,
            term=1,
            score=Decimal(score),
            **_desk(0),
        )
        for sid in student_ids
        for course, score in (("语文", "81"), ("数学", "60"))
    ]
