"""The roster query of API.md over a real database, and its SQL cost."""

from __future__ import annotations

from rules.access import Principal, Role
from tests.conftest import Hub

REGISTRAR = Principal("reg-1", Role.REGISTRAR, school="2103110001")
OFFICER = Principal("officer-1", Role.DISTRICT_OFFICER, district="210311")

ROSTER = """
query Roster($school: String, $first: Int) {
  students(schoolCode: $school, first: $first) {
    totalCount
    edges { node { name studentNumber grade class { name } school { code }
      guardians { name phone } } }
  }
}
"""


async def test_roster_lists_school_students(demo: Hub) -> None:
    data = await demo.data(ROSTER, REGISTRAR, {"school": "2103110001", "first": 5})
    students = data["students"]
    assert len(students["edges"]) == 5
    assert {e["node"]["school"]["code"] for e in students["edges"]} == {"2103110001"}
    assert students["totalCount"] == 6 * 2 * 4


async def test_roster_statements_do_not_grow(
    demo: Hub, count_statements: list[str]
) -> None:
    await demo.data(ROSTER, OFFICER, {"school": None, "first": 5})
    small = len(count_statements)
    count_statements.clear()
    await demo.data(ROSTER, OFFICER, {"school": None, "first": 100})
    assert len(count_statements) == small
