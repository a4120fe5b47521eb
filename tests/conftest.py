"""Shared fixtures: a migrated database per test on SQLite or PostgreSQL.

SQLite (the default) copies a template file migrated once per session.
PostgreSQL is used when ``XUEJI_TEST_DATABASE_URL`` names a database: it is
migrated once per session and emptied after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.base import Base
from db.engine import make_engine
from db.migrate import upgrade
from hub.app import create_app
from hub.auth import mint_token
from hub.settings import Settings, load_settings
from rules.access import Principal

PG_URL = os.environ.get("XUEJI_TEST_DATABASE_URL")
TEST_FIELD_KEY = "q2G4m1cO2rj3h0cZ0mUDq7DkM8l3k3C8p3Vv1xq3l2U="
TEST_TOKEN_KEY = "test-token-key-not-secret-0123456789abcdef"
DEMO_SCALE = 0.1


def is_postgres() -> bool:
    return PG_URL is not None


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL is not None:
        _reset_postgres(PG_URL)
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return str(path)


def _reset_postgres(url: str) -> None:
    async def reset() -> None:
        engine = make_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    _run_outside_loop(reset())


@pytest.fixture(scope="session")
def _demo_template(_template: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small demo district seeded once per session: on SQLite a file copied
    per test, on PostgreSQL a snapshot schema copied back per test."""
    from hub.demo import seed_demo

    if PG_URL is not None:
        _run_outside_loop(_snapshot_postgres_demo(PG_URL, seed_demo))
        return _template

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    _run_outside_loop(seed_demo(_test_settings(url), scale=DEMO_SCALE))
    return str(path)


SNAPSHOT = "demo_snapshot"


async def _snapshot_postgres_demo(url: str, seed: Any) -> None:
    await seed(_test_settings(url), scale=DEMO_SCALE)
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE"))
        await connection.execute(text(f"CREATE SCHEMA {SNAPSHOT}"))
        for table in Base.metadata.sorted_tables:
            await connection.execute(
                text(f'CREATE TABLE {SNAPSHOT}."{table.name}" AS TABLE "{table.name}"')
            )
    await engine.dispose()
    await _truncate(url)


async def _restore_postgres_demo(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            name = table.name
            await connection.execute(
                text(f'INSERT INTO "{name}" SELECT * FROM {SNAPSHOT}."{name}"')
            )
            if "id" in table.columns and table.columns["id"].autoincrement:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{name}"), 0) + 1, false)'
                    )
                )
    await engine.dispose()


def _run_outside_loop(coroutine: Any) -> Any:
    """Run a coroutine to completion from a fixture that may sit inside a loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _test_settings(url: str) -> Settings:
    return load_settings(
        database_url=url,
        env="dev",
        token_key=TEST_TOKEN_KEY,
        field_key=TEST_FIELD_KEY,
        rate_limit_per_minute=100_000,
    )


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest, _template: str, tmp_path: Path
) -> AsyncIterator[str]:
    wants_demo = "demo" in request.fixturenames
    if PG_URL is None:
        source = request.getfixturevalue("_demo_template") if wants_demo else _template
        target = tmp_path / "test.sqlite3"
        shutil.copy(source, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    if wants_demo:
        request.getfixturevalue("_demo_template")
    yield PG_URL
    await _truncate(PG_URL)


async def _truncate(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return _test_settings(database_url)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    yield engine
    await engine.dispose()


@dataclass
class Hub:
    """A running app in-process, with an HTTP client and a statement counter."""

    client: httpx.AsyncClient
    settings: Settings
    app: Any
    statements: list[str] = field(default_factory=list)

    def token(self, principal: Principal) -> str:
        from datetime import timedelta

        return mint_token(principal, self.settings.token_key, ttl=timedelta(hours=1))

    async def gql(
        self,
        query: str,
        principal: Principal | None,
        variables: dict[str, Any] | None = None,
        **headers: str,
    ) -> httpx.Response:
        if principal is not None:
            headers["authorization"] = f"Bearer {self.token(principal)}"
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def data(
        self, query: str, principal: Principal, variables: dict[str, Any] | None = None
    ) -> Any:
        response = await self.gql(query, principal, variables)
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    @property
    def state(self) -> Any:
        return self.app.state.hub


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test"
        ) as client:
            yield Hub(client=client, settings=settings, app=app)


@pytest.fixture
def count_statements(hub: Hub) -> Iterator[list[str]]:
    """Every SQL statement the hub's engine runs while the test runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            seen.append(statement)

    sync_engine = hub.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def demo(settings: Settings, hub: Hub) -> Hub:
    """The hub with a small demo district (about a tenth of the real demo).

    Seeded once per session: on SQLite the database file is a copy of the
    seeded one; on PostgreSQL the snapshot is copied into the emptied tables.
    """
    if PG_URL is not None:
        await _restore_postgres_demo(PG_URL)
    return hub
