"""Engine and session factory; built by the app factory, never at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.base import SEALER_ATTRIBUTE
from db.crypto import NumberSealer

# SQLite waits this long for a writer lock before "database is locked" (case C10).
SQLITE_BUSY_MS = 30_000
WRITE_OPTION = "xueji_write"


def make_engine(
    url: str, *, field_key: bytes | None = None, **kwargs: Any
) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    With ``field_key`` the engine seals and opens student numbers; an engine
    without it (migrations) refuses to touch them.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    else:
        engine = create_async_engine(url, pool_pre_ping=True, **kwargs)
    if field_key is not None:
        setattr(engine.dialect, SEALER_ATTRIBUTE, NumberSealer(field_key))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads then writes cannot wait for the lock and
    # fails at once with "database is locked" (case C10); a writer takes the lock
    # at BEGIN and so queues behind the busy timeout instead. Readers stay
    # deferred, so that WAL lets them run beside a writer.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def begin_write(session: AsyncSession) -> None:
    """Mark the session's transaction as a writer; call before its first query."""
    await session.connection(execution_options={WRITE_OPTION: True})
