"""``Student.archive`` over GraphQL: the seven categories, provenance, field
classes, and a constant number of SQL statements however many entries."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hub
from tests.resolvers.archive_support import (
    OFFICER,
    PRIMARY,
    errors_of,
    fill_archive,
    head_teacher,
    leader,
    pupils,
    registrar,
    school_id,
    set_clock,
)

ARCHIVE = """
query Archive($number: String!) {
  student(studentNumber: $number) {
    name
    archive {
      categories { category clause }
      basicInfoChanges { category effectiveDate toStatus }
      proofDocuments { title householdNumber provenance { source sourceRecordId } }
      qualityEvaluation { schoolYear dimensionLabel text level provenance { enteredBy } }
      health {
        checks { examinedOn bmi findings provenance { source } }
        fitnessTests { schoolYear total band recordMark }
        vaccinations { vaccineText needsManualMapping counted }
      }
      awards { title levelLabel body needsReview provenance { enteredBy } }
      financialAid { kindLabel period forDate }
      academicResults { course score passed }
      graduationCertificate { number valid proofs { reason confirmed } }
      sanctions { kindLabel reason }
      attendance { day kind at }
      attendanceSummary(start: "2026-09-01", end: "2026-12-31") { present days }
    }
  }
}
"""


async def _archive(hub: Hub, number: str, principal: Any) -> Any:
    return (await hub.data(ARCHIVE, principal, {"number": number}))["student"]


async def test_archive_lists_every_category_with_provenance(demo: Hub) -> None:
    set_clock(demo)
    pupil = (await pupils(demo, PRIMARY, "3-1"))[0]
    await fill_archive(demo, pupil.id, 2, await school_id(demo, PRIMARY))

    archive = (await _archive(demo, pupil.number, registrar()))["archive"]

    assert [c["clause"] for c in archive["categories"]] == [
        f"第十一条（{n}）" for n in "一二三四五六七"
    ]
    assert archive["proofDocuments"][0] == {
        "title": "户籍证明",
        "householdNumber": "H0000",
        "provenance": {
            "source": "household",
            "sourceRecordId": f"household-{pupil.id}-0",
        },
    }
    assert archive["qualityEvaluation"][0]["dimensionLabel"] == "思想品德"
    assert archive["qualityEvaluation"][0]["provenance"] == {"enteredBy": "reg-1"}
    assert archive["health"]["checks"][0]["bmi"] == "16.6"
    assert archive["health"]["fitnessTests"][0]["recordMark"] == "良好"
    assert archive["health"]["vaccinations"][0] == {
        "vaccineText": "某疫苗",
        "needsManualMapping": True,
        "counted": False,
    }
    assert archive["awards"][0]["levelLabel"] == "区级"
    assert archive["academicResults"][0] == {
        "course": "课程0",
        "score": "88.50",
        "passed": True,
    }
    assert archive["graduationCertificate"]["valid"] is True
    assert archive["sanctions"][0] == {
        "kindLabel": "警告",
        "reason": "多次违反课堂纪律",
    }
    assert archive["attendanceSummary"] == {"present": 2, "days": 2}


async def test_archive_statements_do_not_grow(
    demo: Hub, count_statements: list[str]
) -> None:
    set_clock(demo)
    few, many = (await pupils(demo, PRIMARY, "3-1"))[:2]
    school = await school_id(demo, PRIMARY)
    await fill_archive(demo, few.id, 1, school)
    await fill_archive(demo, many.id, 20, school)

    count_statements.clear()
    small = await _archive(demo, few.number, registrar())
    one_entry = len(count_statements)
    count_statements.clear()
    large = await _archive(demo, many.number, registrar())

    assert len(large["archive"]["awards"]) == 20
    assert len(large["archive"]["graduationCertificate"]["proofs"]) == 20
    assert len(small["archive"]["awards"]) == 1
    assert len(count_statements) == one_entry, count_statements


async def test_school_leader_reads_conduct_not_aid(demo: Hub) -> None:
    set_clock(demo)
    pupil = (await pupils(demo, PRIMARY, "3-1"))[0]
    await fill_archive(demo, pupil.id, 1, await school_id(demo, PRIMARY))
    query = """query($n: String!) { student(studentNumber: $n) { archive {
      sanctions { kindLabel } financialAid { kindLabel }
      academicResults { score } qualityEvaluation { text } } } }"""

    response = await demo.gql(query, leader(), {"n": pupil.number})
    body = response.json()

    archive = body["data"]["student"]["archive"]
    assert archive == {
        "sanctions": [{"kindLabel": "警告"}],
        "financialAid": None,
        "academicResults": None,
        "qualityEvaluation": None,
    }
    assert sorted(errors_of(body)) == [
        (["student", "archive", name], "FORBIDDEN_FIELD")
        for name in ("academicResults", "financialAid", "qualityEvaluation")
    ]


async def test_head_teacher_reads_results_not_health(demo: Hub) -> None:
    set_clock(demo)
    pupil = (await pupils(demo, PRIMARY, "3-1"))[0]
    await fill_archive(demo, pupil.id, 1, await school_id(demo, PRIMARY))
    query = """query($n: String!) { student(studentNumber: $n) { archive {
      academicResults { course } health { checks { bmi } } } } }"""

    body = (
        await demo.gql(query, head_teacher(pupil.class_id), {"n": pupil.number})
    ).json()

    assert body["data"]["student"]["archive"] == {
        "academicResults": [{"course": "课程0"}],
        "health": None,
    }
    assert errors_of(body) == [(["student", "archive", "health"], "FORBIDDEN_FIELD")]


async def test_district_officer_reads_whole_archive(demo: Hub) -> None:
    set_clock(demo)
    pupil = (await pupils(demo, PRIMARY, "3-1"))[0]
    await fill_archive(demo, pupil.id, 1, await school_id(demo, PRIMARY))

    archive = (await _archive(demo, pupil.number, OFFICER))["archive"]

    assert len(archive["financialAid"]) == 1
    assert len(archive["health"]["vaccinations"]) == 1


PAGE = """query($first: Int) { students(schoolCode: "2103110001", first: $first) {
  edges { node { archive { awards { title } sanctions { reason }
    health { fitnessTests { total } } graduationCertificate { number } } } } } }"""


async def test_page_of_archives_costs_the_same(
    demo: Hub, count_statements: list[str]
) -> None:
    set_clock(demo)
    school = await school_id(demo, PRIMARY)
    for pupil in await pupils(demo, PRIMARY, "1-1"):
        await fill_archive(demo, pupil.id, 3, school)

    count_statements.clear()
    small = await demo.data(PAGE, registrar(), {"first": 2})
    two = len(count_statements)
    count_statements.clear()
    large = await demo.data(PAGE, registrar(), {"first": 40})

    assert len(small["students"]["edges"]) == 2
    assert len(large["students"]["edges"]) == 40
    assert len(count_statements) == two
