"""The demo district: 千山区 (210311) with schools of every kind of 第二条.

``xueji serve --demo`` fills it once (a second run finds it and leaves it), then
prints the GraphiQL address and a ready token for each role.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import FieldCrypto
from db.engine import begin_write, make_engine, make_sessionmaker
from db.models import (
    Approval,
    ApprovalStudent,
    District,
    Enrolment,
    Guardian,
    Placement,
    School,
    SchoolClass,
    SchoolYear,
    Student,
    StudentNumber,
    Term,
)
from hub.people import birth_date_for_grade, make_person, phone
from hub.settings import Settings
from resolvers.calendar import load_bundled_workdays
from rules.record_review import record_deadline

logger = logging.getLogger(__name__)

DISTRICT = ("210311", "千山区")
EMPLOYERS = ("鞍山某钢铁公司", "千山区某医院", "个体经营", "千山区某公司", None)
SCHOOL_YEAR = 2026


@dataclass(frozen=True)
class DemoSchool:
    code: str
    name: str
    kind: str
    ownership: str
    locale: str
    grades: range
    classes_per_grade: int
    class_size: int


# code suffix, name, kind, ownership, locale, grades, classes/grade, class size
_SCHOOL_TABLE = """
0001 千山区实验小学             PRIMARY    PUBLIC  URBAN 1-6 2 40
0002 千山区东鞍山小学           PRIMARY    PUBLIC  URBAN 1-6 2 38
0003 千山区大屯小学             PRIMARY    PUBLIC  RURAL 1-6 1 32
0004 千山区汤岗子小学           PRIMARY    PUBLIC  TOWN  1-6 2 36
0005 千山区育才小学             PRIMARY    PRIVATE URBAN 1-6 1 30
0011 千山区第一初级中学         JUNIOR     PUBLIC  URBAN 7-9 3 42
0012 千山区宁远初级中学         JUNIOR     PUBLIC  RURAL 7-9 2 38
0021 千山区九年一贯制学校       NINE_YEAR  PUBLIC  TOWN  1-9 1 35
0022 千山区唐家房九年一贯制学校 NINE_YEAR  PUBLIC  RURAL 1-9 1 28
0031 千山区特殊教育学校         SPECIAL    PUBLIC  URBAN 1-9 1 8
0041 千山区工读学校             WORK_STUDY PUBLIC  URBAN 7-9 1 12
"""


def _schools() -> tuple[DemoSchool, ...]:
    schools = []
    for line in _SCHOOL_TABLE.strip().splitlines():
        suffix, name, kind, ownership, locale, grades, per_grade, size = line.split()
        low, high = (int(g) for g in grades.split("-"))
        schools.append(
            DemoSchool(
                code=DISTRICT[0] + suffix,
                name=name,
                kind=kind,
                ownership=ownership,
                locale=locale,
                grades=range(low, high + 1),
                classes_per_grade=int(per_grade),
                class_size=int(size),
            )
        )
    return tuple(schools)


SCHOOLS = _schools()


async def seed_demo(
    settings: Settings, *, scale: float = 1.0, seed: int = 210311
) -> int:
    """Fill the demo district unless it is there; returns students written."""
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    crypto = FieldCrypto(settings.field_key_bytes())
    try:
        async with make_sessionmaker(engine)() as session:
            await begin_write(session)
            found = await session.scalar(
                select(District.id).where(District.code == DISTRICT[0])
            )
            if found is not None:
                logger.info("demo district already present")
                return 0
            count = await _fill(session, crypto, random.Random(seed), scale)
            await session.commit()
    finally:
        await engine.dispose()
    logger.info("demo district filled with %d students", count)
    return count


async def _fill(
    session: AsyncSession, crypto: FieldCrypto, rng: random.Random, scale: float
) -> int:
    district = District(code=DISTRICT[0], name=DISTRICT[1])
    session.add(district)
    await session.flush()
    await _calendar(session, district.id)
    await load_bundled_workdays(session, datetime.now(UTC))
    count = 0
    taken: set[str] = set()
    for spec in SCHOOLS:
        school = School(
            code=spec.code,
            name=spec.name,
            district_id=district.id,
            kind=spec.kind,
            ownership=spec.ownership,
            locale=spec.locale,
            address=f"鞍山市千山区{spec.name[3:]}路1号",
        )
        session.add(school)
        await session.flush()
        for grade in spec.grades:
            for number in range(1, spec.classes_per_grade + 1):
                klass = SchoolClass(
                    school_id=school.id,
                    school_year=SCHOOL_YEAR,
                    grade=grade,
                    name=f"{grade}-{number}",
                    head_teacher=f"head_teacher:{spec.code}:{grade}-{number}",
                )
                session.add(klass)
                await session.flush()
                size = max(1, round(spec.class_size * scale))
                count += await _students(
                    session, crypto, rng, district.id, school, klass, size, taken
                )
    await _approval(session)
    return count


DEMO_APPROVAL = "千教批〔2026〕1号"


async def _approval(session: AsyncSession) -> None:
    """A written approval (第三十七条) for three students of the first school,
    so that the demo's external token reads something."""
    today = datetime.now(UTC).date()
    approval = Approval(
        document_number=DEMO_APPROVAL,
        authority="千山区教育局",
        approver="演示审批人",
        requesting_party="鞍山市某区人民法院",
        purpose="核实学生就读情况（演示）",
        categories=["BASIC_INFO", "HEALTH"],
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=180),
        registered_by="demo",
        registered_at=datetime.now(UTC),
    )
    session.add(approval)
    await session.flush()
    first = select(School.id).where(School.code == SCHOOLS[0].code)
    students = await session.scalars(
        select(Enrolment.student_id)
        .where(Enrolment.school_id == first.scalar_subquery())
        .order_by(Enrolment.student_id)
        .limit(3)
    )
    session.add_all(
        ApprovalStudent(approval_id=approval.id, student_id=s) for s in students
    )


async def _calendar(session: AsyncSession, district_id: int) -> None:
    year = SchoolYear(
        district_id=district_id,
        start_year=SCHOOL_YEAR,
        start_date=date(SCHOOL_YEAR, 9, 1),
        end_date=date(SCHOOL_YEAR + 1, 8, 31),
    )
    session.add(year)
    await session.flush()
    terms = (
        (date(2026, 9, 1), date(2027, 1, 15)),
        (date(2027, 3, 1), date(2027, 7, 9)),
    )
    for number, (start, end) in enumerate(terms, start=1):
        session.add(
            Term(school_year_id=year.id, number=number, start_date=start, end_date=end)
        )


async def _students(
    session: AsyncSession,
    crypto: FieldCrypto,
    rng: random.Random,
    district_id: int,
    school: School,
    klass: SchoolClass,
    size: int,
    taken: set[str],
) -> int:
    entry_year = SCHOOL_YEAR - (
        klass.grade - 1 if klass.grade <= 6 else klass.grade - 7
    )
    entry = date(entry_year, 9, 1)
    students: list[dict[str, Any]] = []
    people = []
    for _ in range(size):
        born = birth_date_for_grade(rng, klass.grade, SCHOOL_YEAR)
        person = make_person(rng, born, taken=taken)
        people.append(person)
        students.append(_student_row(person, crypto, rng, district_id, school, klass))
    result = await session.execute(
        insert(Student).returning(Student.id, Student.student_number), students
    )
    ids = [row.id for row in result]
    numbers = [s["student_number"] for s in students]
    await session.execute(
        insert(StudentNumber),
        [
            {"student_id": i, "number": n, "kind": "G"}
            for i, n in zip(ids, numbers, strict=True)
        ],
    )
    episode = {
        "school_id": school.id,
        "entry_date": entry,
        "entry_reason": "NEW_ENTRY",
        "entry_route": "11",
        "attendance_mode": "1",
        "student_source": "1",
        "record_due": record_deadline(entry),
    }
    enrolments = await session.execute(
        insert(Enrolment).returning(Enrolment.id),
        [{"student_id": i, **episode} for i in ids],
    )
    placement = {
        "class_id": klass.id,
        "grade": klass.grade,
        "start_date": date(SCHOOL_YEAR, 9, 1),
    }
    await session.execute(
        insert(Placement),
        [
            {"enrolment_id": e, "student_id": i, **placement}
            for e, i in zip([r.id for r in enrolments], ids, strict=True)
        ],
    )
    await session.execute(insert(Guardian), _guardians(ids, people, crypto, rng, taken))
    return len(ids)


def _student_row(
    person: Any,
    crypto: FieldCrypto,
    rng: random.Random,
    district_id: int,
    school: School,
    klass: SchoolClass,
) -> dict[str, Any]:
    # Most records are verified; the newest cohort is partly still in review.
    address = f"鞍山市千山区某小区{rng.randrange(1, 40)}栋{rng.randrange(1, 7)}单元"
    state = "VERIFIED"
    if klass.grade in (1, 7):
        state = rng.choice(("VERIFIED", "VERIFIED", "SUBMITTED", "DRAFT"))
    return {
        "student_number": "G" + person.id_number,
        "number_kind": "G",
        "record_state": state,
        "status": "STUDYING",
        "district_id": district_id,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "birthplace_code": person.area,
        "native_place_code": person.area,
        "ethnicity": rng.choice(("01",) * 8 + ("11", "10", "03")),
        "nationality": "CHN",
        "id_doc_type": "1",
        "id_number_cipher": crypto.encrypt(person.id_number),
        "id_number_hash": crypto.lookup_hash(person.id_number),
        "overseas_status": "00",
        "health_status": "10" if school.kind != "SPECIAL" else "50",
        "household_place_code": person.area,
        "household_type": rng.choice(("1", "2", "2")),
        "household_address": f"鞍山市千山区某街道{rng.randrange(1, 300)}号",
        "current_address": address,
        "mailing_address": address,
        "home_address": address,
        "postcode": "114041",
        "phone": phone(rng),
        "only_child": rng.random() < 0.6,
        "had_preschool": True,
        "left_behind": rng.choice(("0",) * 12 + ("1", "2")),
        "migrant_child": rng.random() < 0.08,
        "orphan": False,
        "martyr_child": False,
        "inclusive_class": "0",
        "disability_type": "0" if school.kind != "SPECIAL" else rng.choice("125"),
        "needs_aid": rng.random() < 0.1,
        "receives_subsidy": rng.random() < 0.05,
        "commute_mode": rng.choice("1234"),
    }


def _guardians(
    ids: list[int],
    people: list[Any],
    crypto: FieldCrypto,
    rng: random.Random,
    taken: set[str],
) -> list[dict[str, Any]]:
    rows = []
    for student_id, child in zip(ids, people, strict=True):
        surname = child.name[0]
        for position, relation in ((1, "1"), (2, "2")):
            born = date(
                child.birth_date.year - rng.randrange(25, 38),
                rng.randrange(1, 13),
                rng.randrange(1, 28),
            )
            parent = make_person(rng, born, area=child.area, taken=taken)
            name = surname + parent.name[1:] if relation == "1" else parent.name
            rows.append(
                {
                    "student_id": student_id,
                    "position": position,
                    "name": name,
                    "relation": relation,
                    "phone": phone(rng),
                    "is_guardian": True,
                    "id_doc_type": "1",
                    "id_number_cipher": crypto.encrypt(parent.id_number),
                    "id_number_hash": crypto.lookup_hash(parent.id_number),
                    "employer": rng.choice(EMPLOYERS),
                }
            )
    return rows
