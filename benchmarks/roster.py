"""Roster throughput: the hub against a bare Starlette endpoint, same database.

The query is API.md's roster: a page of 100 students of one school with their
school, class and guardians. The bare endpoint runs the equivalent SQL on the
same engine (including the audit rows the hub must write for guardians'
contacts, 第三十七条) and returns the same JSON; both are driven in-process
over ASGI, so the ratio measures what the GraphQL layer costs.

    python benchmarks/roster.py [--requests 200] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import and_, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.engine import begin_write, make_engine, make_sessionmaker
from db.migrate import upgrade
from db.models import Enrolment, Guardian, Placement, School, SchoolClass, Student
from hub.app import create_app
from hub.auth import mint_token
from hub.demo import seed_demo
from hub.settings import Settings, load_settings
from resolvers.access import append_events, new_event
from rules.access import Principal, Role

SCHOOL = "2103110011"
PRINCIPAL = Principal("bench-registrar", Role.REGISTRAR, school=SCHOOL)
QUERY = """query Roster($school: String!) {
  students(schoolCode: $school, first: 100) {
    edges { node { name studentNumber grade
      class { name } school { code name } guardians { name phone } } }
  }
}"""


def bare_app(settings: Settings) -> Starlette:
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    sessions = make_sessionmaker(engine)

    async def roster(request: Request) -> Response:
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(Student, Placement, School, SchoolClass)
                    .join(
                        Enrolment,
                        and_(
                            Enrolment.student_id == Student.id,
                            Enrolment.exit_date.is_(None),
                        ),
                    )
                    .join(School, School.id == Enrolment.school_id)
                    .join(
                        Placement,
                        and_(
                            Placement.enrolment_id == Enrolment.id,
                            Placement.end_date.is_(None),
                        ),
                    )
                    .join(SchoolClass, SchoolClass.id == Placement.class_id)
                    .where(School.code == SCHOOL)
                    .order_by(Student.id)
                    .limit(100)
                )
            ).all()
            ids = [row[0].id for row in rows]
            guardians: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for g in await session.scalars(
                select(Guardian)
                .where(Guardian.student_id.in_(ids))
                .order_by(Guardian.student_id, Guardian.position)
            ):
                guardians[g.student_id].append({"name": g.name, "phone": g.phone})
        await _audit(sessions, ids)
        edges = [
            {
                "node": {
                    "name": s.name,
                    "studentNumber": s.student_number,
                    "grade": p.grade,
                    "class": {"name": c.name},
                    "school": {"code": sc.code, "name": sc.name},
                    "guardians": guardians[s.id],
                }
            }
            for s, p, sc, c in rows
        ]
        return JSONResponse({"data": {"students": {"edges": edges}}})

    return Starlette(routes=[Route("/roster", roster, methods=["POST"])])


async def _audit(sessions: Any, ids: list[int]) -> None:
    now = datetime.now(UTC)
    events = [
        new_event(
            PRINCIPAL,
            action="READ",
            at=now,
            outcome="READ",
            student_id=i,
            fields=["Guardian.name", "Guardian.phone"],
        )
        for i in ids
    ]
    async with sessions() as session:
        await begin_write(session)
        await append_events(session, events)
        await session.commit()


async def _drive(
    client: httpx.AsyncClient,
    path: str,
    body: Any,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
) -> tuple[float, Any]:
    queue = list(range(requests))
    last: Any = None

    async def worker() -> None:
        nonlocal last
        while queue:
            queue.pop()
            response = await client.post(path, json=body, headers=headers)
            response.raise_for_status()
            last = response.json()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return requests / (time.perf_counter() - started), last


def main(requests: int, concurrency: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="xueji-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    settings = load_settings(database_url=url, rate_limit_per_minute=10**9)
    upgrade(url)
    asyncio.run(measure(settings, requests, concurrency, rounds))


async def measure(
    settings: Settings, requests: int, concurrency: int, rounds: int
) -> None:
    await seed_demo(settings)
    token = mint_token(PRINCIPAL, settings.token_key, ttl=timedelta(hours=1))
    headers = {"authorization": f"Bearer {token}"}
    hub = create_app(settings)
    async with hub.router.lifespan_context(hub):
        hub_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hub), base_url="http://hub"
        )
        bare_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare_app(settings)),
            base_url="http://bare",
        )
        gql = {"query": QUERY, "variables": {"school": SCHOOL}}
        hub_rates, bare_rates = [], []
        for _ in range(rounds):
            rate, hub_body = await _drive(
                hub_client, "/graphql", gql, headers, requests, concurrency
            )
            hub_rates.append(rate)
            rate, bare_body = await _drive(
                bare_client, "/roster", {}, {}, requests, concurrency
            )
            bare_rates.append(rate)
        same = json.dumps(hub_body, sort_keys=True) == json.dumps(
            bare_body, sort_keys=True
        )
    hub_rate, bare_rate = statistics.median(hub_rates), statistics.median(bare_rates)
    print(
        f"roster of 100 students, {requests} requests x {rounds} rounds, "
        f"concurrency {concurrency}"
    )
    print(f"  hub  (GraphQL) : {hub_rate:8.1f} req/s")
    print(f"  bare (Starlette): {bare_rate:8.1f} req/s")
    print(f"  ratio hub/bare : {hub_rate / bare_rate:8.2f}  (target >= 0.50)")
    print(f"  same JSON      : {same}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    main(args.requests, args.concurrency, args.rounds)
