"""Who reads which class of field, on every query path (第三十七条, case C12)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.models import Placement, Student
from rules.access import Principal, Role
from tests.conftest import Hub

ALLOW = "allow"
NOT_FOUND = "not_found"
SCHOOL = "2103110001"
OTHER_SCHOOL = "2103110002"
DISTRICT = "210311"

# One field per class on Student: directory, identity, health, welfare.
FIELDS = {
    "directory": "name",
    "identity": "idNumber",
    "health": "healthStatus",
    "welfare": "orphan",
}
# Archive fields for the two classes that live only in the archive.
ARCHIVE_FIELDS = {"conduct": "sanctions", "results": "academicResults"}
ARCHIVE_EXPECTED: dict[Role, dict[str, str]] = {
    Role.REGISTRAR: {"conduct": ALLOW, "results": ALLOW},
    Role.HEAD_TEACHER: {"conduct": "NOT_PERMITTED", "results": ALLOW},
    Role.SCHOOL_LEADER: {"conduct": ALLOW, "results": "NOT_PERMITTED"},
    Role.DISTRICT_OFFICER: {"conduct": ALLOW, "results": ALLOW},
    Role.SYNC: {"conduct": "NOT_PERMITTED", "results": "NOT_PERMITTED"},
    Role.CITY_OFFICER: {"conduct": NOT_FOUND, "results": NOT_FOUND},
    Role.AUDITOR: {"conduct": NOT_FOUND, "results": NOT_FOUND},
}

# The expected table, written out (not derived from the policy it checks).
EXPECTED: dict[Role, dict[str, str]] = {
    Role.REGISTRAR: dict.fromkeys(FIELDS, ALLOW),
    Role.HEAD_TEACHER: {
        "directory": ALLOW,
        "identity": "NOT_PERMITTED",
        "health": "NOT_PERMITTED",
        "welfare": "NOT_PERMITTED",
    },
    Role.SCHOOL_LEADER: {
        "directory": ALLOW,
        "identity": "NOT_PERMITTED",
        "health": "NOT_PERMITTED",
        "welfare": "NOT_PERMITTED",
    },
    Role.DISTRICT_OFFICER: dict.fromkeys(FIELDS, ALLOW),
    Role.SYNC: {
        "directory": ALLOW,
        "identity": ALLOW,
        "health": "NOT_PERMITTED",
        "welfare": "NOT_PERMITTED",
    },
    Role.CITY_OFFICER: dict.fromkeys(FIELDS, NOT_FOUND),
    Role.AUDITOR: dict.fromkeys(FIELDS, NOT_FOUND),
}


async def _first_student(hub: Hub) -> tuple[str, int, str]:
    """Number, class id and global id of a student of the first school."""
    async with hub.state.sessionmaker() as session:
        row = (
            await session.execute(
                select(Student.student_number, Placement.class_id, Student.id)
                .join(Placement, Placement.student_id == Student.id)
                .where(Student.name.is_not(None))
                .order_by(Student.id)
                .limit(1)
            )
        ).one()
    from schema.node import to_global_id

    return row[0], row[1], str(to_global_id("Student", row[2]))


def _principal(role: Role, class_id: int) -> Principal:
    if role in (Role.REGISTRAR, Role.SCHOOL_LEADER):
        return Principal(f"t-{role}", role, school=SCHOOL)
    if role is Role.HEAD_TEACHER:
        return Principal("t-ht", role, school=SCHOOL, class_id=class_id)
    if role is Role.AUDITOR:
        return Principal("t-aud", role)
    return Principal(f"t-{role}", role, district=DISTRICT)


def _outcome(body: dict[str, Any], path: list[Any]) -> str:
    value: Any = body.get("data")
    for step in path:
        if value is None:
            break
        value = value[step]
    errors = [e for e in body.get("errors", []) if e.get("path") == path]
    if value is not None:
        assert errors == []
        return ALLOW
    parent_errors = [e for e in body.get("errors", []) if e["path"] == path[:1]]
    if parent_errors and parent_errors[0]["extensions"]["code"] == "NOT_FOUND":
        return NOT_FOUND
    assert len(errors) == 1, body
    assert errors[0]["extensions"]["code"] == "FORBIDDEN_FIELD"
    return str(errors[0]["extensions"]["reason"])


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r.value)
@pytest.mark.parametrize("access_class", list(FIELDS))
async def test_matrix_by_student_number(
    demo: Hub, role: Role, access_class: str
) -> None:
    number, class_id, _ = await _first_student(demo)
    field = FIELDS[access_class]
    query = f'{{ student(studentNumber: "{number}") {{ {field} }} }}'
    body = (await demo.gql(query, _principal(role, class_id))).json()
    assert _outcome(body, ["student", field]) == EXPECTED[role][access_class]


@pytest.mark.parametrize("role", list(ARCHIVE_EXPECTED), ids=lambda r: r.value)
@pytest.mark.parametrize("access_class", list(ARCHIVE_FIELDS))
async def test_matrix_archive_classes(demo: Hub, role: Role, access_class: str) -> None:
    number, class_id, _ = await _first_student(demo)
    field = ARCHIVE_FIELDS[access_class]
    query = f'{{ student(studentNumber: "{number}") {{ archive {{ {field} {{ __typename }} }} }} }}'
    body = (await demo.gql(query, _principal(role, class_id))).json()
    got = _outcome(body, ["student", "archive", field])
    assert got == ARCHIVE_EXPECTED[role][access_class]


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r.value)
async def test_matrix_by_node_and_alias(demo: Hub, role: Role) -> None:
    _, class_id, global_id = await _first_student(demo)
    query = (
        f'{{ n: node(id: "{global_id}") {{ ... on Student {{ '
        "a: idNumber b: healthStatus c: orphan d: name } } }"
    )
    body = (await demo.gql(query, _principal(role, class_id))).json()
    got = {k: _outcome(body, ["n", k]) for k in "abcd"}
    expected = EXPECTED[role]
    assert got == {
        "a": expected["identity"],
        "b": expected["health"],
        "c": expected["welfare"],
        "d": expected["directory"],
    }


async def test_c12_head_teacher_one_document(demo: Hub) -> None:
    number, class_id, _ = await _first_student(demo)
    async with demo.state.sessionmaker() as session:
        other = await session.scalar(
            select(Student.student_number)
            .join(Placement, Placement.student_id == Student.id)
            .where(Placement.class_id != class_id)
            .limit(1)
        )
    teacher = Principal("ht", Role.HEAD_TEACHER, school=SCHOOL, class_id=class_id)
    query = f"""{{
      a: student(studentNumber: "{number}") {{ idNumber }}
      b: students(classId: "{class_id}", first: 3) {{
        edges {{ node {{ name idNumber guardianPhone }} }} }}
      d: me {{ homeroomStudents(first: 2) {{ edges {{ node {{ idNumber }} }} }} }}
      e: student(studentNumber: "{other}") {{ name }}
    }}"""
    body = (await demo.gql(query, teacher)).json()
    data = body["data"]
    assert data["a"] == {"idNumber": None}
    assert all(e["node"]["name"] for e in data["b"]["edges"])
    assert [e["node"]["idNumber"] for e in data["b"]["edges"]] == [None] * 3
    assert [e["node"]["guardianPhone"] for e in data["b"]["edges"]] == [None] * 3
    assert data["d"]["homeroomStudents"]["edges"] == [
        {"node": {"idNumber": None}},
        {"node": {"idNumber": None}},
    ]
    assert data["e"] is None
    by_path = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    assert by_path[("e",)] == {"code": "NOT_FOUND"}
    denied = [p for p, ext in by_path.items() if ext["code"] == "FORBIDDEN_FIELD"]
    assert len(denied) == 1 + 3 + 3 + 2


async def test_other_school_registrar_sees_nothing(demo: Hub) -> None:
    number, _, global_id = await _first_student(demo)
    other = Principal("r2", Role.REGISTRAR, school=OTHER_SCHOOL)
    query = (
        f'{{ a: student(studentNumber: "{number}") {{ name }} '
        f'b: node(id: "{global_id}") {{ id }} '
        f'c: students(schoolCode: "{SCHOOL}", first: 5) {{ totalCount edges {{ node {{ name }} }} }} }}'
    )
    body = (await demo.gql(query, other)).json()
    assert body["data"] == {
        "a": None,
        "b": None,
        "c": {"totalCount": 0, "edges": []},
    }
    assert sorted(e["extensions"]["code"] for e in body["errors"]) == [
        "NOT_FOUND",
        "NOT_FOUND",
    ]
