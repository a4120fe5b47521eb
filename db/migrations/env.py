"""Alembic environment: async engines, batch mode on SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import make_engine

DEFAULT_URL = "sqlite+aiosqlite:///xueji.sqlite3"


def _url() -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    return configured or os.environ.get("XUEJI_DATABASE_URL", DEFAULT_URL)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    asyncio.run(_run_async())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use a database URL")
run_online()
