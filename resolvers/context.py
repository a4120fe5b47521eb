"""What every resolver gets: the principal, a database session, loaders, audit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Executable
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.crypto import FieldCrypto
from rules.access import ApprovalGrant, Principal

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = TypeVar("T")


@dataclass
class AuditNote:
    """Fields of one student read (or denied) within one request."""

    student_id: int
    outcome: str
    fields: set[str] = field(default_factory=set)
    reason: str | None = None


@dataclass
class AuditBuffer:
    """Confidential reads collected while a request runs, written before it
    answers; if they cannot be written, the answer is withheld (第三十七条)."""

    notes: dict[tuple[int, str, str | None], AuditNote] = field(default_factory=dict)

    def read(self, student_id: int, field_name: str) -> None:
        self._note(student_id, "READ", None).fields.add(field_name)

    def denied(self, student_id: int | None, field_name: str, reason: str) -> None:
        self._note(student_id or 0, "DENIED", reason).fields.add(field_name)

    def _note(self, student_id: int, outcome: str, reason: str | None) -> AuditNote:
        key = (student_id, outcome, reason)
        note = self.notes.get(key)
        if note is None:
            note = self.notes[key] = AuditNote(student_id, outcome, reason=reason)
        return note

    def __bool__(self) -> bool:
        return bool(self.notes)


@dataclass
class RequestContext:
    principal: Principal
    sessionmaker: async_sessionmaker[AsyncSession]
    crypto: FieldCrypto
    request_id: str
    now: datetime
    settings: Any = None
    grant: ApprovalGrant | None = None
    audit: AuditBuffer = field(default_factory=AuditBuffer)
    loaders: dict[str, Any] = field(default_factory=dict)
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def today(self) -> date:
        """The school day now: a date in Asia/Shanghai, whatever the host zone."""
        return self.now.astimezone(SHANGHAI).date()

    async def execute(self, statement: Executable) -> Result[Any]:
        """Run one read on the request's session; loaders share it in turn."""
        async with self._lock:
            if self._session is None:
                self._session = self.sessionmaker()
            return await self._session.execute(statement)

    async def scalars(self, statement: Executable) -> Sequence[Any]:
        return (await self.execute(statement)).scalars().all()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                self._session = self.sessionmaker()
            yield self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def loader(self, name: str, factory: Any) -> Any:
        """The request's loader ``name``, created on first use."""
        found = self.loaders.get(name)
        if found is None:
            found = self.loaders[name] = factory(self)
        return found
