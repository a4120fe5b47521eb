"""Graduation certificates (第三十二条), concurrent issuance (C10), stamps,
proofs for lost certificates and the graduation roster (第十二条)."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from db.models import CourseResult, Enrolment, Student
from resolvers.archive_graduation import (
    is_number_conflict,
    issue_with_retry,
    student_conflict,
)
from resolvers.context import RequestContext
from resolvers.mutations import Outcome
from tests.conftest import Hub
from tests.resolvers.archive_support import (
    NOW,
    OFFICER,
    Pupil,
    add_class,
    add_school,
    execute,
    passing_results,
    registrar,
    set_clock,
    write,
)

C10_SCHOOL = "4403050012"
ISSUE = """mutation($input: IssueGraduationCertificateInput!) {
  issueGraduationCertificate(input: $input) {
    certificate { number year stage valid } userErrors { code article } } }"""
STAMP = """mutation($input: StampGraduationCertificateInput!) {
  stampGraduationCertificate(input: $input) {
    certificate { number stampedOn valid } userErrors { code } } }"""
PROOF = """mutation($input: IssueCertificateProofInput!) {
  issueCertificateProof(input: $input) {
    proof { id reason confirmed } userErrors { code } } }"""
CONFIRM = """mutation($input: ConfirmCertificateProofInput!) {
  confirmCertificateProof(input: $input) {
    proof { districtConfirmedOn confirmed } userErrors { code } } }"""
ROSTER = """query($school: String!, $year: Int!) { graduationRoster(
  schoolCode: $school, year: $year) { studentNumber certificate { number } } }"""
REGISTRAR = registrar(C10_SCHOOL, "reg-c10")


async def _graduates(hub: Hub, size: int, *, name: str = "9-9") -> list[Pupil]:
    set_clock(hub)
    await add_school(hub, C10_SCHOOL)
    pupils = await add_class(hub, school=C10_SCHOOL, grade=9, name=name, size=size)
    await write(hub, passing_results([p.id for p in pupils]))
    return pupils


async def _issue(hub: Hub, number: str, request_id: str | None = None) -> Any:
    variables = {"input": {"studentNumber": number, "clientRequestId": request_id}}
    response = await hub.gql(ISSUE, REGISTRAR, variables)
    return response.json()


async def test_c10_concurrent_issuance_numbers_unique(demo: Hub) -> None:
    pupils = await _graduates(demo, 41)
    graduates, suspended = pupils[:40], pupils[40]
    await execute(
        demo,
        update(Student).where(Student.id == suspended.id).values(status="SUSPENDED"),
    )

    answers = await asyncio.gather(
        *(_issue(demo, p.number, f"c10-{i}") for i, p in enumerate(graduates)),
        _issue(demo, graduates[0].number, "c10-0"),
    )
    repeat = await _issue(demo, graduates[0].number, "c10-0")
    refused = await _issue(demo, suspended.number, "c10-suspended")

    assert [a.get("errors") for a in answers] == [None] * 41
    payloads = [a["data"]["issueGraduationCertificate"] for a in answers]
    assert [p["userErrors"] for p in payloads] == [[]] * 41
    numbers = [p["certificate"]["number"] for p in payloads]
    assert sorted(set(numbers[:40])) == [
        f"{C10_SCHOOL}-2026-{seq:04d}" for seq in range(1, 41)
    ]
    assert numbers[40] == numbers[0]
    assert (
        repeat["data"]["issueGraduationCertificate"]["certificate"]["number"]
        == numbers[0]
    )
    assert refused["data"]["issueGraduationCertificate"] == {
        "certificate": None,
        "userErrors": [{"code": "NOT_ELIGIBLE", "article": "第三十二条"}],
    }


async def test_second_certificate_is_never_issued(demo: Hub) -> None:
    pupil = (await _graduates(demo, 1))[0]

    first = await _issue(demo, pupil.number, "first")
    again = await _issue(demo, pupil.number, "second")

    assert first["data"]["issueGraduationCertificate"]["certificate"] == {
        "number": f"{C10_SCHOOL}-2026-0001",
        "year": 2026,
        "stage": "JUNIOR",
        "valid": False,
    }
    assert again["data"]["issueGraduationCertificate"] == {
        "certificate": None,
        "userErrors": [
            {"code": "CERTIFICATE_REISSUE_FORBIDDEN", "article": "第三十二条"}
        ],
    }


async def test_failed_course_is_not_eligible(demo: Hub) -> None:
    pupil = (await _graduates(demo, 1))[0]
    await write(
        demo,
        [
            CourseResult(
                student_id=pupil.id,
                course="英语",
                school_year=2026,
                term=1,
                score=Decimal("59"),
                entered_by="reg-c10",
                entered_at=NOW,
            )
        ],
    )

    answer = await _issue(demo, pupil.number)

    assert answer["data"]["issueGraduationCertificate"]["userErrors"] == [
        {"code": "NOT_ELIGIBLE", "article": "第三十二条"}
    ]


async def test_district_stamp_makes_junior_valid(demo: Hub) -> None:
    pupil = (await _graduates(demo, 1))[0]
    number = f"{C10_SCHOOL}-2026-0001"
    await _issue(demo, pupil.number)
    stamp = {"input": {"certificateNumber": number}}

    stamped = await demo.data(STAMP, OFFICER, stamp)
    twice = await demo.data(STAMP, OFFICER, stamp)
    by_school = (await demo.gql(STAMP, REGISTRAR, stamp)).json()

    assert stamped["stampGraduationCertificate"] == {
        "certificate": {"number": number, "stampedOn": "2026-10-15", "valid": True},
        "userErrors": [],
    }
    assert twice["stampGraduationCertificate"]["userErrors"] == [
        {"code": "CERTIFICATE_ALREADY_STAMPED"}
    ]
    assert [e["extensions"]["code"] for e in by_school["errors"]] == ["FORBIDDEN"]


async def test_lost_certificate_gets_confirmed_proof(demo: Hub) -> None:
    pupils = await _graduates(demo, 2)
    await _issue(demo, pupils[0].number)

    proof = await demo.data(
        PROOF, REGISTRAR, {"input": {"studentNumber": pupils[0].number}}
    )
    none = await demo.data(
        PROOF, REGISTRAR, {"input": {"studentNumber": pupils[1].number}}
    )
    proof_id = proof["issueCertificateProof"]["proof"]["id"]
    confirmed = await demo.data(CONFIRM, OFFICER, {"input": {"proofId": proof_id}})

    assert proof["issueCertificateProof"]["proof"] == {
        "id": proof_id,
        "reason": "毕业证书遗失",
        "confirmed": False,
    }
    assert none["issueCertificateProof"]["userErrors"] == [
        {"code": "CERTIFICATE_NOT_ISSUED"}
    ]
    assert confirmed["confirmCertificateProof"] == {
        "proof": {"districtConfirmedOn": "2026-10-15", "confirmed": True},
        "userErrors": [],
    }


async def test_roster_keeps_graduates_who_left(demo: Hub) -> None:
    pupils = await _graduates(demo, 3)
    for pupil in pupils:
        await _issue(demo, pupil.number)
    await execute(
        demo,
        update(Enrolment)
        .where(Enrolment.student_id == pupils[0].id)
        .values(exit_date=date(2026, 7, 10), exit_reason="GRADUATED"),
    )

    data = await demo.data(ROSTER, REGISTRAR, {"school": C10_SCHOOL, "year": 2026})
    other = (
        await demo.gql(ROSTER, registrar(), {"school": C10_SCHOOL, "year": 2026})
    ).json()

    assert data["graduationRoster"] == [
        {
            "studentNumber": p.number,
            "certificate": {"number": f"{C10_SCHOOL}-2026-{i:04d}"},
        }
        for i, p in enumerate(pupils, start=1)
    ]
    assert [e["extensions"]["code"] for e in other["errors"]] == ["NOT_FOUND"]


def _conflict(message: str) -> IntegrityError:
    return IntegrityError("INSERT", {}, Exception(message))


async def test_number_collision_is_tried_again(hub: Hub) -> None:
    collision = _conflict(
        "UNIQUE constraint failed: graduation_certificates.school_id, "
        "graduation_certificates.year, graduation_certificates.sequence"
    )
    twin = _conflict(
        "duplicate key value violates unique constraint "
        '"uq_graduation_certificates_student_id"'
    )
    calls: list[int] = []

    async def attempt() -> Outcome:
        calls.append(len(calls))
        if len(calls) < 3:
            raise collision
        return Outcome({"ids": [1]}, [])

    outcome = await issue_with_retry(
        _ctx(hub), "issueGraduationCertificate", attempt, None
    )

    assert outcome == Outcome({"ids": [1]}, [])
    assert calls == [0, 1, 2]
    assert (is_number_conflict(collision), is_number_conflict(twin)) == (True, False)
    assert student_conflict(twin) is not None
    assert student_conflict(collision) is None


def _ctx(hub: Hub) -> RequestContext:
    state = hub.state
    return RequestContext(
        principal=REGISTRAR,
        sessionmaker=state.sessionmaker,
        crypto=state.crypto,
        request_id="test",
        now=NOW,
        settings=state.settings,
    )
