"""Counts for district and city officers; no one else, no personal fields."""

from __future__ import annotations

from rules.access import Principal, Role
from tests.conftest import Hub

COUNTS = """query C($d: String) {
  enrolmentCounts(districtCode: $d) { schoolCode grade status count } }"""


async def test_city_officer_counts_district(demo: Hub) -> None:
    city = Principal("city", Role.CITY_OFFICER, district="210311")
    rows = (await demo.data(COUNTS, city, {"d": "210311"}))["enrolmentCounts"]
    first = [r for r in rows if r["schoolCode"] == "2103110001"]
    # The small demo: 6 grades, 2 classes of 4 students each, all studying.
    assert first == [
        {"schoolCode": "2103110001", "grade": g, "status": "STUDYING", "count": 8}
        for g in range(1, 7)
    ]
    total = sum(r["count"] for r in rows)
    officer = Principal("o", Role.DISTRICT_OFFICER, district="210311")
    listed = await demo.data("{ students(first: 1) { totalCount } }", officer)
    assert total == listed["students"]["totalCount"]


async def test_other_city_and_school_roles_refused(demo: Hub) -> None:
    city = Principal("city", Role.CITY_OFFICER, district="210311")
    registrar = Principal("r", Role.REGISTRAR, school="2103110001")
    other = (await demo.gql(COUNTS, city, {"d": "110105"})).json()
    school = (await demo.gql(COUNTS, registrar, {"d": None})).json()
    assert [e["extensions"]["code"] for e in other["errors"] + school["errors"]] == [
        "FORBIDDEN",
        "FORBIDDEN",
    ]
    assert other["errors"][0]["message"] == "只能查看本市的统计。"
