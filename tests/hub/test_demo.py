"""The demo district: every record valid under the national form's checks."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from db.models import Enrolment, Guardian, Placement, School, SchoolClass, Student
from resolvers.records_columns import basic_info_of
from resolvers.records_write import record_faults
from rules.identity import validate_student_number
from tests.conftest import Hub


async def test_demo_records_pass_every_form_check(demo: Hub) -> None:
    from datetime import date

    today = date(2026, 12, 3)
    crypto = demo.state.crypto
    faults: Counter[str] = Counter()
    async with demo.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Student, Enrolment, Placement, SchoolClass, School)
                .join(Enrolment, Enrolment.student_id == Student.id)
                .join(Placement, Placement.enrolment_id == Enrolment.id)
                .join(SchoolClass, SchoolClass.id == Placement.class_id)
                .join(School, School.id == Enrolment.school_id)
            )
        ).all()
        guardians: dict[int, list[Guardian]] = {}
        for g in await session.scalars(select(Guardian).order_by(Guardian.position)):
            guardians.setdefault(g.student_id, []).append(g)
    for student, enrolment, placement, klass, school in rows:
        info = basic_info_of(
            student, enrolment, placement, klass, guardians[student.id], crypto
        )
        for fault in record_faults(info, today=today, school=school):
            faults[f"{fault.code} {'.'.join(fault.field or [])}"] += 1
        validate_student_number(student.student_number)
    assert len(rows) > 250
    assert faults == Counter()
