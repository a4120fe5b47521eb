"""Shared pieces of the archive schema: enums from the rules, and provenance."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from resolvers.errors import ClientError
from rules.access import AccessClass, DisclosureCategory
from rules.aid import AidKind, AidPeriod
from rules.archive import ArchiveCategory, SchoolStage
from rules.attendance import AttendanceKind
from rules.conduct import AwardForm, AwardLevel, SanctionKind
from rules.errors import RuleViolation
from rules.graduation import ResultLevel
from schema.permissions import classified

DIRECTORY = AccessClass.DIRECTORY


def _mirror(source: type[Enum], description: str) -> Any:
    # A GraphQL enum with the rule enum's names and values; the rule enum itself
    # stays free of GraphQL (rules import nothing of the project).
    members = {member.name: member.value for member in source}
    mirrored = Enum(source.__name__, members)  # type: ignore[misc]
    return strawberry.enum(mirrored, description=description)


AttendanceKindEnum = _mirror(
    AttendanceKind, "考勤项目 (第三十四条): 出勤, 迟到, 早退, 病假, 事假, 旷课."
)
AwardFormEnum = _mirror(
    AwardForm, "奖励形式 (第二十九条): 公开表扬, 通报表扬, 发奖状（章）, 授予荣誉称号."
)
AwardLevelEnum = _mirror(AwardLevel, "Level of an award, school to national.")
SanctionKindEnum = _mirror(
    SanctionKind, "处分 (第三十条): 警告, 严重警告, 记过, 留校察看; never expulsion."
)
AidKindEnum = _mirror(AidKind, "资助项目: 两免一补 and the nutrition programme.")
AidPeriodEnum = _mirror(AidPeriod, "What a grant is for: a school year or a term.")
SchoolStageEnum = _mirror(SchoolStage, "小学 or 初中 (第二条, 六三分段).")
ResultLevelEnum = _mirror(ResultLevel, "合格 or 不合格 where a course has no score.")
ArchiveCategoryEnum = _mirror(ArchiveCategory, "The seven categories of 第十一条.")


def to_enum(gql_enum: Any, value: str | None) -> Any:
    """A stored code as the GraphQL enum, or None."""
    return None if value is None else gql_enum(value)


def rule_value(value: Any) -> str:
    """The code of a GraphQL enum member, for the rules."""
    return str(value.value)


@strawberry.type(
    name="Provenance",
    description="Where an archive entry came from: entered at the desk by whom, "
    "or pulled by which source, record and sync run.",
)
class ProvenanceType:
    entered_by: str | None = classified(DIRECTORY, description="Who entered it.")
    entered_at: datetime | None = classified(DIRECTORY)
    source: str | None = classified(DIRECTORY, description="Outside system.")
    source_record_id: str | None = classified(DIRECTORY)
    sync_run_id: int | None = classified(DIRECTORY)
    fetched_at: datetime | None = classified(DIRECTORY)


def provenance(row: Any) -> ProvenanceType:
    """The provenance columns of any archive row."""
    return ProvenanceType(
        entered_by=row.entered_by,
        entered_at=row.entered_at,
        source=getattr(row, "source", None),
        source_record_id=getattr(row, "source_record_id", None),
        sync_run_id=getattr(row, "sync_run_id", None),
        fetched_at=getattr(row, "fetched_at", None),
    )


@strawberry.type(name="ArchiveCategoryInfo", description="One category of 第十一条.")
class ArchiveCategoryInfo:
    category: ArchiveCategoryEnum = classified(  # type: ignore[valid-type]
        AccessClass.PUBLIC
    )
    label: str = classified(AccessClass.PUBLIC, description="The article's wording.")
    clause: str = classified(AccessClass.PUBLIC, description="e.g. 第十一条（四）.")


def category_infos() -> list[ArchiveCategoryInfo]:
    return [
        ArchiveCategoryInfo(
            category=ArchiveCategoryEnum(c.value), label=c.label, clause=c.clause
        )
        for c in ArchiveCategory
    ]


def field_of(access_class: AccessClass, category: DisclosureCategory) -> Any:
    """A factory of classified fields for one entry type."""

    def make(description: str | None = None) -> Any:
        return classified(access_class, category, description=description)

    return make


def refused(violation: RuleViolation) -> ClientError:
    """A rule's refusal met while reading, as a client error with its code."""
    return ClientError(
        violation.message,
        code=violation.code,
        article=violation.article,
        field=violation.field,
    )
