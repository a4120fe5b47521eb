"""Outside parties read only under a valid written approval (第三十七条)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from db.models import AuditEvent, Placement, School, Student
from rules.access import Principal, Role
from tests.conftest import Hub

OFFICER = Principal("officer", Role.DISTRICT_OFFICER, district="210311")

REGISTER = """
mutation Register($input: RegisterApprovalInput!) {
  registerApproval(input: $input) {
    approval { documentNumber categories validTo }
    userErrors { code field article message }
  }
}
"""


async def _students(hub: Hub, count: int) -> list[str]:
    async with hub.state.sessionmaker() as session:
        rows = await session.scalars(
            select(Student.student_number).order_by(Student.id).limit(count)
        )
        return list(rows)


def _input(numbers: list[str], **overrides: Any) -> dict[str, Any]:
    today = date.today()
    base = {
        "documentNumber": "千教批〔2026〕17号",
        "authority": "千山区教育局",
        "approver": "测试审批人",
        "requestingParty": "某区人民法院",
        "purpose": "审理抚养权案件核实就读情况",
        "categories": ["BASIC_INFO", "HEALTH"],
        "studentNumbers": numbers,
        "validFrom": (today - timedelta(days=10)).isoformat(),
        "validTo": (today + timedelta(days=10)).isoformat(),
    }
    return {**base, **overrides}


async def _register(hub: Hub, numbers: list[str], **overrides: Any) -> dict[str, Any]:
    body = await hub.data(REGISTER, OFFICER, {"input": _input(numbers, **overrides)})
    result: dict[str, Any] = body["registerApproval"]
    return result


def _external() -> Principal:
    return Principal("court-1", Role.EXTERNAL, approval="千教批〔2026〕17号")


async def test_registrar_may_not_register_approval(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    registrar = Principal("r", Role.REGISTRAR, school="2103110001")
    body = (await demo.gql(REGISTER, registrar, {"input": _input(numbers)})).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_approval_terms_are_checked(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    result = await _register(
        demo, [*numbers, "G000000000000000000"], categories=[], validTo="2020-01-01"
    )
    assert result["approval"] is None
    assert {(e["code"], tuple(e["field"])) for e in result["userErrors"]} == {
        ("APPROVAL_SCOPE_REQUIRED", ("categories",)),
        ("APPROVAL_PERIOD_INVALID", ("validTo",)),
    }


async def test_external_reads_what_approval_names(demo: Hub) -> None:
    numbers = await _students(demo, 2)
    result = await _register(demo, numbers[:1])
    assert result["userErrors"] == []
    query = (
        f'{{ student(studentNumber: "{numbers[0]}") '
        "{ name idNumber healthStatus orphan } }"
    )
    body = (await demo.gql(query, _external())).json()
    student = body["data"]["student"]
    assert student["idNumber"] == numbers[0][1:]
    assert student["healthStatus"] == "10"
    assert student["orphan"] is None
    assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
        (
            ["student", "orphan"],
            {"code": "FORBIDDEN_FIELD", "reason": "NOT_IN_APPROVAL"},
        )
    ]


async def test_external_unnamed_student_is_denied(demo: Hub) -> None:
    numbers = await _students(demo, 2)
    await _register(demo, numbers[:1])
    query = f'{{ student(studentNumber: "{numbers[1]}") {{ name }} }}'
    body = (await demo.gql(query, _external())).json()
    assert body["data"] == {"student": None}
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    denials = await _denials(demo)
    assert [(d.outcome, d.detail, d.fields) for d in denials] == [
        ("DENIED", {"reason": "NOT_IN_APPROVAL"}, ["Query.student"])
    ]


async def test_expired_approval_gets_nothing(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    yesterday = date.today() - timedelta(days=1)
    await _register(
        demo,
        numbers,
        validFrom=(yesterday - timedelta(days=30)).isoformat(),
        validTo=yesterday.isoformat(),
    )
    query = f'{{ student(studentNumber: "{numbers[0]}") {{ name idNumber }} }}'
    body = (await demo.gql(query, _external())).json()
    assert body["data"] == {"student": None}
    reasons = {d.detail.get("reason") for d in await _denials(demo)}
    assert reasons == {"APPROVAL_EXPIRED"}


async def test_revoked_approval_gets_nothing(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    await _register(demo, numbers)
    revoke = """mutation { revokeApproval(input: {documentNumber: "千教批〔2026〕17号"})
      { approval { revokedAt } userErrors { code } } }"""
    assert (await demo.data(revoke, OFFICER))["revokeApproval"]["userErrors"] == []
    query = f'{{ student(studentNumber: "{numbers[0]}") {{ name }} }}'
    body = (await demo.gql(query, _external())).json()
    assert body["data"] == {"student": None}
    reasons = {d.detail.get("reason") for d in await _denials(demo)}
    assert reasons == {"APPROVAL_REVOKED"}


async def test_external_lists_only_named_students(demo: Hub) -> None:
    numbers = await _students(demo, 3)
    await _register(demo, numbers[:2])
    async with demo.state.sessionmaker() as session:
        school = await session.scalar(select(School.code).limit(1))
        assert await session.scalar(select(Placement.id).limit(1)) is not None
    query = f'{{ students(schoolCode: "{school}", first: 50) {{ totalCount }} }}'
    assert await demo.data(query, _external()) == {"students": {"totalCount": 2}}


async def _denials(hub: Hub) -> list[AuditEvent]:
    async with hub.state.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.outcome == "DENIED")
            .order_by(AuditEvent.id)
        )
        return list(rows)


async def test_expired_approval_list_leaves_denial(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    yesterday = date.today() - timedelta(days=1)
    await _register(
        demo,
        numbers,
        validFrom=(yesterday - timedelta(days=30)).isoformat(),
        validTo=yesterday.isoformat(),
    )
    query = "{ students(first: 10) { totalCount } }"
    assert await demo.data(query, _external()) == {"students": {"totalCount": 0}}
    denials = await _denials(demo)
    assert [(d.fields, d.detail) for d in denials] == [
        (["*"], {"reason": "APPROVAL_EXPIRED"})
    ]


async def test_revoking_twice_is_refused_with_article(demo: Hub) -> None:
    numbers = await _students(demo, 1)
    await _register(demo, numbers)
    revoke = """mutation { revokeApproval(input: {documentNumber: "千教批〔2026〕17号"})
      { userErrors { code field article } } }"""
    await demo.data(revoke, OFFICER)
    again = await demo.data(revoke, OFFICER)
    assert again["revokeApproval"]["userErrors"] == [
        {
            "code": "APPROVAL_ALREADY_REVOKED",
            "field": ["documentNumber"],
            "article": "第三十七条",
        }
    ]
