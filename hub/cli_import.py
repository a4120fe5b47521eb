"""``xueji import FILE --school CODE [--dry-run]``: load a cohort of records (第十条).

The same checks and the same all-or-nothing write as the ``importStudentRecords``
mutation, run as the school's registrar; for files too large for a request body.
Exit status: 0 when the file is clean (and, without ``--dry-run``, written), 1 when
any row has a fault or the file was refused, 2 when the file cannot be opened.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.settings import Settings
from rules.access import Principal, Role

_FORMATS = {".xlsx": "XLSX", ".csv": "CSV"}


def add_import_command(commands: Any) -> None:
    """Register ``import`` on the ``xueji`` sub-command parser."""
    command = commands.add_parser(
        "import", help="load new student records from an .xlsx or .csv file"
    )
    command.add_argument("file", help="the national template's columns, header row 1")
    command.add_argument("--school", required=True, help="10-digit school code")
    command.add_argument(
        "--dry-run", action="store_true", help="check every row, write nothing"
    )
    command.add_argument(
        "--school-year", type=int, help="school year of the classes (default: now)"
    )
    command.add_argument("--format", choices=["xlsx", "csv"], help="default: suffix")
    command.set_defaults(handler=run_import_command)


def run_import_command(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    fmt = (args.format or "").upper() or _FORMATS.get(path.suffix.lower())
    if fmt is None:
        print(
            "xueji import: 文件应为 .xlsx 或 .csv（或用 --format 指定）。",
            file=sys.stderr,
        )
        return 2
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"xueji import: 无法读取文件：{exc}", file=sys.stderr)
        return 2
    return asyncio.run(
        _run(settings, args.school, data, fmt, args.dry_run, args.school_year)
    )


async def _run(
    settings: Settings,
    school: str,
    data: bytes,
    fmt: str,
    dry_run: bool,
    school_year: int | None,
) -> int:
    # Imported here: the rest of the command line does not need the resolvers.
    from db.crypto import FieldCrypto
    from db.engine import make_engine, make_sessionmaker
    from resolvers.context import RequestContext
    from resolvers.records_import import run_import
    from resolvers.records_import_file import ImportFormat

    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    ctx = RequestContext(
        principal=Principal(f"cli-import:{school}", Role.REGISTRAR, school=school),
        sessionmaker=make_sessionmaker(engine),
        crypto=FieldCrypto(settings.field_key_bytes()),
        request_id=uuid.uuid4().hex,
        now=datetime.now(UTC),
        settings=settings,
    )
    try:
        report, errors = await run_import(
            ctx, data, ImportFormat(fmt), dry_run=dry_run, school_year=school_year
        )
    finally:
        await ctx.close()
        await engine.dispose()
    for fault in report.faults if report else []:
        column = fault.column or "-"
        print(f"第{fault.row}行\t{column}\t{fault.code}\t{fault.message}")
    for error in errors:
        print(f"{error.code}\t{error.message}", file=sys.stderr)
    if report is not None:
        action = "检查" if dry_run else "导入"
        print(
            f"{action}完成：共{report.rows}行，错误{len(report.faults)}处，"
            f"写入{report.imported}条。"
        )
    return 1 if errors or (report is not None and report.faults) else 0
