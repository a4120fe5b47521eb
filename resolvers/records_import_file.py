"""The cohort file: the national template's columns, read from .xlsx or CSV.

The header row holds the Chinese item names of 《全国中小学学籍管理系统学生基本信息表》
(DOMAIN §2.1, ``rules/data/form_basic_info_items.json``); family members or
guardians 1 and 2 take the same names prefixed ``监护人1`` / ``监护人2``. One extra
column, ``已留存就读证明``, says whether the school keeps the signed proof of
attendance that a type Z document without a number needs.
"""

from __future__ import annotations

import csv
import io
import math
import typing
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from rules.errors import RuleViolation
from rules.records import FORM, MAX_GUARDIANS, BasicInfo, camel, form_items
from rules.records import Guardian as GuardianInfo

PROOF_COLUMN = "已留存就读证明"
MAX_IMPORT_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000
GUARDIAN_PREFIX = "监护人"
# Items a file cannot carry (a photo is not a cell).
_SKIPPED = frozenset({"photo"})
# Coded items whose codes have two digits: a spreadsheet that turned "01" into
# the number 1 gets its leading zero back.
_TWO_DIGIT = frozenset(
    {"ethnicity", "hmt_overseas", "political_status", "health_status", "entry_route"}
)
_TRUE = frozenset({"是", "1", "true", "y", "yes"})
_FALSE = frozenset({"否", "0", "false", "n", "no"})
_STUDENT_TYPES = typing.get_type_hints(BasicInfo)
_GUARDIAN_TYPES = typing.get_type_hints(GuardianInfo)


class ImportFormat(StrEnum):
    XLSX = "XLSX"
    CSV = "CSV"


class CellError(ValueError):
    """A cell that cannot be read as its item's type; ``code`` names the fault."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ImportFileError(Exception):
    """The file as a whole cannot be read as a cohort."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.violation = RuleViolation(code, message, article=FORM, field=["file"])


@dataclass(frozen=True)
class Column:
    """Where a header leads: a student attribute, or a guardian's (index, attr)."""

    label: str
    attr: str
    guardian: int | None = None

    @property
    def path(self) -> list[str]:
        if self.guardian is None:
            return [camel(self.attr)]
        return ["guardians", str(self.guardian), camel(self.attr)]


def template_columns() -> list[Column]:
    """The template's columns, in the national form's order."""
    columns = [
        Column(item.label, attr)
        for attr, item in form_items("student").items()
        if attr not in _SKIPPED
    ]
    for index in range(MAX_GUARDIANS):
        prefix = f"{GUARDIAN_PREFIX}{index + 1}"
        columns += [
            Column(prefix + item.label, attr, index)
            for attr, item in form_items("guardian").items()
        ]
    columns.append(Column(PROOF_COLUMN, "attendance_proof_filed"))
    return columns


@cache
def _columns_by_path() -> dict[tuple[str, ...], Column]:
    return {tuple(c.path): c for c in template_columns()}


def column_for(path: Sequence[str] | None) -> Column | None:
    """The column a fault's field path points at, if the file has one."""
    return _columns_by_path().get(tuple(path)) if path else None


@dataclass
class ParsedRow:
    """One data row: the record as read, and the cells that could not be read."""

    number: int
    info: BasicInfo
    faults: list[RuleViolation] = field(default_factory=list)


def read_table(data: bytes, fmt: ImportFormat) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cells)`` of the first sheet, header first, blank rows left out."""
    rows = _xlsx_rows(data) if fmt is ImportFormat.XLSX else _csv_rows(data)
    for number, cells in enumerate(rows, start=1):
        if any(_blank(c) is not None for c in cells):
            yield number, list(cells)


def _xlsx_rows(data: bytes) -> Iterable[Sequence[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ImportFileError(
            "IMPORT_FILE_UNREADABLE", "文件不是有效的 .xlsx 工作簿。"
        ) from exc
    sheet = book.worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def _csv_rows(data: bytes) -> Iterable[Sequence[Any]]:
    # Excel in China saves CSV as GB18030 (GBK) unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text)))
    raise ImportFileError(
        "IMPORT_FILE_UNREADABLE", "CSV 文件编码无法识别（应为 UTF-8 或 GBK）。"
    )


def header_columns(header: Sequence[Any]) -> list[Column | None]:
    """Each header cell's column; refuses unknown, repeated and missing ★ columns."""
    known = {c.label: c for c in template_columns()}
    labels = [str(_blank(h) or "").strip() for h in header]
    unknown = [h for h in labels if h and h not in known]
    if unknown:
        raise ImportFileError(
            "IMPORT_UNKNOWN_COLUMN", "表头含有模板以外的列：" + "、".join(unknown)
        )
    repeated = sorted({h for h in labels if h and labels.count(h) > 1})
    if repeated:
        raise ImportFileError(
            "IMPORT_REPEATED_COLUMN", "表头列重复：" + "、".join(repeated)
        )
    required = [item.label for item in form_items("student").values() if item.required]
    missing = [label for label in required if label not in labels]
    if missing:
        raise ImportFileError(
            "IMPORT_MISSING_COLUMN", "缺少必填项所在的列：" + "、".join(missing)
        )
    return [known.get(h) for h in labels]


def parse_row(
    number: int, cells: Sequence[Any], columns: Sequence[Column | None]
) -> ParsedRow:
    """The record of one data row; unreadable cells become faults, not values."""
    student: dict[str, Any] = {}
    guardians: list[dict[str, Any]] = [{} for _ in range(MAX_GUARDIANS)]
    faults: list[RuleViolation] = []
    for column, cell in zip(columns, cells, strict=False):
        if column is None or _blank(cell) is None:
            continue
        types = _STUDENT_TYPES if column.guardian is None else _GUARDIAN_TYPES
        try:
            value = convert(cell, types[column.attr], column.attr)
        except CellError as exc:
            message = _MESSAGES[exc.code]
            faults.append(
                RuleViolation(exc.code, message, article=FORM, field=column.path)
            )
            continue
        target = student if column.guardian is None else guardians[column.guardian]
        target[column.attr] = value
    kept = tuple(GuardianInfo(**g) for g in guardians if g)
    proof = bool(student.pop("attendance_proof_filed", False))
    info = BasicInfo(**student, guardians=kept, attendance_proof_filed=proof)
    return ParsedRow(number, info, faults)


def read_cohort(data: bytes, fmt: ImportFormat) -> list[ParsedRow]:
    """The data rows of a cohort file; refuses the file as a whole when it is too
    large, empty, not the template, or unreadable."""
    if len(data) > MAX_IMPORT_BYTES:
        limit = MAX_IMPORT_BYTES // (1024 * 1024)
        raise ImportFileError("IMPORT_FILE_TOO_LARGE", f"文件不得超过{limit}MB。")
    table = read_table(data, fmt)
    header = next(table, None)
    if header is None:
        raise ImportFileError("IMPORT_FILE_EMPTY", "文件没有表头和数据行。")
    columns = header_columns(header[1])
    rows: list[ParsedRow] = []
    for number, cells in table:
        if len(rows) >= MAX_ROWS:
            message = f"一次最多导入{MAX_ROWS}行。"
            raise ImportFileError("IMPORT_TOO_MANY_ROWS", message)
        rows.append(parse_row(number, cells, columns))
    if not rows:
        raise ImportFileError("IMPORT_FILE_EMPTY", "文件没有数据行。")
    return rows


_MESSAGES: Mapping[str, str] = {
    "INVALID_DATE": "日期格式不正确（应为 2015-03-07 或 2015-03）。",
    "INVALID_NUMBER": "应填写数字。",
    "INVALID_BOOLEAN": "应填写“是”或“否”。",
}


def _blank(cell: Any) -> Any:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    return cell


def convert(cell: Any, kind: Any, attr: str) -> Any:
    """A cell as the form item's type; raises ``CellError`` when it is not one."""
    if kind in (date | None, date):
        return _date(cell)
    if kind in (bool | None, bool):
        return _boolean(cell)
    if kind in (int | None, int):
        return _number(cell, int)
    if kind in (float | None, float):
        return _number(cell, float)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    if isinstance(cell, int) and attr in _TWO_DIGIT:
        text = text.zfill(2)
    return text


def _date(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip().replace("/", "-").replace(".", "-")
    if text.isdigit() and len(text) in (6, 8):
        text = f"{text[:4]}-{text[4:6]}" + (f"-{text[6:]}" if len(text) == 8 else "")
    parts = text.split("-")
    try:
        if len(parts) == 2:
            return date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        pass
    raise CellError("INVALID_DATE")


def _boolean(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    text = str(int(cell) if isinstance(cell, float) else cell).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("INVALID_BOOLEAN")


def _number(cell: Any, kind: type[int] | type[float]) -> int | float:
    if isinstance(cell, bool):
        raise CellError("INVALID_NUMBER")
    try:
        value = float(cell)
    except (TypeError, ValueError):
        raise CellError("INVALID_NUMBER") from None
    if not math.isfinite(value):
        raise CellError("INVALID_NUMBER")
    if kind is int:
        if not value.is_integer():
            raise CellError("INVALID_NUMBER")
        return int(value)
    return value


def template_bytes(fmt: ImportFormat, rows: Iterable[Mapping[str, Any]] = ()) -> bytes:
    """The template (header row), with ``rows`` keyed by header, as a file."""
    labels = [c.label for c in template_columns()]
    lines = [[row.get(label) for label in labels] for row in rows]
    if fmt is ImportFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(labels)
        writer.writerows([["" if v is None else v for v in line] for line in lines])
        return buffer.getvalue().encode("utf-8-sig")
    # Not write-only: that mode stores inline strings, which openpyxl reads back
    # many times slower than the shared strings Excel itself writes.
    book = Workbook()
    sheet = book.active
    sheet.title = "学生基本信息"
    sheet.append(labels)
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
