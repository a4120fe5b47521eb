"""What the simulators share: seeded students, a change feed, and a local server.

Change feeds follow the contract of ``adapters.http.AdapterClient.pages``::

    GET <feed>?since=<watermark>&limit=<n>      (since omitted: from the start)
    GET <feed>?cursor=<next>&limit=<n>
    200 {"items": [<record> | {"id": "...", "deleted": true}],
         "next": "<cursor>" | null, "watermark": "<sequence number>" | null}
    400 {"error": "..."} on a malformed since, cursor or limit

Records appear in the order they changed; a later change of the same id replaces
the earlier one, and a tombstone deletes it.
"""

from __future__ import annotations

import random
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from stdnum.cn import ric

JsonRecord = dict[str, Any]
RouteHandler = Callable[[web.Request], Awaitable[web.Response]]
MAX_PAGE = 500

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "子涵浩然欣怡梓轩雨桐宇航思远嘉怡一诺俊熙佳琪明轩若曦天佑梦瑶博文"


@dataclass(frozen=True)
class StudentSeed:
    """A made-up student the simulators build their records around."""

    id_number: str
    name: str
    birth_date: date
    sex: str
    grade: int


def make_students(
    count: int, *, seed: int = 0, as_of: date = date(2025, 9, 1)
) -> list[StudentSeed]:
    """Generated students of grades 1-9 with valid GB 11643-1999 ID numbers."""
    rng = random.Random(f"students:{seed}")
    students: dict[str, StudentSeed] = {}
    while len(students) < count:
        grade = rng.randint(1, 9)
        birth = date(as_of.year - 6 - grade, 9, 1) + timedelta(days=rng.randint(0, 364))
        sex = rng.choice("12")
        sequence = 2 * rng.randint(0, 499) + (1 if sex == "1" else 2)
        body = f"210311{birth:%Y%m%d}{sequence:03d}"
        # calc_check_digit ignores the last character of what it is given.
        number = body + ric.calc_check_digit(body + "0")
        students[number] = StudentSeed(number, person_name(rng), birth, sex, grade)
    return list(students.values())


def person_name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    return (surname or rng.choice(_SURNAMES)) + given


def student_rng(seed: int, system: str, student: StudentSeed) -> random.Random:
    """A generator that gives the same data for the same seed and student."""
    return random.Random(f"{system}:{seed}:{student.id_number}")


class ChangeFeed:
    """The ordered changes of one kind of record, with tombstones."""

    def __init__(self) -> None:
        self._changes: list[JsonRecord] = []
        self._current: dict[str, JsonRecord] = {}

    def put(self, record: JsonRecord) -> None:
        self._changes.append({**record, "deleted": False})
        self._current[record["id"]] = record

    def delete(self, record_id: str) -> None:
        if self._current.pop(record_id, None) is None:
            raise KeyError(record_id)
        self._changes.append({"id": record_id, "deleted": True})

    def get(self, record_id: str) -> JsonRecord | None:
        return self._current.get(record_id)

    def current(self) -> Iterator[JsonRecord]:
        return iter(self._current.values())

    def where(self, key: str, value: object) -> list[JsonRecord]:
        return [record for record in self._current.values() if record[key] == value]

    def page(self, after: int, limit: int) -> JsonRecord:
        items = self._changes[after : after + limit]
        end = after + len(items)
        more = end < len(self._changes)
        return {
            "items": items,
            "next": f"c{end}" if more else None,
            "watermark": str(end) if items else None,
        }


def feed_handler(feed: ChangeFeed) -> RouteHandler:
    """An aiohttp handler serving ``feed`` under the change-feed contract."""

    async def handle(request: web.Request) -> web.Response:
        try:
            after, limit = _feed_position(request.query)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response(feed.page(after, limit))

    return handle


def _feed_position(query: Mapping[str, str]) -> tuple[int, int]:
    limit_text = query.get("limit", "100")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE:
        raise ValueError(f"limit must be 1..{MAX_PAGE}")
    cursor = query.get("cursor")
    if cursor is not None:
        if not (cursor.startswith("c") and cursor[1:].isdigit()):
            raise ValueError("bad cursor")
        return int(cursor[1:]), int(limit_text)
    since = query.get("since", "0")
    if not since.isdigit():
        raise ValueError("bad since")
    return int(since), int(limit_text)


def not_found() -> web.Response:
    return web.json_response({"error": "not found"}, status=404)


@dataclass
class RunningSimulator:
    """A simulator app listening on 127.0.0.1; ``close()`` stops it."""

    base_url: str
    runner: web.AppRunner

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_simulator(app: web.Application) -> RunningSimulator:
    """Run ``app`` on 127.0.0.1 on a free port and return where it listens."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return RunningSimulator(f"http://{host}:{port}", runner)


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """``async with serve(app) as base_url``: the app runs inside the block."""
    running = await start_simulator(app)
    try:
        yield running.base_url
    finally:
        await running.close()


def by_student(students: Sequence[StudentSeed]) -> dict[str, StudentSeed]:
    return {student.id_number: student for student in students}
