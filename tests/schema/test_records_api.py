"""Record workflow, entry age (C04), deferrals and school mergers over GraphQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from db.models import Enrolment, School, SchoolClass, Student
from rules.access import Principal, Role
from tests.conftest import Hub
from tests.resolvers.test_records_write import (
    OFFICER,
    REGISTRAR_A,
    SCHOOL_A,
    a_class,
    create,
    freeze,
    record_input,
    scalar,
)

NUMBER = "G11010520150307118X"

SUBMIT = """
mutation S($input: SubmitStudentRecordInput!) {
  submitStudentRecord(input: $input) { student { recordState } userErrors { code field article } }
}
"""
VERIFY = """
mutation V($input: VerifyStudentRecordInput!) {
  verifyStudentRecord(input: $input) { student { recordState } userErrors { code field article } }
}
"""
RETURN = """
mutation R($input: ReturnStudentRecordInput!) {
  returnStudentRecord(input: $input) { student { recordState } userErrors { code field article } }
}
"""
UPDATE = """
mutation U($input: UpdateStudentRecordInput!) {
  updateStudentRecord(input: $input) { student { name } userErrors { code article } }
}
"""


async def run(hub: Hub, query: str, who: Principal, values: dict[str, Any]) -> Any:
    data = await hub.data(query, who, {"input": values})
    return next(iter(data.values()))


# 第十、十一条 — collect, report, verify or return


async def test_record_goes_through_review(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    early = await run(demo, VERIFY, OFFICER, {"studentNumber": NUMBER})
    submitted = await run(demo, SUBMIT, REGISTRAR_A, {"studentNumber": NUMBER})
    locked = await run(
        demo, UPDATE, REGISTRAR_A, {"studentNumber": NUMBER, "name": "改"}
    )
    no_reason = await run(
        demo, RETURN, OFFICER, {"studentNumber": NUMBER, "reasons": [" "]}
    )
    returned = await run(
        demo, RETURN, OFFICER, {"studentNumber": NUMBER, "reasons": ["户口性质有误"]}
    )
    fixed = await run(
        demo, UPDATE, REGISTRAR_A, {"studentNumber": NUMBER, "householdType": "1"}
    )
    again = await run(demo, SUBMIT, REGISTRAR_A, {"studentNumber": NUMBER})
    verified = await run(demo, VERIFY, OFFICER, {"studentNumber": NUMBER})
    closed = await run(
        demo, UPDATE, REGISTRAR_A, {"studentNumber": NUMBER, "name": "改"}
    )

    assert early == {
        "student": None,
        "userErrors": [
            {"code": "RECORD_NOT_SUBMITTED", "field": None, "article": "第十条"}
        ],
    }
    assert submitted == {"student": {"recordState": "SUBMITTED"}, "userErrors": []}
    assert locked["userErrors"] == [
        {"code": "RECORD_UNDER_REVIEW", "article": "第十一条"}
    ]
    assert no_reason["userErrors"] == [
        {"code": "RETURN_REASON_REQUIRED", "field": ["reasons"], "article": "第十一条"}
    ]
    assert returned == {"student": {"recordState": "RETURNED"}, "userErrors": []}
    assert fixed == {"student": {"name": "测试甲"}, "userErrors": []}
    assert again["student"] == {"recordState": "SUBMITTED"}
    assert verified == {"student": {"recordState": "VERIFIED"}, "userErrors": []}
    assert closed["userErrors"] == [
        {"code": "RECORD_ALREADY_VERIFIED", "article": "第十一条"}
    ]


async def test_registrar_cannot_verify(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    body = (
        await demo.gql(VERIFY, REGISTRAR_A, {"input": {"studentNumber": NUMBER}})
    ).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


OVERDUE = """
query O($first: Int, $after: String) {
  overdueStudentRecords(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { student { studentNumber recordState } entryDate deadline reason
      submittedLate daysOverdue } }
  }
}
"""


async def _expected_overdue(hub: Hub, today: date) -> int:
    stmt = (
        select(func.count())
        .select_from(Student)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(
            Enrolment.exit_date.is_(None),
            Enrolment.record_due < today,
            Student.record_state != "VERIFIED",
        )
    )
    return int(await scalar(hub, stmt))


async def test_overdue_lists_unreported_records(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass, entryDate="2026-09-05"))
    freeze(demo, date(2026, 10, 15))
    data = await demo.data(OVERDUE, OFFICER, {"first": 100})
    found = data["overdueStudentRecords"]
    mine = [
        e["node"]
        for e in found["edges"]
        if e["node"]["student"]["studentNumber"] == NUMBER
    ]
    assert mine == [
        {
            "student": {"studentNumber": NUMBER, "recordState": "DRAFT"},
            "entryDate": "2026-09-05",
            "deadline": "2026-10-05",
            "reason": "NOT_SUBMITTED",
            "submittedLate": False,
            "daysOverdue": 10,
        }
    ]
    assert found["totalCount"] == await _expected_overdue(demo, date(2026, 10, 15))
    assert {e["node"]["student"]["recordState"] for e in found["edges"]} <= {
        "DRAFT",
        "SUBMITTED",
        "RETURNED",
    }


async def test_record_within_month_is_not_overdue(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass, entryDate="2026-09-05"))
    freeze(demo, date(2026, 10, 5))
    data = await demo.data(OVERDUE, OFFICER, {"first": 100})
    numbers = [
        e["node"]["student"]["studentNumber"]
        for e in data["overdueStudentRecords"]["edges"]
    ]
    assert NUMBER not in numbers


# C04 — entry age cutoff, birthday boundary, 29 Feb

ELIGIBILITY = """
query E($id: String!, $year: Int!) {
  enrolmentEligibility(idNumber: $id, schoolYear: $year) {
    status needsApproval ageAtCutoff birthDate reasons { code article }
    sixOn: age(asOf: "2022-08-31") sevenOn: age(asOf: "2023-03-01")
    userErrors { code }
  }
}
"""
C04_ASKS = [
    ("440305201908311003", 2025),
    ("440305201909011002", 2025),
    ("440305202002291004", 2025),
    ("440305202002291004", 2026),
    ("440305201602291003", 2022),
]


async def _c04_answers(hub: Hub) -> list[Any]:
    answers = []
    for number, year in C04_ASKS:
        data = await hub.data(ELIGIBILITY, REGISTRAR_A, {"id": number, "year": year})
        answers.append(data["enrolmentEligibility"])
    return answers


async def test_c04_same_answer_at_every_clock(demo: Hub) -> None:
    seen = []
    for today in (
        date(2025, 3, 1),
        date(2025, 10, 1),
        date(2026, 2, 28),
        date(2027, 3, 1),
    ):
        freeze(demo, today)
        seen.append(await _c04_answers(demo))
    assert all(answers == seen[0] for answers in seen)
    summary = [(a["status"], [r["code"] for r in a["reasons"]]) for a in seen[0]]
    assert summary == [
        ("ELIGIBLE", []),
        ("NOT_ELIGIBLE", ["UNDER_AGE"]),
        ("NOT_ELIGIBLE", ["UNDER_AGE"]),
        ("ELIGIBLE", []),
        ("ELIGIBLE", []),
    ]
    assert [a["needsApproval"] for a in seen[0]] == [False, True, True, False, False]
    leap = seen[0][4]
    assert (leap["birthDate"], leap["sixOn"], leap["sevenOn"]) == ("2016-02-29", 6, 7)


async def test_eligibility_reports_bad_id(demo: Hub) -> None:
    data = await demo.data(
        ELIGIBILITY, OFFICER, {"id": "44030520190831100X", "year": 2025}
    )
    assert data["enrolmentEligibility"]["status"] is None
    assert data["enrolmentEligibility"]["userErrors"] == [
        {"code": "CHECK_DIGIT_MISMATCH"}
    ]


# 第七条 — deferred entry: the school forwards, the district decides

APPLY = """
mutation A($input: ApplyEnrolmentDeferralInput!) {
  applyEnrolmentDeferral(input: $input) {
    deferral { id state schoolYear schoolCode childName birthDate }
    userErrors { code field article }
  }
}
"""
DECIDE = """
mutation D($input: DecideEnrolmentDeferralInput!) {
  decideEnrolmentDeferral(input: $input) {
    deferral { state } userErrors { code field article }
  }
}
"""
CHILD = "440305201903151004"


def _application(**changes: Any) -> dict[str, Any]:
    values = {
        "childName": "测试童",
        "idNumber": CHILD,
        "schoolYear": 2025,
        "healthRelated": True,
        "reason": "术后康复，医院建议延缓一年入学",
        "guardianName": "测试父",
        "guardianRelation": "1",
    }
    values.update(changes)
    return values


async def test_deferral_approved_counts_next_year(demo: Hub) -> None:
    freeze(demo, date(2025, 6, 1))
    applied = await run(demo, APPLY, REGISTRAR_A, _application())
    deferral = applied["deferral"]
    assert {k: v for k, v in deferral.items() if k != "id"} == {
        "state": "FORWARDED",
        "schoolYear": 2025,
        "schoolCode": SCHOOL_A,
        "childName": "测试童",
        "birthDate": "2019-03-15",
    }
    twice = await run(demo, APPLY, REGISTRAR_A, _application())
    decided = await run(
        demo, DECIDE, OFFICER, {"deferralId": deferral["id"], "decision": "APPROVE"}
    )
    data = await demo.data(ELIGIBILITY, REGISTRAR_A, {"id": CHILD, "year": 2026})

    assert twice["userErrors"] == [
        {"code": "DEFERRAL_EXISTS", "field": ["idNumber"], "article": "第七条"}
    ]
    assert decided == {"deferral": {"state": "APPROVED"}, "userErrors": []}
    answer = data["enrolmentEligibility"]
    assert (answer["status"], answer["reasons"]) == (
        "ELIGIBLE",
        [{"code": "DEFERRED_ENTRY", "article": "第七条"}],
    )


async def test_deferral_refusals_name_their_article(demo: Hub) -> None:
    freeze(demo, date(2025, 6, 1))
    not_health = await run(demo, APPLY, REGISTRAR_A, _application(healthRelated=False))
    too_young = await run(demo, APPLY, REGISTRAR_A, _application(schoolYear=2024))
    applied = await run(demo, APPLY, REGISTRAR_A, _application())
    bare = {"deferralId": applied["deferral"]["id"], "decision": "REJECT"}
    no_comment = await run(demo, DECIDE, OFFICER, bare)
    rejected = await run(demo, DECIDE, OFFICER, {**bare, "comment": "材料不全"})
    after = await run(demo, DECIDE, OFFICER, {**bare, "comment": "再议"})
    assert [r["userErrors"] for r in (not_health, too_young, no_comment, after)] == [
        [
            {
                "code": "DEFERRAL_REASON_NOT_HEALTH",
                "field": ["healthRelated"],
                "article": "第七条",
            }
        ],
        [{"code": "DEFERRAL_NOT_NEEDED", "field": ["idNumber"], "article": "第七条"}],
        [{"code": "COMMENT_REQUIRED", "field": ["comment"], "article": "第七条"}],
        [{"code": "DEFERRAL_ALREADY_CLOSED", "field": None, "article": "第七条"}],
    ]
    assert rejected == {"deferral": {"state": "REJECTED"}, "userErrors": []}


async def test_school_cannot_decide_deferral(demo: Hub) -> None:
    freeze(demo, date(2025, 6, 1))
    applied = await run(demo, APPLY, REGISTRAR_A, _application())
    values = {"deferralId": applied["deferral"]["id"], "decision": "APPROVE"}
    body = (await demo.gql(DECIDE, REGISTRAR_A, {"input": values})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


# 第十二条 — merger and closure

MERGE = """
mutation M($input: MergeSchoolsInput!) {
  mergeSchools(input: $input) {
    school { code closedOn } intoSchool { code } studentsMoved classesMoved
    userErrors { code field article }
  }
}
"""
CLOSE = """
mutation C($input: CloseSchoolInput!) {
  closeSchool(input: $input) { school { code closedOn } userErrors { code field article } }
}
"""
MERGED = "2103110005"


async def _active_at(hub: Hub, code: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Enrolment)
        .join(School, School.id == Enrolment.school_id)
        .where(School.code == code, Enrolment.exit_date.is_(None))
    )
    return int(await scalar(hub, stmt))


async def test_merger_moves_students_and_archives(demo: Hub) -> None:
    freeze(demo, date(2026, 12, 1))
    moving = await _active_at(demo, MERGED)
    staying = await _active_at(demo, SCHOOL_A)
    values = {
        "schoolCode": MERGED,
        "intoSchoolCode": SCHOOL_A,
        "effectiveDate": "2027-01-01",
    }
    result = await run(demo, MERGE, OFFICER, values)
    assert result == {
        "school": {"code": MERGED, "closedOn": "2027-01-01"},
        "intoSchool": {"code": SCHOOL_A},
        "studentsMoved": moving,
        "classesMoved": 6,
        "userErrors": [],
    }
    assert (await _active_at(demo, MERGED), await _active_at(demo, SCHOOL_A)) == (
        0,
        staying + moving,
    )
    exits = await scalar(
        demo,
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.exit_reason == "SCHOOL_MERGED",
            Enrolment.exit_date == date(2026, 12, 31),
        ),
    )
    assert exits == moving
    renamed = await scalar(
        demo, select(SchoolClass.name).where(SchoolClass.name.like("1-1（原%"))
    )
    assert renamed == "1-1（原千山区育才小学）"
    again = await run(demo, MERGE, OFFICER, values)
    assert again["userErrors"] == [
        {"code": "SCHOOL_CLOSED", "field": ["schoolCode"], "article": "第十二条"}
    ]


async def test_closure_needs_no_active_students(demo: Hub) -> None:
    refused = await run(
        demo, CLOSE, OFFICER, {"schoolCode": MERGED, "effectiveDate": "2027-01-01"}
    )
    assert refused["userErrors"] == [
        {"code": "SCHOOL_HAS_STUDENTS", "field": ["schoolCode"], "article": "第十二条"}
    ]
    async with demo.state.sessionmaker() as session:
        district = await session.scalar(select(School.district_id).limit(1))
        session.add(
            School(
                code="2103110099",
                name="千山区测试空校",
                district_id=district,
                kind="PRIMARY",
                ownership="PUBLIC",
                locale="URBAN",
            )
        )
        await session.commit()
    closed = await run(
        demo,
        CLOSE,
        OFFICER,
        {"schoolCode": "2103110099", "effectiveDate": "2027-01-01"},
    )
    assert closed == {
        "school": {"code": "2103110099", "closedOn": "2027-01-01"},
        "userErrors": [],
    }


async def test_closed_school_writes_no_records(demo: Hub) -> None:
    values = {
        "schoolCode": MERGED,
        "intoSchoolCode": SCHOOL_A,
        "effectiveDate": "2027-01-01",
    }
    await run(demo, MERGE, OFFICER, values)
    registrar = Principal("reg-5", Role.REGISTRAR, school=MERGED)
    klass = await a_class(demo)
    result = await create(demo, registrar, record_input(klass))
    assert [(e["code"], e["article"]) for e in result["userErrors"]] == [
        ("SCHOOL_CLOSED", "第十二条")
    ]
