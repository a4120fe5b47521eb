"""The nightly sync in GraphQL: its status and history, the quarantine, and what
it feeds — household differences for the registrar and the school-entry
vaccination check (入学查验) for the school's health staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from adapters.sync import SOURCES
from db.models import QuarantinedRecord, SyncRun
from resolvers import sync as sync_reads
from resolvers.context import RequestContext
from rules.access import AccessClass, DisclosureCategory, Relation
from rules.vaccination import MissingDose
from schema.connections import page_size
from schema.permissions import classified
from schema.records import _Linked

OPS = AccessClass.OPERATIONS
# "source" as a Python name would clash with the field guard's own argument.
SourceArg = Annotated[str | None, strawberry.argument(name="source")]
DIRECTORY = AccessClass.DIRECTORY


def _ops(description: str | None = None) -> Any:
    return classified(OPS, description=description)


def _health(description: str | None = None) -> Any:
    return classified(
        AccessClass.HEALTH, DisclosureCategory.HEALTH, description=description
    )


def _identity(description: str | None = None) -> Any:
    return classified(
        AccessClass.IDENTITY,
        DisclosureCategory.PROOF_DOCUMENTS,
        description=description,
    )


@strawberry.type(name="SyncRun", description="One run of one source of the sync.")
class SyncRunType:
    id: int | None = _ops()
    source: str | None = _ops()
    status: str | None = _ops("RUNNING, SUCCEEDED, FAILED or INTERRUPTED.")
    full: bool | None = _ops("Read from the start instead of the watermark.")
    started_at: datetime | None = _ops()
    finished_at: datetime | None = _ops()
    since: str | None = _ops("The watermark the run started from.")
    reached: str | None = _ops("The watermark its last saved page reached.")
    pages: int | None = _ops()
    fetched: int | None = _ops()
    upserted: int | None = _ops()
    deleted: int | None = _ops("Entries withdrawn because the source deleted them.")
    quarantined: int | None = _ops()
    errors: JSON | None = _ops("[{kind, message, status, attempts, path, at}]")


def run_type(row: SyncRun) -> SyncRunType:
    return SyncRunType(
        id=row.id,
        source=row.source,
        status=row.status,
        full=row.full,
        started_at=row.started_at,
        finished_at=row.finished_at,
        since=row.since,
        reached=row.reached,
        pages=row.pages,
        fetched=row.fetched,
        upserted=row.upserted,
        deleted=row.deleted,
        quarantined=row.quarantined,
        errors=cast(JSON, list(row.errors or [])),
    )


@strawberry.type(name="SyncSourceStatus", description="Where one source stands.")
class SyncSourceStatusType:
    source: str | None = _ops()
    watermark: str | None = _ops("Where the next incremental run starts.")
    watermark_updated_at: datetime | None = _ops()
    last_run: SyncRunType | None = _ops()
    open_quarantined: int | None = _ops("Records waiting for review.")


@strawberry.type(
    name="QuarantinedRecord", description="An outside record set aside by a check."
)
class QuarantinedRecordType:
    id: int | None = _ops()
    run_id: int | None = _ops()
    source: str | None = _ops()
    source_record_id: str | None = _ops()
    reason: str | None = _ops("A stable code: MISSING_FIELD, UNKNOWN_STUDENT, ...")
    detail: str | None = _ops()
    payload: JSON | None = _ops("The record as received, ID numbers masked.")
    quarantined_at: datetime | None = _ops()
    resolved_at: datetime | None = _ops("Set when a later version imported.")


def quarantined_type(row: QuarantinedRecord) -> QuarantinedRecordType:
    return QuarantinedRecordType(
        id=row.id,
        run_id=row.run_id,
        source=row.source,
        source_record_id=row.source_record_id,
        reason=row.reason,
        detail=row.detail,
        payload=cast(JSON, sync_reads.masked_payload(row.payload)),
        quarantined_at=row.quarantined_at,
        resolved_at=row.resolved_at,
    )


@strawberry.type(
    name="HouseholdDifference",
    description="Where the household register (户籍证明) and the record disagree.",
)
class HouseholdDifferenceType(_Linked):
    student_number: str | None = classified(DIRECTORY)
    name: str | None = classified(DIRECTORY)
    field: str | None = _identity("The record's field: name, birthDate or sex.")
    record_value: str | None = _identity()
    registered_value: str | None = _identity("As the household register has it.")


@strawberry.type(name="MissingDose", description="A dose the entry check lacks.")
class MissingDoseType(_Linked):
    series: str | None = _health("Schedule series key (rules/data/vaccines.json).")
    name: str | None = _health()
    dose_number: int | None = _health()
    due_on: date | None = _health("When the schedule sets it.")
    recheck_by: date | None = _health("End of December of the entry year.")


@strawberry.type(
    name="VaccinationEntryCheck",
    description="入学查验 of one entrant (《儿童入托、入学预防接种证查验办法》).",
)
class VaccinationEntryCheckType(_Linked):
    student_number: str | None = classified(DIRECTORY)
    name: str | None = classified(DIRECTORY)
    class_name: str | None = classified(DIRECTORY)
    grade: int | None = classified(DIRECTORY)
    entry_date: date | None = _health()
    entry_kind: str | None = _health("NEW_ENTRANT, TRANSFER_IN or MID_YEAR_JOINER.")
    check_by: date | None = _health("30 days after entry.")
    recheck_by: date | None = _health("The December re-check after catch-up.")
    missing_doses: list[MissingDoseType] | None = _health()
    unmapped_doses: int | None = _health("Doses waiting for manual vaccine mapping.")


def _missing(dose: MissingDose, student_id: int, relation: Relation) -> MissingDoseType:
    return MissingDoseType(
        student_id=student_id,
        relation=relation,
        series=dose.series,
        name=dose.name,
        dose_number=dose.dose_number,
        due_on=dose.due_on,
        recheck_by=dose.recheck_by,
    )


@strawberry.type
class SyncQuery:
    @_ops("Each source's watermark, latest run and open quarantine.")
    async def sync_status(self, info: Info) -> list[SyncSourceStatusType] | None:
        ctx: RequestContext = info.context
        return [
            SyncSourceStatusType(
                source=s.source,
                watermark=s.watermark,
                watermark_updated_at=s.watermark_updated_at,
                last_run=run_type(s.last_run) if s.last_run is not None else None,
                open_quarantined=s.open_quarantined,
            )
            for s in await sync_reads.sync_status(ctx, SOURCES)
        ]

    @_ops("Sync runs, newest first.")
    async def sync_runs(
        self, info: Info, source_name: SourceArg = None, first: int | None = 20
    ) -> list[SyncRunType] | None:
        ctx: RequestContext = info.context
        rows = await sync_reads.sync_runs(ctx, source_name, page_size(first))
        return [run_type(row) for row in rows]

    @_ops("Records set aside by the sync, newest first.")
    async def quarantined_records(
        self,
        info: Info,
        source_name: SourceArg = None,
        open_only: bool = True,
        first: int | None = 50,
    ) -> list[QuarantinedRecordType] | None:
        ctx: RequestContext = info.context
        rows = await sync_reads.quarantined(
            ctx, source_name, open_only, page_size(first)
        )
        return [quarantined_type(row) for row in rows]

    @_identity("Household proofs that disagree with the record, for the registrar.")
    async def household_differences(
        self, info: Info, school_code: str | None = None
    ) -> list[HouseholdDifferenceType] | None:
        ctx: RequestContext = info.context
        return [
            HouseholdDifferenceType(
                student_id=d.student_id,
                relation=d.relation,
                student_number=d.student_number,
                name=d.name,
                field=d.field,
                record_value=d.record_value,
                registered_value=d.registered_value,
            )
            for d in await sync_reads.household_differences(ctx, school_code)
        ]

    @_health("The school-entry vaccination check of this school year's entrants.")
    async def vaccination_entry_check(
        self, info: Info, school_code: str | None = None, class_id: int | None = None
    ) -> list[VaccinationEntryCheckType] | None:
        ctx: RequestContext = info.context
        checks = await sync_reads.entry_checks(ctx, school_code, class_id)
        return [
            VaccinationEntryCheckType(
                student_id=c.student_id,
                relation=c.relation,
                student_number=c.student_number,
                name=c.name,
                class_name=c.class_name,
                grade=c.grade,
                entry_date=c.entry_date,
                entry_kind=c.entry_kind,
                check_by=c.check_by,
                recheck_by=c.recheck_by,
                missing_doses=[
                    _missing(m, c.student_id, c.relation) for m in c.missing
                ],
                unmapped_doses=c.unmapped_doses,
            )
            for c in checks
        ]
