"""Migrations are the only way the schema is made; they go up and down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from db.base import Base
from db.engine import make_engine
from db.migrate import check, downgrade, head_revision, upgrade
from tests.conftest import PG_URL


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = make_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        await engine.dispose()
        return set(names)

    return asyncio.run(read())


def _url(tmp_path: Path) -> str:
    return PG_URL or f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture(autouse=True)
def _fresh_postgres(_template: str) -> None:
    """On PostgreSQL, start from the session's freshly reset database."""


def test_upgrade_creates_every_model_table(tmp_path: Path) -> None:
    url = _url(tmp_path)
    upgrade(url)
    expected = set(Base.metadata.tables) | {"alembic_version"}
    assert _tables(url) == expected


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = _url(tmp_path)
    upgrade(url)
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url)
    assert set(Base.metadata.tables) <= _tables(url)


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    url = _url(tmp_path)
    upgrade(url)
    check(url)
    assert head_revision() is not None
