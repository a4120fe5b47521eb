"""Cohort import (第十条): every bad row reported, then all rows or none."""

from __future__ import annotations

import base64
import random
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Enrolment, Student
from hub.cli import main as cli_main
from hub.people import birth_date_for_grade, make_person, phone
from resolvers.context import RequestContext
from resolvers.records_import import ImportReport, run_import
from resolvers.records_import_file import ImportFormat, template_bytes
from rules.access import Principal, Role
from rules.errors import RuleViolation
from rules.identity import parse_id_number
from tests.conftest import TEST_FIELD_KEY, TEST_TOKEN_KEY, Hub
from tests.resolvers.test_records_write import REGISTRAR_A, SCHOOL_A, freeze, scalar

# 岫岩 (210323): no demo student is born there, so made-up IDs never meet theirs.
AREA = "210323"
TODAY = date(2026, 9, 10)


def cohort(size: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``size`` made-up grade-1 children of school year 2026, keyed by header."""
    rng = random.Random(seed)
    taken: set[str] = set()
    rows = []
    for index in range(size):
        born = birth_date_for_grade(rng, 1, 2026)
        child = make_person(rng, born, area=AREA, taken=taken)
        rows.append(
            {
                "姓名": child.name,
                "性别": child.sex,
                "出生日期": born.isoformat(),
                "出生地": AREA,
                "籍贯": AREA,
                "民族": "01",
                "国籍/地区": "CHN",
                "身份证件类型": "1",
                "身份证件号": child.id_number,
                "港澳台侨外": "00",
                "健康状况": "10",
                "户口所在地": AREA,
                "户口性质": "1",
                "年级": 1,
                "班级": "1-1" if index % 2 == 0 else "1-2",
                "入学年月": "2026-09",
                "入学方式": "11",
                "就读方式": "1",
                "现住址": "千山区测试路1号",
                "通信地址": "千山区测试路1号",
                "家庭地址": "千山区测试路1号",
                "联系电话": phone(rng),
                "邮政编码": "114041",
                "是否独生子女": "是",
                "是否受过学前教育": "是",
                "监护人1姓名": child.name[0] + "测试",
                "监护人1关系": "1",
                "监护人1联系电话": phone(rng),
            }
        )
    return rows


def context(hub: Hub, principal: Principal = REGISTRAR_A) -> RequestContext:
    return RequestContext(
        principal=principal,
        sessionmaker=hub.state.sessionmaker,
        crypto=hub.state.crypto,
        request_id=uuid.uuid4().hex,
        now=hub.state.clock(),
        settings=hub.settings,
    )


async def load(
    hub: Hub, data: bytes, fmt: ImportFormat, *, dry_run: bool
) -> tuple[ImportReport | None, list[RuleViolation]]:
    ctx = context(hub)
    try:
        return await run_import(ctx, data, fmt, dry_run=dry_run)
    finally:
        await ctx.close()


def cells(report: ImportReport | None) -> set[tuple[int, str | None, str]]:
    assert report is not None
    return {(f.row, f.column, f.code) for f in report.faults}


async def count_students(hub: Hub) -> int:
    return int(await scalar(hub, select(func.count()).select_from(Student)))


@pytest.mark.slow
async def test_generated_5000_rows_dry_run_clean(demo: Hub) -> None:
    # How fast this goes is measured by benchmarks/import_5000.py, not here.
    freeze(demo, TODAY)
    before = await count_students(demo)
    data = template_bytes(ImportFormat.XLSX, cohort(5000))
    dry, dry_errors = await load(demo, data, ImportFormat.XLSX, dry_run=True)
    assert dry_errors == []
    assert dry is not None
    assert (dry.rows, dry.faults, dry.imported) == (5000, [], 0)
    assert await count_students(demo) == before


async def test_generated_cohort_imports_whole(demo: Hub) -> None:
    freeze(demo, TODAY)
    before = await count_students(demo)
    data = template_bytes(ImportFormat.XLSX, cohort(500))
    report, errors = await load(demo, data, ImportFormat.XLSX, dry_run=False)
    assert errors == []
    assert report is not None
    assert (report.rows, report.faults, report.imported) == (500, [], 500)
    assert await count_students(demo) == before + 500


async def test_csv_dry_run_writes_nothing(demo: Hub) -> None:
    freeze(demo, TODAY)
    before = await count_students(demo)
    data = template_bytes(ImportFormat.CSV, cohort(50))
    report, errors = await load(demo, data, ImportFormat.CSV, dry_run=True)
    assert errors == []
    assert report == ImportReport(dry_run=True, rows=50, faults=[], imported=0)
    assert await count_students(demo) == before


async def test_import_writes_whole_records(demo: Hub) -> None:
    freeze(demo, TODAY)
    rows = cohort(4)
    report, _ = await load(
        demo, template_bytes(ImportFormat.CSV, rows), ImportFormat.CSV, dry_run=False
    )
    assert report is not None and report.imported == 4
    first = rows[0]["身份证件号"]
    stmt = (
        select(Student.student_number, Student.record_state, Enrolment.record_due)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Student.id_number_hash == demo.state.crypto.lookup_hash(first))
    )
    async with demo.state.sessionmaker() as session:
        found = (await session.execute(stmt)).all()
    assert [tuple(r) for r in found] == [("G" + first, "DRAFT", date(2026, 10, 1))]


async def _demo_child(hub: Hub) -> dict[str, Any]:
    cipher = await scalar(hub, select(Student.id_number_cipher).limit(1))
    number = hub.state.crypto.decrypt(cipher)
    resident = parse_id_number(number, today=TODAY)
    return {
        "身份证件号": number,
        "出生日期": resident.birth_date.isoformat(),
        "性别": resident.sex,
    }


async def test_twenty_planted_faults_reported_exactly(demo: Hub) -> None:
    freeze(demo, TODAY)
    rows = cohort(200, seed=7)
    odd = "11010520150307104X"
    plants: list[tuple[dict[str, Any], str, str]] = [
        (
            {
                "身份证件号": rows[0]["身份证件号"][:17]
                + ("1" if rows[0]["身份证件号"][17] != "1" else "2")
            },
            "身份证件号",
            "CHECK_DIGIT_MISMATCH",
        ),
        ({"身份证件号": "1101052015O3071040"}, "身份证件号", "INVALID_ID_FORMAT"),
        ({"出生日期": "2019-01-01"}, "出生日期", "BIRTH_DATE_MISMATCH"),
        ({"性别": "1" if rows[156]["性别"] == "2" else "2"}, "性别", "SEX_MISMATCH"),
        ({"民族": "99"}, "民族", "INVALID_CODE"),
        ({"国籍/地区": "XXX"}, "国籍/地区", "INVALID_CODE"),
        ({"健康状况": ""}, "健康状况", "REQUIRED_FIELD_MISSING"),
        ({"出生地": "210399"}, "出生地", "INVALID_DIVISION_CODE"),
        ({"联系电话": "12"}, "联系电话", "INVALID_PHONE"),
        ({"邮政编码": "1140"}, "邮政编码", "INVALID_POSTCODE"),
        ({"电子信箱": "abc"}, "电子信箱", "INVALID_EMAIL"),
        ({"入学年月": "2026-13"}, "入学年月", "INVALID_DATE"),
        ({"是否独生子女": "也许"}, "是否独生子女", "INVALID_BOOLEAN"),
        ({"年级": "一"}, "年级", "INVALID_NUMBER"),
        ({"班级": "9-9"}, "班级", "CLASS_NOT_FOUND"),
        ({"年级": 2}, "年级", "GRADE_CLASS_MISMATCH"),
        (
            {"随班就读": "1", "残疾类型": "4"},
            "残疾类型",
            "INCLUSIVE_CLASS_DISABILITY_MISMATCH",
        ),
        (
            {
                "身份证件号": rows[100]["身份证件号"],
                "出生日期": rows[100]["出生日期"],
                "性别": rows[100]["性别"],
            },
            "身份证件号",
            "DUPLICATE_IN_FILE",
        ),
        (await _demo_child(demo), "身份证件号", "DUPLICATE_PERSON"),
        ({"监护人1关系": ""}, "监护人1关系", "REQUIRED_FIELD_MISSING"),
    ]
    expected = set()
    for index, (changes, column, code) in enumerate(plants):
        at = 150 + index * 2
        rows[at].update(changes)
        expected.add((at + 2, column, code))
    assert odd not in {r["身份证件号"] for r in rows}
    before = await count_students(demo)
    for fmt in (ImportFormat.XLSX, ImportFormat.CSV):
        report, errors = await load(demo, template_bytes(fmt, rows), fmt, dry_run=False)
        assert cells(report) == expected
        assert [e.code for e in errors] == ["IMPORT_REJECTED"]
    assert await count_students(demo) == before


async def test_unknown_column_refuses_file(demo: Hub) -> None:
    data = "姓名,身份证号码\n测试,1\n".encode()
    report, errors = await load(demo, data, ImportFormat.CSV, dry_run=True)
    assert report is None
    assert [(e.code, e.field) for e in errors] == [("IMPORT_UNKNOWN_COLUMN", ["file"])]


async def test_missing_required_column_refuses_file(demo: Hub) -> None:
    row = {k: v for k, v in cohort(1)[0].items()}
    data = template_bytes(ImportFormat.CSV, [row]).decode("utf-8-sig")
    header = data.split("\r\n", 1)[0]
    columns = header.split(",")
    kept = [i for i, c in enumerate(columns) if c != "民族"]
    lines = [
        ",".join(line.split(",")[i] for i in kept)
        for line in data.split("\r\n")
        if line
    ]
    report, errors = await load(
        demo, "\n".join(lines).encode(), ImportFormat.CSV, dry_run=True
    )
    assert (report, [e.code for e in errors]) == (None, ["IMPORT_MISSING_COLUMN"])
    assert "民族" in errors[0].message


async def test_not_a_workbook_is_refused(demo: Hub) -> None:
    report, errors = await load(demo, b"not a zip", ImportFormat.XLSX, dry_run=True)
    assert (report, [e.code for e in errors]) == (None, ["IMPORT_FILE_UNREADABLE"])


async def test_gbk_csv_is_read(demo: Hub) -> None:
    freeze(demo, TODAY)
    text = template_bytes(ImportFormat.CSV, cohort(3)).decode("utf-8-sig")
    report, errors = await load(
        demo, text.encode("gb18030"), ImportFormat.CSV, dry_run=True
    )
    assert (
        errors,
        report.rows if report else None,
        report.faults if report else None,
    ) == ([], 3, [])


# Through GraphQL: the file as base64 in a JSON string (C13: no multipart)

IMPORT = """
mutation I($input: ImportStudentRecordsInput!) {
  importStudentRecords(input: $input) {
    dryRun rowCount importedCount
    rowErrors { row column field code article }
    userErrors { code field }
  }
}
"""


async def test_graphql_import_takes_base64(demo: Hub) -> None:
    freeze(demo, TODAY)
    rows = cohort(20)
    rows[3]["民族"] = "99"
    encoded = base64.b64encode(template_bytes(ImportFormat.XLSX, rows)).decode()
    data = await demo.data(
        IMPORT,
        REGISTRAR_A,
        {"input": {"file": encoded, "format": "XLSX", "dryRun": False}},
    )
    assert data["importStudentRecords"] == {
        "dryRun": False,
        "rowCount": 20,
        "importedCount": 0,
        "rowErrors": [
            {
                "row": 5,
                "column": "民族",
                "field": ["ethnicity"],
                "code": "INVALID_CODE",
                "article": "学籍基础信息填报说明",
            }
        ],
        "userErrors": [{"code": "IMPORT_REJECTED", "field": ["file"]}],
    }


async def test_repeated_import_answers_first_result(demo: Hub) -> None:
    freeze(demo, TODAY)
    encoded = base64.b64encode(template_bytes(ImportFormat.CSV, cohort(5))).decode()
    values = {
        "file": encoded,
        "format": "CSV",
        "dryRun": False,
        "clientRequestId": "cohort-2026-1",
    }
    before = await count_students(demo)
    answers = [
        (await demo.data(IMPORT, REGISTRAR_A, {"input": values}))[
            "importStudentRecords"
        ]
        for _ in range(2)
    ]
    expected = {
        "dryRun": False,
        "rowCount": 5,
        "importedCount": 5,
        "rowErrors": [],
        "userErrors": [],
    }
    assert answers == [expected, expected]
    assert await count_students(demo) == before + 5


async def test_graphql_import_refuses_bad_base64(demo: Hub) -> None:
    data = await demo.data(
        IMPORT, REGISTRAR_A, {"input": {"file": "***", "format": "CSV"}}
    )
    assert data["importStudentRecords"]["userErrors"] == [
        {"code": "IMPORT_FILE_NOT_BASE64", "field": ["file"]}
    ]


async def test_district_officer_cannot_import(demo: Hub) -> None:
    officer = Principal("o", Role.DISTRICT_OFFICER, district="210311")
    encoded = base64.b64encode(template_bytes(ImportFormat.CSV, cohort(1))).decode()
    body = (
        await demo.gql(IMPORT, officer, {"input": {"file": encoded, "format": "CSV"}})
    ).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


# The command line: xueji import FILE --school CODE [--dry-run]


def test_cli_dry_run_then_import(
    demo: Hub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XUEJI_DATABASE_URL", demo.settings.database_url)
    monkeypatch.setenv("XUEJI_FIELD_KEY", TEST_FIELD_KEY)
    monkeypatch.setenv("XUEJI_TOKEN_KEY", TEST_TOKEN_KEY)
    monkeypatch.setenv("XUEJI_ENV", "dev")
    path = tmp_path / "cohort.xlsx"
    rows = cohort(30)
    path.write_bytes(template_bytes(ImportFormat.XLSX, rows))
    args = ["import", str(path), "--school", SCHOOL_A, "--school-year", "2026"]
    assert cli_main([*args, "--dry-run"]) == 0
    assert cli_main(args) == 0
    assert cli_main(args) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "检查完成：共30行，错误0处，写入0条。",
        "导入完成：共30行，错误0处，写入30条。",
    ]
    assert out[2].startswith("第2行\t身份证件号\tDUPLICATE_PERSON\t")
