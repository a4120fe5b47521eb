"""After a merger the merging school holds the merged school's history (第十二条)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from db.models import Enrolment, School, Student
from rules.access import Principal, Role
from tests.conftest import Hub

MERGED, INTO = "2103110005", "2103110001"


async def test_merging_school_reads_merged_history(demo: Hub) -> None:
    async with demo.state.sessionmaker() as session:
        merged_id = await session.scalar(select(School.id).where(School.code == MERGED))
        number, enrolment_id = (
            await session.execute(
                select(Student.student_number, Enrolment.id)
                .join(Enrolment, Enrolment.student_id == Student.id)
                .where(Enrolment.school_id == merged_id)
                .limit(1)
            )
        ).one()
        # A student who left the merged school long before the merger.
        await session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment_id)
            .values(exit_date=date(2026, 10, 1), exit_reason="OTHER_LEAVING")
        )
        into_id = await session.scalar(select(School.id).where(School.code == INTO))
        await session.execute(
            update(School)
            .where(School.id == merged_id)
            .values(merged_into_id=into_id, closed_on=date(2026, 11, 1))
        )
        await session.commit()
    registrar = Principal("r-into", Role.REGISTRAR, school=INTO)
    query = f'{{ student(studentNumber: "{number}") {{ name enrolments {{ exitReason }} idNumber }} }}'
    body = (await demo.gql(query, registrar)).json()
    student = body["data"]["student"]
    assert student["enrolments"] == [{"exitReason": "OTHER_LEAVING"}]
    # History only: the student left before the merger, so no identity data.
    assert student["idNumber"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "FORBIDDEN_FIELD", "reason": "OUT_OF_SCOPE"}
    ]
