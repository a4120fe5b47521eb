"""Vaccination histories of school entrants, fetched as FHIR bundles (入学查验).

The entry check (《儿童入托、入学预防接种证查验办法》, DOMAIN §4.2) concerns every
new entrant, transfer-in and mid-year joiner of a primary school this school
year. For each such student the health system is first asked to prepare the
student's records (``POST /lookup-requests``, once per student ever, under an
idempotency key fixed in our database before the request leaves, and audited:
it discloses the ID number), then the full history is read as a FHIR
``Immunization`` bundle. Later changes arrive through the vaccinations feed.

A bundle's entries are upserts: a dose re-sent as ``entered-in-error`` replaces
the earlier version and so leaves the entry check (case C19); a dose missing
from a later bundle is not taken as deleted.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.errors import NotFound
from adapters.fhir import read_immunization_bundle
from adapters.health import SOURCE as HEALTH
from adapters.health import HealthAdapter
from adapters.sync_ledger import error_entry
from adapters.sync_store import Page, Quarantine
from db.engine import begin_write
from db.models import AuditEvent, Enrolment, LookupRequest, Placement, Student
from rules.access import Role
from rules.archive import FIRST_GRADE, LAST_PRIMARY_GRADE

if TYPE_CHECKING:
    from adapters.sync import RunReport, SyncRunner

LOOKUP_ACTION = "syncLookupRequest"
SYNC_PRINCIPAL = "sync:nightly"
MAX_BATCH = 50
_KEYS = uuid.UUID("6d1f7a52-3c1e-4f0b-9a53-21031100e7c4")


@dataclass(frozen=True)
class Entrant:
    student_id: int
    id_hash: str
    cipher: bytes


def school_year_start(today: date) -> date:
    """1 September of the school year ``today`` falls in (DOMAIN §10)."""
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def entry_kind(grade: int, entry_reason: str) -> str:
    """NEW_ENTRANT (grade 1), TRANSFER_IN or MID_YEAR_JOINER (插班)."""
    if "TRANSFER" in entry_reason.upper():
        return "TRANSFER_IN"
    return "NEW_ENTRANT" if grade == FIRST_GRADE else "MID_YEAR_JOINER"


def entrants_select(today: date, *columns: Any) -> Select[Any]:
    """Students whose active episode began this school year in a primary grade."""
    return (
        select(*columns)
        .join(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .join(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .where(
            Enrolment.entry_date >= school_year_start(today),
            Placement.grade <= LAST_PRIMARY_GRADE,
        )
    )


def idempotency_key(system: str, id_hash: str) -> str:
    """The same key for the same person and system, on every run."""
    return str(uuid.uuid5(_KEYS, f"{system}:{id_hash}"))


async def sweep_entrants(
    runner: SyncRunner, report: RunReport, *, full: bool
) -> str | None:
    """Fetch the bundles of entrants not fetched yet (all of them with ``full``).

    Returns the run's watermark: the day of the sweep.
    """
    today = runner.today
    total = await _count(runner, today, full)
    done, last_id = 0, 0
    async with runner.client(report.source) as client:
        health = cast(HealthAdapter, client)
        while batch := await _batch(runner, today, full, last_id):
            last_id = batch[-1].student_id
            await _fetch(runner, health, report, batch, done + len(batch), total)
            done += len(batch)
    return today.isoformat()


def _pending(query: Select[Any], full: bool) -> Select[Any]:
    if full:
        return query
    answered = select(LookupRequest.student_id).where(
        LookupRequest.system == HEALTH, LookupRequest.answered_at.is_not(None)
    )
    return query.where(Student.id.not_in(answered))


async def _count(runner: SyncRunner, today: date, full: bool) -> int:
    query = _pending(entrants_select(today, func.count(Student.id)), full)
    async with runner.sessionmaker() as session:
        return int((await session.execute(query)).scalar_one())


async def _batch(
    runner: SyncRunner, today: date, full: bool, after: int
) -> list[Entrant]:
    query = entrants_select(
        today, Student.id, Student.id_number_hash, Student.id_number_cipher
    ).where(
        Student.id > after,
        Student.id_number_cipher.is_not(None),
        Student.id_number_hash.is_not(None),
    )
    query = _pending(query, full).order_by(Student.id)
    query = query.limit(min(runner.page_size, MAX_BATCH))
    async with runner.sessionmaker() as session:
        rows = (await session.execute(query)).all()
    return [Entrant(row[0], row[1], row[2]) for row in rows]


@dataclass
class _Lookup:
    row_id: int
    key: str
    request_id: str | None


async def _fetch(
    runner: SyncRunner,
    health: HealthAdapter,
    report: RunReport,
    batch: list[Entrant],
    done: int,
    total: int,
) -> None:
    lookups = await _ensure_lookups(runner, report, batch)
    numbers = {e.student_id: runner.crypto.decrypt(e.cipher) for e in batch}
    results = await asyncio.gather(
        *(_one(health, numbers[e.student_id], lookups[e.student_id]) for e in batch),
        return_exceptions=True,
    )
    page = Page()
    answered: list[_Lookup] = []
    for entrant, result in zip(batch, results, strict=True):
        if isinstance(result, NotFound):
            # The health system has no record of this child yet: noted, not fatal.
            report.errors.append(error_entry(result, runner.clock()))
            continue
        if isinstance(result, BaseException):
            raise result
        lookup, body = result
        answered.append(lookup)
        _read_bundle(page, body, numbers[entrant.student_id])

    async def note_answers(session: AsyncSession) -> None:
        await _answer(session, answered, runner.clock())

    await runner.save_page(report, page, None, note_answers, done=done, total=total)
    if report.errors:
        await runner.ledger.note_errors(report.run_id, report.errors)


async def _one(
    health: HealthAdapter, id_number: str, lookup: _Lookup
) -> tuple[_Lookup, Any]:
    if lookup.request_id is None:
        lookup.request_id = await health.request_lookup(
            id_number, idempotency_key=lookup.key
        )
    # The bundle is read raw so that a quarantined entry keeps its payload.
    path = f"/students/{quote(id_number, safe='')}/immunizations"
    return lookup, await health.get_json(path)


def _read_bundle(page: Page, body: Any, id_number: str) -> None:
    result = read_immunization_bundle(body, source=HEALTH, id_number=id_number)
    raw = _entries_by_id(body)
    page.fetched += len(result.doses) + len(result.faults)
    page.records.extend((dose, raw.get(dose.source_record_id)) for dose in result.doses)
    page.faults.extend(
        Quarantine.of_fault(fault, raw.get(fault.source_record_id or ""))
        for fault in result.faults
    )


def _entries_by_id(body: Any) -> dict[str, Any]:
    entries = body.get("entry") if isinstance(body, dict) else None
    found: dict[str, Any] = {}
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        for key in (entry.get("fullUrl"), resource.get("id")):
            if isinstance(key, str):
                found[key] = resource
    return found


async def _ensure_lookups(
    runner: SyncRunner, report: RunReport, batch: list[Entrant]
) -> dict[int, _Lookup]:
    """One lookup row (and one audit event) per student, before any request."""
    now = runner.clock()
    async with runner.sessionmaker() as session:
        await begin_write(session)
        rows = await session.scalars(
            select(LookupRequest).where(
                LookupRequest.system == HEALTH,
                LookupRequest.student_id.in_([e.student_id for e in batch]),
            )
        )
        found = {row.student_id: row for row in rows}
        new = [
            LookupRequest(
                system=HEALTH,
                student_id=e.student_id,
                idempotency_key=idempotency_key(HEALTH, e.id_hash),
                run_id=report.run_id,
                requested_at=now,
            )
            for e in batch
            if e.student_id not in found
        ]
        session.add_all(new)
        await session.flush()
        await runner.audit(session, [_lookup_event(row, now) for row in new])
        await session.commit()
    every = [*found.values(), *new]
    return {
        row.student_id: _Lookup(row.id, row.idempotency_key, row.request_id)
        for row in every
    }


def _lookup_event(row: LookupRequest, at: datetime) -> AuditEvent:
    return AuditEvent(
        at=at,
        principal=SYNC_PRINCIPAL,
        role=Role.SYNC.value,
        action=LOOKUP_ACTION,
        student_id=row.student_id,
        fields=["idNumber"],
        approval_number=None,
        outcome="OK",
        detail={"system": row.system, "idempotencyKey": row.idempotency_key},
        request_id=None,
    )


async def _answer(session: AsyncSession, answered: list[_Lookup], at: datetime) -> None:
    for lookup in answered:
        await session.execute(
            update(LookupRequest)
            .where(LookupRequest.id == lookup.row_id)
            .values(request_id=lookup.request_id, answered_at=at)
            .execution_options(synchronize_session=False)
        )
