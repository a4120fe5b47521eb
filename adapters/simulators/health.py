"""Simulator of the health system (卫健): health checks, fitness tests, vaccinations.

Contract (JSON, UTF-8; dates ``YYYY-MM-DD``)::

    GET /students/{id_number}/health-checks
        200 {"items": [{"id", "id_number", "examined_on", "height_cm", "weight_kg",
                        "vision_left", "vision_right", "health_status",
                        "findings": ["..."], "institution"}]}
    GET /students/{id_number}/fitness-tests
        200 {"items": [{"id", "id_number", "school_year": "2024-2025", "tested_on",
                        "grade", "items": [{"item", "value", "unit"}],
                        "total_score", "is_retest", "exempt"}]}
    GET /students/{id_number}/vaccinations
        200 {"items": [{"id", "id_number", "vaccine": "<key of vaccines.json>",
                        "dose_number", "status", "is_subpotent", "date"}]}
    GET /students/{id_number}/immunizations
        200 application/fhir+json: a FHIR R4 searchset Bundle of the same doses
            (a Patient entry, then one Immunization per dose)
    POST /lookup-requests  {"id_number": "..."}   header Idempotency-Key optional
        201 {"request_id", "id_number", "status": "accepted"}
        200 the same body again when the Idempotency-Key was seen before
        400 {"error": "..."} without an id_number
    GET /changes/health-checks | /changes/fitness-tests | /changes/vaccinations
        change feeds (see adapters.simulators.common)

An unknown student's per-student URLs answer 404 {"error": "not found"}.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from aiohttp import web

from adapters.simulators import health_data
from adapters.simulators.common import (
    ChangeFeed,
    JsonRecord,
    RouteHandler,
    StudentSeed,
    by_student,
    feed_handler,
    not_found,
    student_rng,
)
from adapters.simulators.faults import FaultConfig, FaultInjector

SYSTEM = "health"
FHIR_JSON = "application/fhir+json"


class HealthSimulator:
    """Health records of the seeded students, with change feeds."""

    def __init__(
        self,
        students: Sequence[StudentSeed],
        *,
        seed: int = 0,
        faults: FaultConfig | None = None,
        as_of: date = date(2025, 9, 1),
    ) -> None:
        self.faults = FaultInjector(faults or FaultConfig())
        self.checks = ChangeFeed()
        self.fitness = ChangeFeed()
        self.vaccinations = ChangeFeed()
        self.lookup_requests: dict[str, JsonRecord] = {}
        self._students = by_student(students)
        for index, student in enumerate(students, start=1):
            rng = student_rng(seed, SYSTEM, student)
            prefix = f"s{index:05d}"
            for record in health_data.health_checks(student, rng, as_of, prefix):
                self.checks.put(record)
            for record in health_data.fitness_tests(student, rng, as_of, prefix):
                self.fitness.put(record)
            for record in health_data.vaccinations(student, rng, as_of, prefix):
                self.vaccinations.put(record)

    def app(self) -> web.Application:
        app = web.Application()
        self.faults.install(app)
        routes = (
            ("/students/{id_number}/health-checks", self.checks),
            ("/students/{id_number}/fitness-tests", self.fitness),
            ("/students/{id_number}/vaccinations", self.vaccinations),
        )
        for path, feed in routes:
            app.router.add_get(path, _per_student(self._students, feed))
        app.router.add_get("/students/{id_number}/immunizations", self._bundle)
        app.router.add_post("/lookup-requests", self._lookup_request)
        app.router.add_get("/changes/health-checks", feed_handler(self.checks))
        app.router.add_get("/changes/fitness-tests", feed_handler(self.fitness))
        app.router.add_get("/changes/vaccinations", feed_handler(self.vaccinations))
        return app

    def mark_entered_in_error(self, record_id: str) -> None:
        """The health system withdraws a dose: a new version with that status."""
        record = self.vaccinations.get(record_id)
        if record is None:
            raise KeyError(record_id)
        self.vaccinations.put({**record, "status": "entered-in-error"})

    async def _bundle(self, request: web.Request) -> web.Response:
        student = self._students.get(request.match_info["id_number"])
        if student is None:
            return not_found()
        doses = self.vaccinations.where("id_number", student.id_number)
        bundle = health_data.immunization_bundle(student, doses)
        return web.Response(
            body=json.dumps(bundle, ensure_ascii=False).encode(),
            content_type=FHIR_JSON,
            charset="utf-8",
        )

    async def _lookup_request(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and key in self.lookup_requests:
            return web.json_response(self.lookup_requests[key], status=200)
        body = await _json_body(request)
        id_number = body.get("id_number") if isinstance(body, dict) else None
        if not isinstance(id_number, str):
            return web.json_response({"error": "id_number is required"}, status=400)
        number = len(self.lookup_requests) + 1
        answer = {"request_id": f"lr-{number:06d}", "id_number": id_number}
        answer["status"] = "accepted"
        self.lookup_requests[key or answer["request_id"]] = answer
        return web.json_response(answer, status=201)


def _per_student(students: dict[str, StudentSeed], feed: ChangeFeed) -> RouteHandler:
    async def handle(request: web.Request) -> web.Response:
        id_number = request.match_info["id_number"]
        if id_number not in students:
            return not_found()
        return web.json_response({"items": feed.where("id_number", id_number)})

    return handle


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None
