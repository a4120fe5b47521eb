"""Suspension, extension and resumption (第二十至二十三条) over the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from db.models import Placement
from tests.conftest import Hub
from tests.resolvers.test_status_support import (
    OFFICER,
    SCHOOL_A,
    class_pk,
    codes,
    episodes,
    leader,
    log_categories,
    mutate,
    pick_student,
    registrar,
    replays,
    set_clock,
    status_of,
)

CERTIFICATE = {"hospitalLevel": "CITY", "issuedOn": "2026-10-09"}
REST = [{"start": "2026-09-07", "end": "2026-10-09"}]


async def decide_all(hub: Hub, name: str, workflow: str, school: str) -> dict[str, Any]:
    """School leader, then district officer, both approve."""
    given = {"workflowId": workflow, "decision": "APPROVE", "comment": "同意"}
    first = await mutate(hub, name, leader(school), given)
    assert codes(first) == []
    last = await mutate(hub, name, OFFICER, given)
    assert codes(last) == []
    return last


async def suspend(
    hub: Hub,
    number: str,
    school: str,
    *,
    start: str | None = None,
    resume_class: int | None = None,
) -> dict[str, Any]:
    """A suspension applied and approved; with ``resume_class``, resumed too
    three weeks later."""
    today = hub.state.clock().date()
    begins = start or today.isoformat()
    given = {
        "studentNumber": number,
        "reason": "ILLNESS_OTHER",
        "startDate": begins,
        "certificate": CERTIFICATE,
        "restPeriods": REST,
    }
    applied = await mutate(hub, "applySuspension", registrar(school), given)
    assert codes(applied) == []
    done = await decide_all(hub, "decideSuspension", applied["workflow"]["id"], school)
    if resume_class is None:
        return done
    back = dt.date.fromisoformat(begins) + dt.timedelta(days=21)
    resumed = await mutate(
        hub,
        "applyResumption",
        registrar(school),
        {
            "studentNumber": number,
            "classId": str(resume_class),
            "effectiveDate": back.isoformat(),
            "certificate": CERTIFICATE,
        },
    )
    assert codes(resumed) == []
    set_clock(hub, back)
    done = await decide_all(hub, "decideResumption", resumed["workflow"]["id"], school)
    set_clock(hub, back + dt.timedelta(days=7))
    return done


async def _placements(hub: Hub, student_id: int) -> list[tuple[int, str, str | None]]:
    async with hub.state.sessionmaker() as session:
        rows = await session.execute(
            select(Placement.grade, Placement.start_date, Placement.end_date)
            .where(Placement.student_id == student_id)
            .order_by(Placement.start_date, Placement.id)
        )
        return [(g, s.isoformat(), e.isoformat() if e else None) for g, s, e in rows]


async def test_suspension_keeps_episode_leaves_class(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 12))
    student = await pick_student(demo, SCHOOL_A, 4)
    done = await suspend(demo, student.student_number, SCHOOL_A)
    change = done["changes"][0]
    assert (change["category"], change["toStatus"], change["details"]) == (
        "SUSPEND",
        "SUSPENDED",
        {"start": "2026-10-12", "end": "2027-10-11", "gradeOnLeaving": 4},
    )
    assert await episodes(demo, student.id) == [(SCHOOL_A, "2023-09-01", None)]
    assert await _placements(demo, student.id) == [(4, "2026-09-01", "2026-10-11")]
    roster = await demo.data(
        'query($c: ID!) { classRoster(classId: $c, date: "2026-10-13") '
        "{ studentNumber } }",
        registrar(SCHOOL_A),
        {"c": str(await class_pk(demo, SCHOOL_A, "4-1"))},
    )
    listed = {s["studentNumber"] for s in roster["classRoster"]}
    assert student.student_number not in listed


async def test_resumption_returns_to_grade_left(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 12))
    student = await pick_student(demo, SCHOOL_A, 4)
    klass = await class_pk(demo, SCHOOL_A, "4-2")
    await suspend(demo, student.student_number, SCHOOL_A, resume_class=klass)
    assert await status_of(demo, student.id) == "STUDYING"
    assert await _placements(demo, student.id) == [
        (4, "2026-09-01", "2026-10-11"),
        (4, "2026-11-02", None),
    ]
    assert await log_categories(demo, student.id) == ["SUSPEND", "RESUME"]
    assert await replays(demo, student.id) is True


async def test_extension_lengthens_suspension(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 12))
    student = await pick_student(demo, SCHOOL_A, 4)
    await suspend(demo, student.student_number, SCHOOL_A)
    given = {"studentNumber": student.student_number, "newEnd": "2028-06-30"}
    applied = await mutate(demo, "applySuspensionExtension", registrar(SCHOOL_A), given)
    workflow = applied["workflow"]["id"]
    done = await decide_all(demo, "decideSuspension", workflow, SCHOOL_A)
    change = done["changes"][0]
    assert (change["category"], change["effectiveDate"], change["details"]) == (
        "SUSPENSION_EXTEND",
        "2027-10-12",
        {"start": "2026-10-12", "end": "2028-06-30"},
    )
    assert await status_of(demo, student.id) == "SUSPENDED"


async def test_rejected_suspension_changes_nothing(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 12))
    student = await pick_student(demo, SCHOOL_A, 4)
    given = {
        "studentNumber": student.student_number,
        "reason": "ILLNESS_MENTAL",
        "startDate": "2026-10-12",
        "certificate": CERTIFICATE,
        "restPeriods": REST,
    }
    applied = await mutate(demo, "applySuspension", registrar(SCHOOL_A), given)
    decision = {"workflowId": applied["workflow"]["id"], "decision": "REJECT"}
    rejected = await mutate(demo, "decideSuspension", leader(SCHOOL_A), decision)
    assert (rejected["workflow"]["state"], rejected["changes"]) == ("REJECTED", [])
    assert await status_of(demo, student.id) == "STUDYING"
    assert await _placements(demo, student.id) == [(4, "2026-09-01", None)]


async def test_illness_reason_hidden_from_leader(demo: Hub) -> None:
    set_clock(demo, dt.date(2026, 10, 12))
    student = await pick_student(demo, SCHOOL_A, 4)
    await suspend(demo, student.student_number, SCHOOL_A)
    query = (
        "query($n: String!) { statusHistory(studentNumber: $n) "
        "{ changes { category reason reasonCode } } }"
    )
    variables = {"n": student.student_number}
    shown = await demo.data(query, registrar(SCHOOL_A), variables)
    assert shown["statusHistory"]["changes"] == [
        {"category": "SUSPEND", "reason": None, "reasonCode": "19"}
    ]
    body = (await demo.gql(query, leader(SCHOOL_A), variables)).json()
    assert body["data"]["statusHistory"]["changes"] == [
        {"category": "SUSPEND", "reason": None, "reasonCode": None}
    ]
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]
