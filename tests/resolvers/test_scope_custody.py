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


async def test_former_school_reads_transferred_out(demo: Hub) -> None:
    """Case C06: after a transfer inside the district the old school reads
    TRANSFERRED_OUT while the new school reads STUDYING."""
    old, new = "2103110001", "2103110002"
    async with demo.state.sessionmaker() as session:
        old_id = await session.scalar(select(School.id).where(School.code == old))
        new_id = await session.scalar(select(School.id).where(School.code == new))
        number, student_id, enrolment_id = (
            await session.execute(
                select(Student.student_number, Student.id, Enrolment.id)
                .join(Enrolment, Enrolment.student_id == Student.id)
                .where(Enrolment.school_id == old_id)
                .limit(1)
            )
        ).one()
        await session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment_id)
            .values(exit_date=date(2026, 10, 9), exit_reason="TRANSFER_OUT")
        )
        session.add(
            Enrolment(
                student_id=student_id,
                school_id=new_id,
                entry_date=date(2026, 10, 12),
                entry_reason="TRANSFER_IN",
            )
        )
        await session.commit()
    query = f'{{ student(studentNumber: "{number}") {{ status }} }}'
    seen = {}
    for code in (old, new):
        registrar = Principal(f"r-{code}", Role.REGISTRAR, school=code)
        seen[code] = (await demo.data(query, registrar))["student"]["status"]
    assert seen == {old: "TRANSFERRED_OUT", new: "STUDYING"}
