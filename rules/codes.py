"""Code tables of the national 学籍 form and GB/T 2260 division codes.

Each table is a JSON file ``rules/data/code_<name>.json`` that records its source and
how sure that source is (✅ stated by the source, ⚠️ third-party only, ❓ unverified).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType

from stdnum import numdb

from rules.errors import RuleViolation

TABLE_NAMES = (
    "sex",
    "ethnicity",
    "nationality",
    "id_document_type",
    "hmt_overseas",
    "political_status",
    "health_status",
    "household_type",
    "entry_route",
    "attendance_mode",
    "student_source",
    "yes_no",
    "left_behind",
    "inclusive_class",
    "disability_type",
    "commute_mode",
    "family_relation",
    "status_change_category",
    "student_status",
    "division_anshan",
)

DIVISION_STANDARD = "GB/T 2260"
_DIVISION_RE = re.compile(r"[0-9]{6}")
_ERA_RE = re.compile(r"\[(?P<start>[0-9]*)-(?P<end>[0-9]*)\](?P<name>.+)")


@dataclass(frozen=True)
class CodeTable:
    """One code table with where it comes from."""

    name: str
    title: str
    source: str
    certainty: str
    note: str | None
    codes: Mapping[str, str]


@dataclass(frozen=True)
class DivisionEra:
    """A name a division code carried from ``start`` to ``end`` (years, inclusive)."""

    name: str
    start: int | None
    end: int | None

    def covers(self, year: int) -> bool:
        if self.start is not None and year < self.start:
            return False
        return self.end is None or year <= self.end


@cache
def load_table(name: str) -> CodeTable:
    """The table ``name`` with its metadata; unknown names raise ``KeyError``."""
    if name not in TABLE_NAMES:
        raise KeyError(name)
    resource = resources.files("rules").joinpath("data", f"code_{name}.json")
    raw = json.loads(resource.read_text(encoding="utf-8"))
    return CodeTable(
        name=raw["name"],
        title=raw["title"],
        source=raw["source"],
        certainty=raw["certainty"],
        note=raw.get("note"),
        codes=MappingProxyType(dict(raw["codes"])),
    )


def code_table(name: str) -> Mapping[str, str]:
    """Code → Chinese label of the table ``name`` (read-only, loaded once)."""
    return load_table(name).codes


def _path(field: str | Sequence[str]) -> list[str]:
    return [field] if isinstance(field, str) else list(field)


def check_code(table: str, value: str, field: str | Sequence[str]) -> None:
    """Refuse ``value`` unless it is a code of ``table`` (学籍 填报说明, DOMAIN §2)."""
    info = load_table(table)
    if value in info.codes:
        return
    raise RuleViolation(
        "INVALID_CODE",
        f"“{value}”不是有效的{info.title}代码。",
        article="学籍基础信息填报说明",
        field=_path(field),
    )


# python-stdnum walks its table on every look-up (about a millisecond); a cohort
# import asks for the same few codes thousands of times.
@lru_cache(maxsize=4096)
def division_eras(code: str) -> tuple[DivisionEra, ...]:
    """Every name GB/T 2260 gave the six-digit ``code``; empty when it never existed.

    Uses python-stdnum's bundled division table (``cn/loc``), which keeps the history
    of each code; 2103xx placeholders such as 210390 高新区 are not in it.
    """
    if not _DIVISION_RE.fullmatch(code):
        return ()
    parts = numdb.get("cn/loc").info(code)
    props = {key: value for _part, found in parts for key, value in found.items()}
    if "county" not in props:
        return ()
    return tuple(_parse_era(text) for text in props["county"].split(","))


def _parse_era(text: str) -> DivisionEra:
    match = _ERA_RE.fullmatch(text)
    if match is None:
        return DivisionEra(name=text, start=None, end=None)
    start, end = match.group("start"), match.group("end")
    return DivisionEra(
        name=match.group("name"),
        start=int(start) if start else None,
        end=int(end) if end else None,
    )


def division_name(code: str, *, year: int | None = None) -> str | None:
    """The division's name (current one, or the one valid in ``year``), else None."""
    eras = division_eras(code)
    if year is not None:
        eras = tuple(era for era in eras if era.covers(year))
    if not eras:
        return None
    return eras[-1].name


# Limitation: only six-digit codes are accepted; the 12-digit statistical codes some
# provinces use for 出生地 would need the 统计用区划代码 table, which is not collected.
def check_division_code(
    value: str, field: str | Sequence[str], *, year: int | None = None
) -> None:
    """Refuse a value that is not a GB/T 2260 division code (in ``year``, if given)."""
    if division_name(value, year=year) is not None:
        return
    raise RuleViolation(
        "INVALID_DIVISION_CODE",
        f"“{value}”不是有效的行政区划代码（六位）。",
        article=DIVISION_STANDARD,
        field=_path(field),
    )
