"""The database side of the sync: one page of outside records, one transaction.

``save_page`` matches students by the keyed hash of their ID number (never by
decrypting the table), upserts the live records keyed by (source, source record
id), withdraws the ones the source deleted (the rows stay, for the history),
quarantines the ones that fail a check, and adds the page's counts to its run —
all in the caller's transaction, so a page is saved whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.errors import MappingFault
from adapters.sync_rows import WRITERS, OutsideRecord, StudentMatch, Writer
from db.base import Base
from db.crypto import FieldCrypto
from db.models import QuarantinedRecord, Student, SyncRun
from rules.errors import RuleViolation
from rules.identity import normalise_id_number

UNKNOWN_STUDENT = "UNKNOWN_STUDENT"
_KEY = ("source", "source_record_id")
# A payload larger than this is kept as the start of its JSON text.
_MAX_PAYLOAD_CHARS = 20_000


@dataclass(frozen=True)
class Quarantine:
    """One outside record set aside, with why and what it was."""

    source_record_id: str | None
    reason: str
    detail: str
    payload: Any = None

    @classmethod
    def of_fault(cls, fault: MappingFault, payload: Any) -> Quarantine:
        return cls(fault.source_record_id, fault.reason, fault.detail, payload)


@dataclass
class PageCounts:
    fetched: int = 0
    upserted: int = 0
    deleted: int = 0
    quarantined: int = 0

    def add(self, other: PageCounts) -> None:
        self.fetched += other.fetched
        self.upserted += other.upserted
        self.deleted += other.deleted
        self.quarantined += other.quarantined


@dataclass
class Page:
    """What one page brought: mapped records with their raw items, and faults."""

    fetched: int = 0
    records: list[tuple[OutsideRecord, Any]] = field(default_factory=list)
    faults: list[Quarantine] = field(default_factory=list)


@dataclass(frozen=True)
class Provenance:
    source_name: str  # the feed, as quarantine and runs name it
    run_id: int
    at: datetime


async def save_page(
    session: AsyncSession, crypto: FieldCrypto, page: Page, where: Provenance
) -> PageCounts:
    """Write one page in the caller's transaction and return its counts."""
    latest = _latest_versions(page.records)
    matches = await match_students(
        session,
        crypto,
        (r.id_number for r, _ in latest if r.id_number and not r.deleted),
    )
    faults = list(page.faults)
    rows: dict[type[Base], list[dict[str, Any]]] = {}
    gone: dict[tuple[type[Base], str], list[str]] = {}
    imported: list[str] = []
    for record, raw in latest:
        writer = WRITERS[type(record)]
        if record.deleted:
            key = (writer.model, record.source)
            gone.setdefault(key, []).append(record.source_record_id)
            continue
        row = _build(writer, record, raw, matches, faults, where)
        if row is not None:
            rows.setdefault(writer.model, []).append(row)
            imported.append(record.source_record_id)
    counts = PageCounts(fetched=page.fetched)
    for model, batch in rows.items():
        counts.upserted += await upsert(session, model, batch)
    for (model, source), ids in gone.items():
        counts.deleted += await withdraw(session, model, source, ids, where)
    counts.quarantined = await quarantine(session, faults, where)
    await resolve_quarantine(session, where.source_name, imported, where.at)
    return counts


def _latest_versions(
    records: Sequence[tuple[OutsideRecord, Any]],
) -> list[tuple[OutsideRecord, Any]]:
    # A page may carry several versions of one record; the last one stands, and
    # one statement must not touch a row twice (PostgreSQL refuses it).
    latest: dict[tuple[type[Any], str, str], tuple[OutsideRecord, Any]] = {}
    for record, raw in records:
        latest.pop((type(record), record.source, record.source_record_id), None)
        latest[(type(record), record.source, record.source_record_id)] = (
            record,
            raw,
        )
    return list(latest.values())


def _build(
    writer: Writer,
    record: OutsideRecord,
    raw: Any,
    matches: dict[str, StudentMatch],
    faults: list[Quarantine],
    where: Provenance,
) -> dict[str, Any] | None:
    record_id = record.source_record_id
    student = matches.get(record.id_number or "")
    if student is None:
        faults.append(Quarantine(record_id, UNKNOWN_STUDENT, "id_number", raw))
        return None
    try:
        row = writer.build(record, student)
    except MappingFault as fault:
        faults.append(Quarantine.of_fault(fault, raw))
        return None
    except RuleViolation as violation:
        faults.append(Quarantine(record_id, violation.code, violation.message, raw))
        return None
    return {
        **row,
        "student_id": student.id,
        "source": record.source,
        "source_record_id": record_id,
        "sync_run_id": where.run_id,
        "fetched_at": where.at,
        "withdrawn_at": None,
    }


async def match_students(
    session: AsyncSession, crypto: FieldCrypto, id_numbers: Iterable[str]
) -> dict[str, StudentMatch]:
    """Students by ID number, found through the keyed hash in one query."""
    by_hash = {
        crypto.lookup_hash(normalise_id_number(n)): normalise_id_number(n)
        for n in id_numbers
    }
    if not by_hash:
        return {}
    stmt = select(Student.id, Student.sex, Student.id_number_hash).where(
        Student.id_number_hash.in_(list(by_hash))
    )
    found = {}
    for row in await session.execute(stmt):
        found[by_hash[row.id_number_hash]] = StudentMatch(row.id, row.sex)
    return found


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def upsert(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]
) -> int:
    """Insert or update ``rows`` keyed by (source, source record id)."""
    if not rows:
        return 0
    # One statement executed for many rows: compiled once and cached, where a
    # multi-row VALUES would be compiled anew for every page size.
    stmt = dialect_insert(session, model)
    changing = [name for name in rows[0] if name not in _KEY]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_KEY), set_={name: stmt.excluded[name] for name in changing}
    )
    await session.execute(stmt, rows)
    return len(rows)


async def withdraw(
    session: AsyncSession,
    model: type[Base],
    source: str,
    record_ids: list[str],
    where: Provenance,
) -> int:
    """Mark rows the source deleted as withdrawn; returns how many were live."""
    table: Any = model
    stmt = (
        update(model)
        .where(
            table.source == source,
            table.source_record_id.in_(record_ids),
            table.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=where.at, sync_run_id=where.run_id, fetched_at=where.at)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], await session.execute(stmt))
    return int(result.rowcount)


async def quarantine(
    session: AsyncSession, faults: Sequence[Quarantine], where: Provenance
) -> int:
    """Keep each fault once per source record (the latest), unnamed ones always."""
    keyed: dict[str, dict[str, Any]] = {}
    unnamed: list[dict[str, Any]] = []
    for fault in faults:
        row = {
            "run_id": where.run_id,
            "source": where.source_name,
            "source_record_id": fault.source_record_id,
            "reason": fault.reason[:48],
            "detail": fault.detail[:500] or None,
            "payload": _bounded(fault.payload),
            "quarantined_at": where.at,
            "resolved_at": None,
        }
        if fault.source_record_id is None:
            unnamed.append(row)
        else:
            keyed[fault.source_record_id] = row
    if keyed:
        await upsert(session, QuarantinedRecord, list(keyed.values()))
    if unnamed:
        await session.execute(
            dialect_insert(session, QuarantinedRecord).values(unnamed)
        )
    return len(faults)


async def resolve_quarantine(
    session: AsyncSession, source_name: str, record_ids: list[str], at: datetime
) -> None:
    """A record that imports now is no longer waiting for review."""
    if not record_ids:
        return
    await session.execute(
        update(QuarantinedRecord)
        .where(
            QuarantinedRecord.source == source_name,
            QuarantinedRecord.source_record_id.in_(record_ids),
            QuarantinedRecord.resolved_at.is_(None),
        )
        .values(resolved_at=at)
        .execution_options(synchronize_session=False)
    )


async def add_to_run(
    session: AsyncSession,
    run_id: int,
    counts: PageCounts,
    reached: str | None,
) -> None:
    """Add a saved page's counts to its run, in the page's transaction."""
    await session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(
            pages=SyncRun.pages + 1,
            fetched=SyncRun.fetched + counts.fetched,
            upserted=SyncRun.upserted + counts.upserted,
            deleted=SyncRun.deleted + counts.deleted,
            quarantined=SyncRun.quarantined + counts.quarantined,
            reached=reached,
        )
        .execution_options(synchronize_session=False)
    )


def _bounded(payload: Any) -> Any:
    if payload is None:
        return None
    text = json.dumps(payload, ensure_ascii=False, default=str)
    if len(text) <= _MAX_PAYLOAD_CHARS:
        return payload
    return {"truncated": text[:_MAX_PAYLOAD_CHARS]}
