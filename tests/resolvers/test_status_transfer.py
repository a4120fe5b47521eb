"""Transfers over the database: routes of 第十四、十五条, the steps of 第十六条,
rejection and cancellation, case C06 and two schools racing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select

from db.models import AttendanceMark, School, Workflow
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    ASSIGNED_DOCS,
    OFFICER,
    PAYLOAD,
    SCHOOL_A,
    SCHOOL_B,
    SCHOOL_C,
    TRANSFER_DOCS,
    add_class,
    add_student,
    class_pk,
    codes,
    episodes,
    leader,
    load_school_year,
    log_categories,
    mutate,
    pick_student,
    registrar,
    replays,
    set_clock,
    status_of,
)

MONDAY = dt.date(2026, 10, 12)


async def _apply(hub: Hub, number: str, to: str = SCHOOL_B) -> dict[str, Any]:
    given = {
        "studentNumber": number,
        "receivingSchoolCode": to,
        "reason": "FAMILY_MOVE",
        "documents": TRANSFER_DOCS,
    }
    payload = await mutate(hub, "applyTransfer", registrar(to), given)
    assert codes(payload) == []
    return payload


def _decision(workflow: str, **extra: Any) -> dict[str, Any]:
    return {"workflowId": workflow, "decision": "APPROVE", **extra}


def _steps(payload: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (s["name"], s["ownerUnit"], s["dueDate"], s["decision"])
        for s in payload["workflow"]["steps"]
    ]


async def test_household_transfer_moves_episode(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    applied = await _apply(demo, student.student_number)
    workflow = applied["workflow"]["id"]
    assert _steps(applied) == [
        ("RECEIVING_SCHOOL", SCHOOL_B, "2026-10-26", None),
        ("SENDING_SCHOOL", SCHOOL_A, None, None),
        ("DISTRICT", "210311", None, None),
    ]
    assert await status_of(demo, student.id) == "TRANSFER_PENDING"
    klass = await class_pk(demo, SCHOOL_B, "3-1")
    given = _decision(workflow, classId=str(klass))
    await mutate(demo, "decideTransferStep", leader(SCHOOL_B), given)
    set_clock(demo, MONDAY + dt.timedelta(days=1))
    await mutate(demo, "decideTransferStep", leader(SCHOOL_A), _decision(workflow))
    set_clock(demo, MONDAY + dt.timedelta(days=2), hour=15)
    done = await mutate(demo, "decideTransferStep", OFFICER, _decision(workflow))
    assert _steps(done) == [
        ("RECEIVING_SCHOOL", SCHOOL_B, "2026-10-26", "APPROVE"),
        ("SENDING_SCHOOL", SCHOOL_A, "2026-10-26", "APPROVE"),
        ("DISTRICT", "210311", "2026-10-27", "APPROVE"),
    ]
    assert [(c["category"], c["effectiveDate"]) for c in done["changes"]] == [
        ("TRANSFER_OUT", "2026-10-14"),
        ("TRANSFER_IN", "2026-10-15"),
    ]
    assert await episodes(demo, student.id) == [
        (SCHOOL_A, "2024-09-01", "2026-10-14"),
        (SCHOOL_B, "2026-10-15", None),
    ]
    assert await log_categories(demo, student.id) == [
        "TRANSFER_APPLY",
        "TRANSFER_OUT",
        "TRANSFER_IN",
    ]
    assert (await status_of(demo, student.id), await replays(demo, student.id)) == (
        "STUDYING",
        True,
    )


async def test_archive_handover_due_in_a_month(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    klass = str(await class_pk(demo, SCHOOL_B, "3-1"))
    await mutate(
        demo, "decideTransferStep", leader(SCHOOL_B), _decision(workflow, classId=klass)
    )
    await mutate(demo, "decideTransferStep", leader(SCHOOL_A), _decision(workflow))
    await mutate(demo, "decideTransferStep", OFFICER, _decision(workflow))
    query = "{ statusWorkflows { id kind openStep { name ownerUnit dueDate } } }"
    listed = (await demo.data(query, registrar(SCHOOL_A)))["statusWorkflows"]
    assert [(w["kind"], w["openStep"]) for w in listed] == [
        (
            "ARCHIVE_HANDOVER",
            {
                "name": "ARCHIVE_HANDOVER",
                "ownerUnit": SCHOOL_A,
                "dueDate": "2026-11-12",
            },
        )
    ]
    handed = await mutate(
        demo, "decideTransferStep", registrar(SCHOOL_A), _decision(listed[0]["id"])
    )
    assert (codes(handed), handed["workflow"]["state"]) == ([], "APPROVED")


async def test_assigned_route_district_names_school(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3, local=False)
    given = {
        "studentNumber": student.student_number,
        "reason": "NON_LOCAL_WITH_PARENTS",
        "documents": ASSIGNED_DOCS,
    }
    applied = await mutate(demo, "applyTransfer", OFFICER, given)
    assert _steps(applied) == [
        ("DISTRICT", "210311", "2026-10-26", None),
        ("RECEIVING_SCHOOL", "", None, None),
        ("SENDING_SCHOOL", SCHOOL_A, None, None),
    ]
    decided = await mutate(
        demo,
        "decideTransferStep",
        OFFICER,
        _decision(applied["workflow"]["id"], assignedSchoolCode=SCHOOL_C),
    )
    assert decided["workflow"]["openStep"] == {
        "name": "RECEIVING_SCHOOL",
        "ownerUnit": SCHOOL_C,
        "dueDate": "2026-10-26",
    }


async def test_school_cannot_decide_another_step(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    payload = await mutate(
        demo, "decideTransferStep", leader(SCHOOL_A), _decision(workflow)
    )
    assert codes(payload) == [("WORKFLOW_NOT_YOUR_STEP", None)]


async def test_rejection_puts_student_back(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    rejected = await mutate(
        demo,
        "decideTransferStep",
        leader(SCHOOL_B),
        {"workflowId": workflow, "decision": "REJECT", "comment": "学位已满"},
    )
    assert [(c["category"], c["toStatus"]) for c in rejected["changes"]] == [
        ("TRANSFER_CANCEL", "STUDYING")
    ]
    assert rejected["workflow"]["state"] == "REJECTED"
    assert await episodes(demo, student.id) == [(SCHOOL_A, "2024-09-01", None)]
    assert await replays(demo, student.id) is True


async def test_cancel_transfer_restores_status(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    cancelled = await mutate(
        demo, "cancelTransfer", registrar(SCHOOL_B), {"workflowId": workflow}
    )
    assert (cancelled["workflow"]["state"], codes(cancelled)) == ("CANCELLED", [])
    assert await status_of(demo, student.id) == "STUDYING"
    again = await mutate(
        demo, "decideTransferStep", leader(SCHOOL_B), _decision(workflow)
    )
    assert codes(again) == [("WORKFLOW_ALREADY_COMPLETE", None)]


async def test_overdue_steps_listed_by_school(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    await _apply(demo, student.student_number)
    set_clock(demo, dt.date(2026, 10, 27))
    query = (
        "{ statusDeadlines(overdueOnly: true) { school { code } overdueCount "
        "steps { stepName dueDate overdue workflow { studentNumber } } } }"
    )
    data = await demo.data(query, OFFICER)
    assert data["statusDeadlines"] == [
        {
            "school": {"code": SCHOOL_A},
            "overdueCount": 1,
            "steps": [
                {
                    "stepName": "RECEIVING_SCHOOL",
                    "dueDate": "2026-10-26",
                    "overdue": True,
                    "workflow": {"studentNumber": student.student_number},
                }
            ],
        }
    ]


HISTORY = """
query($n: String!) {
  student(studentNumber: $n) { status enrolments { entryDate exitDate exitReason
    school { code } } }
  statusHistory(studentNumber: $n) { status changes { category effectiveDate } }
}
"""
ROSTER = (
    "query($c: ID!, $d: Date!) { classRoster(classId: $c, date: $d) { studentNumber } }"
)


async def test_c06_former_school_reads_history(demo: Hub) -> None:
    await load_school_year(
        demo, ("2025-09-01", "2026-01-16"), ("2026-03-02", "2026-07-10")
    )
    klass = await add_class(demo, SCHOOL_A, "3-2", 2025)
    student = await add_student(
        demo, SCHOOL_A, klass, entered=dt.date(2023, 9, 1), placed=dt.date(2025, 9, 1)
    )
    last_day = dt.date(2026, 3, 13)
    async with demo.state.sessionmaker() as session:
        school_id = await session.scalar(
            select(School.id).where(School.code == SCHOOL_A)
        )
        assert school_id is not None
        session.add(
            AttendanceMark(
                student_id=student.id,
                day=last_day,
                kind="PRESENT",
                at=dt.datetime(2026, 3, 13, 0, 5, tzinfo=dt.UTC),
                school_id=school_id,
                class_id=klass,
                entered_by="head-teacher",
            )
        )
        await session.commit()
    set_clock(demo, last_day, hour=15)
    given = {
        "studentNumber": student.student_number,
        "outsideSchool": {
            "name": "外区测试小学",
            "districtCode": "210302",
            "kind": "PRIMARY",
        },
        "reason": "FAMILY_MOVE",
        "documents": ASSIGNED_DOCS,
    }
    applied = await mutate(demo, "applyTransfer", registrar(SCHOOL_A), given)
    workflow = applied["workflow"]["id"]
    assert [s["name"] for s in applied["workflow"]["steps"]] == [
        "DISTRICT",
        "SENDING_SCHOOL",
    ]
    await mutate(demo, "decideTransferStep", OFFICER, _decision(workflow))
    done = await mutate(
        demo,
        "decideTransferStep",
        leader(SCHOOL_A),
        _decision(workflow, effectiveDate="2026-03-13"),
    )
    assert [c["category"] for c in done["changes"]] == ["TRANSFER_OUT"]

    rosters = {}
    for day in ("2026-03-13", "2026-03-16"):
        data = await demo.data(ROSTER, registrar(SCHOOL_A), {"c": str(klass), "d": day})
        rosters[day] = [s["studentNumber"] for s in data["classRoster"]]
    assert rosters == {"2026-03-13": [student.student_number], "2026-03-16": []}

    set_clock(demo, dt.date(2026, 3, 16))
    data = await demo.data(HISTORY, registrar(SCHOOL_A), {"n": student.student_number})
    assert data["student"] == {
        "status": "TRANSFERRED_OUT",
        "enrolments": [
            {
                "entryDate": "2023-09-01",
                "exitDate": "2026-03-13",
                "exitReason": "TRANSFER_OUT",
                "school": {"code": SCHOOL_A},
            }
        ],
    }
    assert data["statusHistory"] == {
        "status": "TRANSFERRED_OUT",
        "changes": [
            {"category": "TRANSFER_APPLY", "effectiveDate": "2026-03-13"},
            {"category": "TRANSFER_OUT", "effectiveDate": "2026-03-13"},
        ],
    }
    async with demo.state.sessionmaker() as session:
        marks = await session.scalars(
            select(AttendanceMark.kind).where(AttendanceMark.student_id == student.id)
        )
        assert list(marks) == ["PRESENT"]


async def test_former_school_sees_transferred_out(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    klass = str(await class_pk(demo, SCHOOL_B, "3-1"))
    await mutate(
        demo, "decideTransferStep", leader(SCHOOL_B), _decision(workflow, classId=klass)
    )
    await mutate(demo, "decideTransferStep", leader(SCHOOL_A), _decision(workflow))
    await mutate(demo, "decideTransferStep", OFFICER, _decision(workflow))
    query = "query($n: String!) { statusHistory(studentNumber: $n) { status } }"
    seen = {}
    for school in (SCHOOL_A, SCHOOL_B):
        data = await demo.data(query, registrar(school), {"n": student.student_number})
        seen[school] = data["statusHistory"]["status"]
    assert seen == {SCHOOL_A: "TRANSFERRED_OUT", SCHOOL_B: "STUDYING"}


def _outcome(response: Any, name: str) -> str:
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    errors = body["data"][name]["userErrors"]
    return str(errors[0]["code"]) if errors else "OK"


async def test_two_schools_accepting_at_once(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    query = (
        "mutation M($input: ApplyTransferInput!) { applyTransfer(input: $input) "
        f"{{ {PAYLOAD} }} }}"
    )

    def given(school: str) -> dict[str, Any]:
        return {
            "input": {
                "studentNumber": student.student_number,
                "receivingSchoolCode": school,
                "reason": "FAMILY_MOVE",
                "documents": TRANSFER_DOCS,
            }
        }

    responses = await asyncio.gather(
        demo.gql(query, registrar(SCHOOL_B), given(SCHOOL_B)),
        demo.gql(query, registrar(SCHOOL_C), given(SCHOOL_C)),
    )
    outcomes = [_outcome(r, "applyTransfer") for r in responses]
    losers = {"CONFLICT", "ILLEGAL_STATUS_TRANSITION", "STATUS_CHANGE_PENDING"}
    assert outcomes.count("OK") == 1
    assert {o for o in outcomes if o != "OK"} <= losers
    async with demo.state.sessionmaker() as session:
        opened = await session.scalars(
            select(Workflow.id).where(Workflow.student_id == student.id)
        )
        assert len(list(opened)) == 1
    assert await replays(demo, student.id) is True


async def test_two_leaders_deciding_at_once(demo: Hub) -> None:
    set_clock(demo, MONDAY)
    student = await pick_student(demo, SCHOOL_A, 3)
    workflow = (await _apply(demo, student.student_number))["workflow"]["id"]
    klass = str(await class_pk(demo, SCHOOL_B, "3-1"))
    query = (
        "mutation M($input: DecideTransferStepInput!) { decideTransferStep(input: $input) "
        f"{{ {PAYLOAD} }} }}"
    )
    variables = {"input": _decision(workflow, classId=klass)}
    responses = await asyncio.gather(
        demo.gql(query, leader(SCHOOL_B, 1), variables),
        demo.gql(query, leader(SCHOOL_B, 2), variables),
    )
    outcomes = [_outcome(r, "decideTransferStep") for r in responses]
    assert outcomes.count("OK") == 1
    assert {o for o in outcomes if o != "OK"} <= {"CONFLICT", "WORKFLOW_NOT_YOUR_STEP"}
