"""Sync-run records and watermarks: start a run, finish it, move the watermark.

A run is started in a transaction of its own (any earlier run of the same source
still marked RUNNING was killed and becomes INTERRUPTED) and finished in another;
only a SUCCEEDED finish moves the source's watermark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.errors import AdapterError
from adapters.sync_store import dialect_insert
from db.engine import begin_write
from db.models import SyncRun, SyncWatermark
from db.models.sync import RunStatus

# Limitation: one sync process per source at a time is assumed (the scheduler
# runs one); a second process would mark the first one's run INTERRUPTED.
MAX_ERRORS = 50
_ID_NUMBER = re.compile(r"\d{14,17}[\dXx]")


@dataclass(frozen=True)
class Started:
    run_id: int
    since: str | None


def mask_id_numbers(text: str) -> str:
    """Errors are kept and shown; an ID number in a URL must not be."""
    return _ID_NUMBER.sub("***", text)


def error_entry(error: BaseException, at: datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": type(error).__name__,
        "message": mask_id_numbers(str(error)),
        "at": at.isoformat(),
    }
    if isinstance(error, AdapterError):
        entry["status"] = error.status
        entry["attempts"] = error.attempts
        entry["path"] = mask_id_numbers(error.path or "")
    return entry


class Ledger:
    """Writes the run records of one runner."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def start(self, source: str, *, full: bool, at: datetime) -> Started:
        async with self._sessionmaker() as session:
            await begin_write(session)
            await session.execute(
                update(SyncRun)
                .where(
                    SyncRun.source == source,
                    SyncRun.status == RunStatus.RUNNING.value,
                )
                .values(status=RunStatus.INTERRUPTED.value, finished_at=at)
                .execution_options(synchronize_session=False)
            )
            since = None if full else await watermark(session, source)
            run = SyncRun(
                source=source,
                status=RunStatus.RUNNING.value,
                full=full,
                started_at=at,
                since=since,
                errors=[],
            )
            session.add(run)
            await session.flush()
            run_id = run.id
            await session.commit()
        return Started(run_id, since)

    async def note_errors(self, run_id: int, errors: list[dict[str, Any]]) -> None:
        """Keep errors that do not stop the run (one student not found ...)."""
        async with self._sessionmaker() as session:
            await begin_write(session)
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(errors=errors[:MAX_ERRORS])
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def finish(
        self,
        run_id: int,
        source: str,
        status: RunStatus,
        *,
        at: datetime,
        errors: list[dict[str, Any]],
        reached: str | None = None,
    ) -> None:
        """Close the run; a SUCCEEDED run moves the watermark to ``reached``."""
        async with self._sessionmaker() as session:
            await begin_write(session)
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(status=status.value, finished_at=at, errors=errors[:MAX_ERRORS])
                .execution_options(synchronize_session=False)
            )
            if status is RunStatus.SUCCEEDED:
                await _advance(session, source, reached, run_id, at)
            await session.commit()


async def watermark(session: AsyncSession, source: str) -> str | None:
    found = await session.execute(
        select(SyncWatermark.watermark).where(SyncWatermark.source == source)
    )
    return found.scalar_one_or_none()


async def _advance(
    session: AsyncSession,
    source: str,
    reached: str | None,
    run_id: int,
    at: datetime,
) -> None:
    values = {
        "source": source,
        "watermark": reached,
        "run_id": run_id,
        "updated_at": at,
    }
    stmt = dialect_insert(session, SyncWatermark).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source"],
        set_={"watermark": reached, "run_id": run_id, "updated_at": at},
    )
    await session.execute(stmt)
