"""Revoked sanctions, aid and scores never reach a reader outside their class:
another class's head teacher, a school leader, a former school, an outside
party whose approval does not name the category, the city."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update

from db.models import Enrolment, Sanction
from rules.access import Principal, Role
from tests.conftest import Hub
from tests.resolvers.archive_support import (
    AUDITOR,
    DISTRICT,
    OFFICER,
    PRIMARY,
    Pupil,
    errors_of,
    execute,
    fill_archive,
    head_teacher,
    leader,
    pupils,
    registrar,
    school_id,
    set_clock,
)

SENSITIVE = """query($n: String!) { student(studentNumber: $n) { name archive {
  sanctions { reason } financialAid { amount kind }
  academicResults { score } qualityEvaluation { text } } } }"""
APPROVAL = """mutation($input: RegisterApprovalInput!) { registerApproval(input: $input) {
  userErrors { code } } }"""
FIELDS = ("academicResults", "financialAid", "qualityEvaluation", "sanctions")


async def _filled(hub: Hub) -> Pupil:
    set_clock(hub)
    pupil = (await pupils(hub, PRIMARY, "3-1"))[0]
    await fill_archive(hub, pupil.id, 2, await school_id(hub, PRIMARY))
    return pupil


async def _read(hub: Hub, who: Principal, pupil: Pupil) -> dict[str, Any]:
    response = await hub.gql(SENSITIVE, who, {"n": pupil.number})
    body: dict[str, Any] = response.json()
    return body


def _denied(body: dict[str, Any], *names: str, reason: str) -> None:
    archive = body["data"]["student"]["archive"]
    assert {name: archive[name] for name in names} == dict.fromkeys(names)
    denied = [
        (e["path"][-1], e["extensions"]["reason"])
        for e in body["errors"]
        if e["extensions"]["code"] == "FORBIDDEN_FIELD"
    ]
    assert sorted(denied) == [(name, reason) for name in sorted(names)]


async def test_other_class_teacher_sees_no_student(demo: Hub) -> None:
    pupil = await _filled(demo)
    other = (await pupils(demo, PRIMARY, "3-2"))[0]

    body = await _read(demo, head_teacher(other.class_id), pupil)

    assert body["data"] == {"student": None}
    assert errors_of(body) == [(["student"], "NOT_FOUND")]


async def test_own_class_teacher_reads_results_only(demo: Hub) -> None:
    pupil = await _filled(demo)

    body = await _read(demo, head_teacher(pupil.class_id), pupil)

    _denied(body, "financialAid", "sanctions", reason="NOT_PERMITTED")
    assert len(body["data"]["student"]["archive"]["academicResults"]) == 2


async def test_school_leader_reads_no_aid_or_scores(demo: Hub) -> None:
    pupil = await _filled(demo)

    body = await _read(demo, leader(), pupil)

    _denied(
        body,
        "academicResults",
        "financialAid",
        "qualityEvaluation",
        reason="NOT_PERMITTED",
    )
    assert len(body["data"]["student"]["archive"]["sanctions"]) == 2


async def test_former_school_reads_none_of_them(demo: Hub) -> None:
    pupil = await _filled(demo)
    await execute(
        demo,
        update(Enrolment)
        .where(Enrolment.student_id == pupil.id)
        .values(exit_date=date(2026, 9, 1), exit_reason="TRANSFER_OUT"),
    )

    body = await _read(demo, registrar(), pupil)

    _denied(body, *FIELDS, reason="OUT_OF_SCOPE")


async def test_city_officer_sees_no_student(demo: Hub) -> None:
    pupil = await _filled(demo)
    city = Principal("city-1", Role.CITY_OFFICER, district=DISTRICT)

    body = await _read(demo, city, pupil)

    assert body["data"] == {"student": None}


async def test_outside_party_reads_only_approved_category(demo: Hub) -> None:
    pupil = await _filled(demo)
    approval = {
        "documentNumber": "千教批〔2026〕12号",
        "authority": "千山区教育局",
        "approver": "王某",
        "requestingParty": "某区人民法院",
        "purpose": "案件审理",
        "categories": ["ACADEMIC_RESULTS"],
        "studentNumbers": [pupil.number],
        "validFrom": "2026-10-01",
        "validTo": "2026-12-31",
    }
    await demo.data(APPROVAL, OFFICER, {"input": approval})
    outsider = Principal("court-1", Role.EXTERNAL, approval="千教批〔2026〕12号")

    body = await _read(demo, outsider, pupil)

    _denied(
        body, "financialAid", "qualityEvaluation", "sanctions", reason="NOT_IN_APPROVAL"
    )
    assert len(body["data"]["student"]["archive"]["academicResults"]) == 2


async def test_revoked_sanction_reaches_auditor_only(demo: Hub) -> None:
    pupil = await _filled(demo)
    await execute(
        demo,
        update(Sanction)
        .where(Sanction.student_id == pupil.id)
        .values(revoked_on=date(2026, 10, 1)),
    )
    history = (
        """query($n: String!) { sanctionHistory(studentNumber: $n) { revokedOn } }"""
    )

    seen = [
        (await _read(demo, who, pupil))["data"]["student"]["archive"]["sanctions"]
        for who in (registrar(), leader(), OFFICER)
    ]
    audited = await demo.data(history, AUDITOR, {"n": pupil.number})

    assert seen == [[], [], []]
    assert audited["sanctionHistory"] == [{"revokedOn": "2026-10-01"}] * 2


async def test_reads_are_audited_per_field(demo: Hub) -> None:
    pupil = await _filled(demo)
    await _read(demo, leader(), pupil)
    events = """query { auditEvents(first: 5) { action outcome fields detail } }"""

    data = await demo.data(events, AUDITOR)

    by_outcome = {e["outcome"]: e for e in data["auditEvents"] if e["action"] == "READ"}
    assert by_outcome["READ"]["fields"] == [
        "SanctionEntry.reason",
        "StudentArchive.sanctions",
    ]
    assert by_outcome["DENIED"]["fields"] == [
        "StudentArchive.academicResults",
        "StudentArchive.financialAid",
        "StudentArchive.qualityEvaluation",
    ]
