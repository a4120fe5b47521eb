"""Creating and correcting records through GraphQL: C01, C02, C05, 第十一条."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from db.models import (
    Enrolment,
    Placement,
    RecordChange,
    School,
    SchoolClass,
    Student,
    StudentNumber,
)
from resolvers import records_write
from rules.access import Principal, Role
from tests.conftest import Hub

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHOOL_A = "2103110001"
SCHOOL_B = "2103110002"
REGISTRAR_A = Principal("reg-a", Role.REGISTRAR, school=SCHOOL_A)
REGISTRAR_B = Principal("reg-b", Role.REGISTRAR, school=SCHOOL_B)
OFFICER = Principal("officer", Role.DISTRICT_OFFICER, district="210311")

CREATE = """
mutation Create($input: CreateStudentRecordInput!) {
  createStudentRecord(input: $input) {
    student { studentNumber name sex birthDate idNumber recordState grade
      school { code } enrolments { entryDate exitDate entryReason school { code } } }
    userErrors { code field article message }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateStudentRecordInput!) {
  updateStudentRecord(input: $input) {
    student { studentNumber formerNumbers name idNumber birthDate recordState }
    userErrors { code field article }
  }
}
"""
LOOKUP = """
query Lookup($number: String!) { student(studentNumber: $number) { studentNumber name } }
"""


# Helpers shared with the other record tests.


def freeze(hub: Hub, day: date) -> None:
    """The hub's clock stands at 10:00 in Shanghai on ``day``."""
    moment = datetime.combine(day, time(10), tzinfo=SHANGHAI)
    hub.state.clock = lambda: moment


async def scalar(hub: Hub, stmt: Any) -> Any:
    async with hub.state.sessionmaker() as session:
        return await session.scalar(stmt)


async def execute(hub: Hub, stmt: Any) -> None:
    async with hub.state.sessionmaker() as session:
        await session.execute(stmt)
        await session.commit()


async def class_id(hub: Hub, school: str, name: str, year: int = 2026) -> int:
    stmt = (
        select(SchoolClass.id)
        .join(School, School.id == SchoolClass.school_id)
        .where(School.code == school, SchoolClass.name == name)
        .where(SchoolClass.school_year == year)
    )
    found = await scalar(hub, stmt)
    assert isinstance(found, int)
    return found


async def add_class(hub: Hub, school: str, year: int, grade: int, name: str) -> int:
    async with hub.state.sessionmaker() as session:
        school_id = await session.scalar(select(School.id).where(School.code == school))
        klass = SchoolClass(
            school_id=school_id, school_year=year, grade=grade, name=name
        )
        session.add(klass)
        await session.commit()
        return klass.id


def record_input(klass: int, **changes: Any) -> dict[str, Any]:
    """A complete record of the national form, as GraphQL input."""
    values: dict[str, Any] = {
        "name": "测试甲",
        "idType": "1",
        "idNumber": "11010520150307118X",
        "birthPlace": "210311",
        "nativePlace": "210311",
        "ethnicity": "01",
        "nationality": "CHN",
        "hmtOverseas": "00",
        "healthStatus": "10",
        "householdPlace": "210311",
        "householdType": "2",
        "grade": 1,
        "classId": str(klass),
        "entryDate": "2026-09-01",
        "entryRoute": "11",
        "attendanceMode": "1",
        "currentAddress": "千山区测试路1号",
        "mailingAddress": "千山区测试路1号",
        "homeAddress": "千山区测试路1号",
        "phone": "0412-5550000",
        "postcode": "114041",
        "onlyChild": True,
        "hadPreschool": True,
        "guardians": [
            {
                "name": "测试母",
                "relation": "2",
                "phone": "13800000000",
                "isGuardian": True,
            }
        ],
    }
    values.update(changes)
    return values


async def create(hub: Hub, principal: Principal, values: dict[str, Any]) -> Any:
    data = await hub.data(CREATE, principal, {"input": values})
    return data["createStudentRecord"]


async def count_students(hub: Hub) -> int:
    return int(await scalar(hub, select(func.count()).select_from(Student)))


async def a_class(demo: Hub) -> int:
    freeze(demo, date(2026, 9, 10))
    return await class_id(demo, SCHOOL_A, "1-1")


# C01 — check digit: lowercase x, X vs 0, stray letters


async def test_c01_lowercase_x_is_stored_upper(demo: Hub) -> None:
    klass = await a_class(demo)
    result = await create(
        demo, REGISTRAR_A, record_input(klass, idNumber="11010520150307118x")
    )
    assert result["userErrors"] == []
    assert result["student"] == {
        "studentNumber": "G11010520150307118X",
        "name": "测试甲",
        "sex": "2",
        "birthDate": "2015-03-07",
        "idNumber": "11010520150307118X",
        "recordState": "DRAFT",
        "grade": 1,
        "school": {"code": SCHOOL_A},
        "enrolments": [
            {
                "entryDate": "2026-09-01",
                "exitDate": None,
                "entryReason": "NEW_ENTRY",
                "school": {"code": SCHOOL_A},
            }
        ],
    }


async def test_c01_both_cases_find_same_record(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass, idNumber="11010520150307118x"))
    found = [
        (await demo.data(LOOKUP, REGISTRAR_A, {"number": number}))["student"]
        for number in ("g11010520150307118x", "G11010520150307118X")
    ]
    expected = {"studentNumber": "G11010520150307118X", "name": "测试甲"}
    assert found == [expected, expected]


async def test_c01_upper_x_after_lower_is_duplicate(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass, idNumber="11010520150307118x"))
    again = await create(
        demo, REGISTRAR_A, record_input(klass, idNumber="11010520150307118X")
    )
    assert again["student"] is None
    assert [(e["code"], e["field"], e["article"]) for e in again["userErrors"]] == [
        ("DUPLICATE_PERSON", ["idNumber"], "第十一条")
    ]
    assert "G11010520150307118X" in again["userErrors"][0]["message"]


async def test_c01_x_for_zero_is_mismatch(demo: Hub) -> None:
    klass = await a_class(demo)
    before = await count_students(demo)
    result = await create(
        demo, REGISTRAR_A, record_input(klass, idNumber="11010520150307104X")
    )
    assert result == {
        "student": None,
        "userErrors": [
            {
                "code": "CHECK_DIGIT_MISMATCH",
                "field": ["idNumber"],
                "article": "GB 11643-1999",
                "message": "身份证号校验码不符，请核对号码。",
            }
        ],
    }
    assert await count_students(demo) == before


async def test_c01_letter_o_is_format_error(demo: Hub) -> None:
    klass = await a_class(demo)
    before = await count_students(demo)
    response = await demo.gql(
        CREATE,
        REGISTRAR_A,
        {"input": record_input(klass, idNumber="1101052015O3071040")},
    )
    body = response.json()
    assert "errors" not in body
    errors = body["data"]["createStudentRecord"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("INVALID_ID_FORMAT", ["idNumber"])
    ]
    assert "Traceback" not in response.text
    assert await count_students(demo) == before


# C02 — birth-date part: impossible, leap-day, future


async def test_c02_real_dates_come_from_id(demo: Hub) -> None:
    klass = await a_class(demo)
    cases = {
        "110105201602291006": "2016-02-29",
        "110105202002291007": "2020-02-29",
        "110105201510151006": "2015-10-15",
    }
    born = {}
    for number, _ in cases.items():
        result = await create(demo, REGISTRAR_A, record_input(klass, idNumber=number))
        assert result["userErrors"] == []
        born[number] = result["student"]["birthDate"]
    assert born == cases


async def test_c02_impossible_and_future_dates(demo: Hub) -> None:
    klass = await a_class(demo)
    before = await count_students(demo)
    cases = {
        "110105201502291009": "INVALID_BIRTH_DATE",
        "11010520150431100X": "INVALID_BIRTH_DATE",
        "110105201513011009": "INVALID_BIRTH_DATE",
        "110105203001011004": "BIRTH_DATE_IN_FUTURE",
    }
    codes = {}
    for number in cases:
        result = await create(demo, REGISTRAR_A, record_input(klass, idNumber=number))
        codes[number] = [e["code"] for e in result["userErrors"]]
    assert codes == {number: [code] for number, code in cases.items()}
    assert await count_students(demo) == before


async def test_c02_explicit_date_must_agree(demo: Hub) -> None:
    klass = await a_class(demo)
    values = record_input(klass, idNumber="110105201602291006", birthDate="2016-03-01")
    result = await create(demo, REGISTRAR_A, values)
    assert [(e["code"], e["field"]) for e in result["userErrors"]] == [
        ("BIRTH_DATE_MISMATCH", ["birthDate"])
    ]


async def test_every_fault_is_reported_at_once(demo: Hub) -> None:
    klass = await a_class(demo)
    values = record_input(
        klass, ethnicity="99", phone="12", postcode=None, grade=3, guardians=[{}]
    )
    result = await create(demo, REGISTRAR_A, values)
    assert sorted((e["code"], tuple(e["field"])) for e in result["userErrors"]) == [
        ("GRADE_CLASS_MISMATCH", ("grade",)),
        ("INVALID_CODE", ("ethnicity",)),
        ("INVALID_PHONE", ("phone",)),
        ("REQUIRED_FIELD_MISSING", ("guardians", "0", "name")),
        ("REQUIRED_FIELD_MISSING", ("guardians", "0", "relation")),
        ("REQUIRED_FIELD_MISSING", ("postcode",)),
    ]


async def test_class_of_another_school_is_refused(demo: Hub) -> None:
    other = await class_id(demo, SCHOOL_B, "1-1")
    freeze(demo, date(2026, 9, 10))
    result = await create(demo, REGISTRAR_A, record_input(other))
    assert [(e["code"], e["field"]) for e in result["userErrors"]] == [
        ("CLASS_NOT_FOUND", ["classId"])
    ]


async def test_head_teacher_cannot_create(demo: Hub) -> None:
    klass = await a_class(demo)
    teacher = Principal("t", Role.HEAD_TEACHER, school=SCHOOL_A, class_id=klass)
    body = (await demo.gql(CREATE, teacher, {"input": record_input(klass)})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_new_record_is_due_in_month(demo: Hub) -> None:
    klass = await a_class(demo)
    values = record_input(klass, entryDate="2027-01-31")
    await create(demo, REGISTRAR_A, values)
    due = await scalar(
        demo,
        select(Enrolment.record_due)
        .join(Student, Student.id == Enrolment.student_id)
        .where(Student.student_number == "G11010520150307118X"),
    )
    assert due == date(2027, 2, 28)


# 第十一条 — one person, one record, one number


async def test_other_school_duplicate_is_refused(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    other = await class_id(demo, SCHOOL_B, "1-1")
    again = await create(demo, REGISTRAR_B, record_input(other, name="测试乙"))
    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE_PERSON"]
    assert "其他学校" in again["userErrors"][0]["message"]
    assert "G11010520150307118X" in again["userErrors"][0]["message"]


async def test_concurrent_creates_make_one_record(demo: Hub) -> None:
    klass = await a_class(demo)
    other = await class_id(demo, SCHOOL_B, "1-1")
    before = await count_students(demo)
    responses = await asyncio.gather(
        demo.gql(CREATE, REGISTRAR_A, {"input": record_input(klass)}),
        demo.gql(CREATE, REGISTRAR_B, {"input": record_input(other)}),
    )
    results = [r.json()["data"]["createStudentRecord"] for r in responses]
    made = [r["student"]["studentNumber"] for r in results if r["student"]]
    refused = [e["code"] for r in results for e in r["userErrors"]]
    assert (made, refused) == (["G11010520150307118X"], ["DUPLICATE_PERSON"])
    assert await count_students(demo) == before + 1


async def test_constraint_refusal_names_existing_record(
    demo: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_look_up(*args: Any, **kwargs: Any) -> None:
        return None

    # Without the look-up, only the unique ID hash stands in the way, as when two
    # requests race on PostgreSQL.
    monkeypatch.setattr(records_write, "check_not_duplicate", no_look_up)
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    again = await create(demo, REGISTRAR_A, record_input(klass, name="测试乙"))
    assert again["student"] is None
    assert [(e["code"], e["field"], e["article"]) for e in again["userErrors"]] == [
        ("DUPLICATE_PERSON", ["idNumber"], "第十一条")
    ]
    assert again["userErrors"][0]["message"] == (
        "该学生已在本校建立学籍（学籍号G11010520150307118X），不得重复建立。"
    )


async def test_passport_gets_temporary_number(demo: Hub) -> None:
    klass = await a_class(demo)
    values = record_input(
        klass,
        idType="A",
        idNumber="e12345678",
        nationality="USA",
        hmtOverseas="51",
        birthDate="2019-10-02",
        sex="1",
    )
    result = await create(demo, REGISTRAR_A, values)
    number = result["student"]["studentNumber"]
    assert (number[:15], len(number), result["student"]["idNumber"]) == (
        "L21031120191002",
        19,
        "E12345678",
    )


async def test_blank_other_document_gets_j_number(demo: Hub) -> None:
    klass = await a_class(demo)
    base = {"idType": "Z", "idNumber": None, "birthDate": "2019-10-02", "sex": "1"}
    first = await create(
        demo, REGISTRAR_A, record_input(klass, attendanceProofFiled=True, **base)
    )
    second = await create(
        demo,
        REGISTRAR_A,
        record_input(klass, attendanceProofFiled=True, name="测试丙", **base),
    )
    numbers = [first["student"]["studentNumber"], second["student"]["studentNumber"]]
    assert [n[:18] for n in numbers] == ["J21031120191002001", "J21031120191002002"]


# Corrections and the number's history


async def test_update_changes_items_and_logs(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    result = await demo.data(
        UPDATE,
        REGISTRAR_A,
        {
            "input": {
                "studentNumber": "G11010520150307118X",
                "name": "测试丁",
                "phone": None,
            }
        },
    )
    assert result["updateStudentRecord"]["userErrors"] == [
        {"code": "REQUIRED_FIELD_MISSING", "field": ["phone"], "article": "第十条"}
    ]
    result = await demo.data(
        UPDATE,
        REGISTRAR_A,
        {"input": {"studentNumber": "G11010520150307118X", "name": "测试丁"}},
    )
    assert result["updateStudentRecord"]["student"]["name"] == "测试丁"
    changes = await scalar(
        demo, select(RecordChange.changes).where(RecordChange.kind == "UPDATE")
    )
    assert changes == {"name": ["测试甲", "测试丁"]}


async def test_unreported_id_fix_renumbers(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    result = await demo.data(
        UPDATE,
        REGISTRAR_A,
        {
            "input": {
                "studentNumber": "G11010520150307118X",
                "idNumber": "110105201510151006",
            }
        },
    )
    assert result["updateStudentRecord"] == {
        "student": {
            "studentNumber": "G110105201510151006",
            "formerNumbers": ["G11010520150307118X"],
            "name": "测试甲",
            "idNumber": "110105201510151006",
            "birthDate": "2015-10-15",
            "recordState": "DRAFT",
        },
        "userErrors": [],
    }
    old = await demo.data(LOOKUP, REGISTRAR_A, {"number": "G11010520150307118X"})
    assert old["student"]["studentNumber"] == "G110105201510151006"


async def test_id_change_rechecks_duplicates(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    await create(demo, REGISTRAR_A, record_input(klass, idNumber="110105201510151006"))
    values = {"studentNumber": "G110105201510151006", "idNumber": "11010520150307118x"}
    result = await demo.data(UPDATE, REGISTRAR_A, {"input": values})
    assert result["updateStudentRecord"] == {
        "student": None,
        "userErrors": [
            {"code": "DUPLICATE_PERSON", "field": ["idNumber"], "article": "第十一条"}
        ],
    }


async def test_j_number_upgrades_keeping_old(demo: Hub) -> None:
    klass = await a_class(demo)
    values = record_input(
        klass,
        idType="Z",
        idNumber=None,
        attendanceProofFiled=True,
        birthDate="2015-03-07",
        sex="2",
    )
    created = await create(demo, REGISTRAR_A, values)
    j_number = created["student"]["studentNumber"]
    upgrade = """
    mutation Up($input: UpgradeStudentNumberInput!) {
      upgradeStudentNumber(input: $input) {
        student { studentNumber formerNumbers } userErrors { code } } }
    """
    result = await demo.data(
        upgrade,
        REGISTRAR_A,
        {"input": {"studentNumber": j_number, "idNumber": "11010520150307118x"}},
    )
    assert result["upgradeStudentNumber"] == {
        "student": {
            "studentNumber": "G11010520150307118X",
            "formerNumbers": [j_number],
        },
        "userErrors": [],
    }
    rows = await scalar(
        demo,
        select(func.count())
        .select_from(StudentNumber)
        .where(StudentNumber.number == j_number),
    )
    assert rows == 1


# C05 — same child twice: re-entry and cross-school duplicates

REENROL = """
mutation Reenrol($input: ReenrolStudentInput!) {
  reenrolStudent(input: $input) {
    student { studentNumber status school { code }
      enrolments { entryDate exitDate entryReason school { code } } }
    userErrors { code field }
  }
}
"""


async def _leave(hub: Hub, number: str, on: date) -> None:
    student_id = await scalar(
        hub, select(Student.id).where(Student.student_number == number)
    )
    await execute(
        hub,
        update(Enrolment)
        .where(Enrolment.student_id == student_id, Enrolment.exit_date.is_(None))
        .values(exit_date=on, exit_reason="EMIGRATED"),
    )
    await execute(
        hub,
        update(Placement)
        .where(Placement.student_id == student_id, Placement.end_date.is_(None))
        .values(end_date=on),
    )
    await execute(
        hub, update(Student).where(Student.id == student_id).values(status="LEFT_OTHER")
    )


async def test_c05_reentry_reuses_person_and_number(demo: Hub) -> None:
    old_class = await add_class(demo, SCHOOL_A, 2020, 1, "2020级1班")
    new_class = await add_class(demo, SCHOOL_B, 2025, 6, "2025级6班")
    freeze(demo, date(2020, 9, 1))
    values = record_input(
        old_class, idNumber="31011520140823100X", entryDate="2020-09-01", grade=1
    )
    first = await create(demo, REGISTRAR_A, values)
    assert first["student"]["studentNumber"] == "G31011520140823100X"
    await _leave(demo, "G31011520140823100X", date(2023, 6, 30))

    freeze(demo, date(2025, 9, 1))
    values = record_input(
        new_class, idNumber="31011520140823100x", entryDate="2025-09-01", grade=6
    )
    refused = await create(demo, REGISTRAR_B, values)
    assert [e["code"] for e in refused["userErrors"]] == ["DUPLICATE_PERSON"]
    assert "reenrolStudent" in refused["userErrors"][0]["message"]
    assert "G31011520140823100X" in refused["userErrors"][0]["message"]

    reentry = {
        "studentNumber": "G31011520140823100X",
        "entryDate": "2025-09-01",
        "grade": 6,
        "classId": str(new_class),
    }
    result = await demo.data(REENROL, REGISTRAR_B, {"input": reentry})
    assert result["reenrolStudent"] == {
        "student": {
            "studentNumber": "G31011520140823100X",
            "status": "STUDYING",
            "school": {"code": SCHOOL_B},
            "enrolments": [
                {
                    "entryDate": "2020-09-01",
                    "exitDate": "2023-06-30",
                    "entryReason": "NEW_ENTRY",
                    "school": {"code": SCHOOL_A},
                },
                {
                    "entryDate": "2025-09-01",
                    "exitDate": None,
                    "entryReason": "REENTRY",
                    "school": {"code": SCHOOL_B},
                },
            ],
        },
        "userErrors": [],
    }
    people = await scalar(
        demo,
        select(func.count())
        .select_from(Student)
        .where(Student.student_number == "G31011520140823100X"),
    )
    assert people == 1


async def test_reenrol_while_enrolled_is_refused(demo: Hub) -> None:
    klass = await a_class(demo)
    await create(demo, REGISTRAR_A, record_input(klass))
    other = await class_id(demo, SCHOOL_B, "1-1")
    reentry = {
        "studentNumber": "G11010520150307118X",
        "entryDate": "2026-09-20",
        "grade": 1,
        "classId": str(other),
    }
    result = await demo.data(REENROL, REGISTRAR_B, {"input": reentry})
    assert result["reenrolStudent"] == {
        "student": None,
        "userErrors": [{"code": "ALREADY_ENROLLED", "field": ["studentNumber"]}],
    }
