"""Entrants' vaccination histories through the sync: C17 (DB side) and C19."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.http import ClientConfig
from adapters.simulators import HANG, FaultConfig, StudentSeed, make_students, serve
from adapters.sync import Systems
from adapters.sync_demo import build_simulators, serving
from adapters.sync_entrants import LOOKUP_ACTION, entry_kind, school_year_start
from db.crypto import FieldCrypto
from db.engine import make_sessionmaker
from db.models import AuditEvent, LookupRequest, QuarantinedRecord, VaccinationDose
from db.models.sync import RunStatus
from hub.settings import Settings
from rules.access import Principal, Role
from tests.adapters.sync_support import (
    SCHOOL_CODE,
    at_night,
    count,
    make_runner,
    seed_students,
)
from tests.adapters.test_fhir import C19, CHILD, COMBINED, bundle
from tests.conftest import Hub

FIRST_GRADERS = [s for s in make_students(60, seed=5) if s.grade == 1]
REGISTRAR = Principal("registrar", Role.REGISTRAR, school=SCHOOL_CODE)
CHECK = """query($school: String) {
  vaccinationEntryCheck(schoolCode: $school) {
    studentNumber entryKind checkBy recheckBy unmappedDoses
    missingDoses { series doseNumber dueOn }
  }
}"""


async def _no_wait(seconds: float) -> None:
    return None


def test_entry_kinds_follow_grade_and_reason() -> None:
    assert [
        entry_kind(1, "NEW_ENTRY"),
        entry_kind(3, "TRANSFER_IN"),
        entry_kind(2, "NEW_ENTRY"),
    ] == ["NEW_ENTRANT", "TRANSFER_IN", "MID_YEAR_JOINER"]


def test_school_year_starts_in_september() -> None:
    assert [
        school_year_start(date(2025, 10, 8)),
        school_year_start(date(2026, 3, 1)),
    ] == [
        date(2025, 9, 1),
        date(2025, 9, 1),
    ]


async def test_c17_lookup_leaves_one_row_and_one_audit(
    settings: Settings, engine: AsyncEngine
) -> None:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    students = FIRST_GRADERS[:1]
    await seed_students(sessionmaker, crypto, students)
    simulators = build_simulators(
        students,
        as_of=date(2025, 9, 1),
        faults=FaultConfig(script=[HANG], hang_seconds=2.0),
    )
    async with serving(simulators, read_timeout=0.3) as systems:
        runner = make_runner(sessionmaker, crypto, systems, sleep=_no_wait)
        [first] = await runner.run(["immunizations"])
        [second] = await runner.run(["immunizations"], full=True)

    posts = [r for r in simulators.health.faults.requests if r.method == "POST"]
    assert (first.status, second.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED)
    assert [r.fault for r in posts] == ["hang", "none"]
    assert len({r.idempotency_key for r in posts}) == 1
    assert len(simulators.health.lookup_requests) == 1
    async with sessionmaker() as session:
        lookups = (await session.scalars(select(LookupRequest))).all()
        audits = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == LOOKUP_ACTION)
            )
        ).all()
    assert [(x.request_id, x.idempotency_key) for x in lookups] == [
        ("lr-000001", posts[0].idempotency_key)
    ]
    assert [(a.student_id, a.fields, a.outcome) for a in audits] == [
        (lookups[0].student_id, ["idNumber"], "OK")
    ]


class FhirHealth:
    """A health system that answers with whatever bundle the test sets."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/lookup-requests", self._lookup)
        app.router.add_get("/students/{id_number}/immunizations", self._bundle)
        return app

    async def _lookup(self, request: web.Request) -> web.Response:
        return web.json_response({"request_id": "lr-1", "status": "accepted"})

    async def _bundle(self, request: web.Request) -> web.Response:
        if request.match_info["id_number"] != CHILD:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(self.body)


@pytest.fixture(autouse=True)
def night_clock(hub: Hub) -> None:
    """The hub reads the same night as the runner (school year 2025)."""
    hub.state.clock = at_night


@pytest.fixture
async def child(settings: Settings, engine: AsyncEngine) -> AsyncIterator[None]:
    seed = StudentSeed(CHILD, "林一诺", date(2019, 8, 31), "2", 1)
    crypto = FieldCrypto(settings.field_key_bytes())
    await seed_students(make_sessionmaker(engine), crypto, [seed])
    yield


def hepatitis(check: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        (m["series"], m["doseNumber"])
        for m in check["missingDoses"]
        if m["series"] in ("HepA", "HepB")
    ]


async def test_c19_entered_in_error_leaves_entry_check(
    settings: Settings, engine: AsyncEngine, hub: Hub, child: None
) -> None:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    health = FhirHealth(C19)
    resent = copy.deepcopy(COMBINED)
    resent["status"] = "entered-in-error"
    async with serve(health.app()) as url:
        runner = make_runner(sessionmaker, crypto, Systems(health=ClientConfig(url)))
        [first] = await runner.run(["immunizations"])
        [before] = (await hub.data(CHECK, REGISTRAR))["vaccinationEntryCheck"]
        health.body = bundle(resent)
        [second] = await runner.run(["immunizations"], full=True)
        [after] = (await hub.data(CHECK, REGISTRAR))["vaccinationEntryCheck"]

    assert (first.counts.upserted, first.counts.quarantined) == (6, 1)
    assert second.counts.upserted == 1
    assert hepatitis(before) == [("HepB", 3), ("HepA", 2)]
    assert hepatitis(after) == [("HepB", 2), ("HepB", 3), ("HepA", 1)]
    assert (after["entryKind"], after["checkBy"], after["recheckBy"]) == (
        "NEW_ENTRANT",
        "2025-10-01",
        "2025-12-31",
    )
    assert after["unmappedDoses"] == 1
    async with sessionmaker() as session:
        rejected = (await session.scalars(select(QuarantinedRecord))).one()
        found = await session.execute(
            select(VaccinationDose.source_record_id, VaccinationDose.status)
        )
        statuses = {record_id: status for record_id, status in found}
    assert (rejected.source_record_id, rejected.reason) == ("imm-5", "IMM_1")
    assert statuses["imm-3"] == "entered-in-error"
    assert await count(sessionmaker, VaccinationDose) == 6


async def test_feed_entered_in_error_withdraws_counted_dose(
    settings: Settings, engine: AsyncEngine, hub: Hub
) -> None:
    sessionmaker = make_sessionmaker(engine)
    crypto = FieldCrypto(settings.field_key_bytes())
    student = FIRST_GRADERS[0]
    await seed_students(sessionmaker, crypto, [student])
    simulators = build_simulators([student], as_of=date(2025, 9, 1))
    dose = next(
        r
        for r in simulators.health.vaccinations.current()
        if r["id"].endswith("-HepB-1")
    )
    async with serving(simulators) as systems:
        runner = make_runner(sessionmaker, crypto, systems)
        await runner.run(["vaccinations"])
        [before] = (await hub.data(CHECK, REGISTRAR))["vaccinationEntryCheck"]
        simulators.health.mark_entered_in_error(dose["id"])
        await runner.run(["vaccinations"])
        [after] = (await hub.data(CHECK, REGISTRAR))["vaccinationEntryCheck"]

    hep_b = [m for m in after["missingDoses"] if m["series"] == "HepB"]
    assert [m for m in before["missingDoses"] if m["series"] == "HepB"] == []
    assert [(m["doseNumber"], m["dueOn"]) for m in hep_b] == [
        (1, student.birth_date.isoformat())
    ]
