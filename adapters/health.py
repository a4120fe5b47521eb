"""Adapter of the health system (卫健): health checks, fitness tests, vaccinations.

All three go into archive category 4. Vaccinations come as JSON or as FHIR R4
Immunization bundles (read by ``adapters.fhir``). The JSON contract is in
``adapters.simulators.health``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from adapters.errors import MalformedResponse
from adapters.fhir import BundleImport, read_immunization_bundle
from adapters.http import AdapterClient, Page
from adapters.records import (
    FieldReader,
    FitnessItem,
    FitnessResult,
    HealthCheck,
    ProtocolDose,
    VaccinationDose,
)
from rules.vaccination import COMPLETED, STATUSES, catalogue

SOURCE = "health"
# 健康状况 codes of the 学籍 form (DOMAIN §2.2).
HEALTH_STATUSES = frozenset({"10", "20", "30", "40", "50"})


class HealthAdapter(AdapterClient):
    """Reads one student's health records, or the health change feeds."""

    system = SOURCE

    async def health_checks(self, id_number: str) -> Page[HealthCheck]:
        return await self.get_items(_student(id_number, "health-checks"), map_check)

    async def fitness_tests(self, id_number: str) -> Page[FitnessResult]:
        return await self.get_items(_student(id_number, "fitness-tests"), map_fitness)

    async def vaccinations(self, id_number: str) -> Page[VaccinationDose]:
        """Doses as the system's JSON records."""
        path = _student(id_number, "vaccinations")
        return await self.get_items(path, map_vaccination)

    async def immunizations(self, id_number: str) -> BundleImport:
        """Doses as a FHIR Immunization bundle; bad entries come back as faults."""
        body = await self.get_json(_student(id_number, "immunizations"))
        return read_immunization_bundle(body, source=SOURCE, id_number=id_number)

    async def request_lookup(
        self, id_number: str, *, idempotency_key: str | None = None
    ) -> str:
        """Ask the system to prepare a student's records; returns the request id.

        Without an ``idempotency_key`` the request is sent once whatever happens,
        so a timeout cannot register it twice.
        """
        body = await self.post_json(
            "/lookup-requests",
            {"id_number": id_number},
            idempotency_key=idempotency_key,
        )
        request_id = body.get("request_id") if isinstance(body, dict) else None
        if not isinstance(request_id, str):
            raise MalformedResponse(
                "answer has no request_id",
                system=self.system,
                method="POST",
                path="/lookup-requests",
            )
        return request_id

    def check_changes(
        self, since: str | None, page_size: int = 100
    ) -> AsyncIterator[Page[HealthCheck]]:
        return self.mapped_pages(
            "/changes/health-checks", map_check, since=since, page_size=page_size
        )

    def fitness_changes(
        self, since: str | None, page_size: int = 100
    ) -> AsyncIterator[Page[FitnessResult]]:
        return self.mapped_pages(
            "/changes/fitness-tests", map_fitness, since=since, page_size=page_size
        )

    def vaccination_changes(
        self, since: str | None, page_size: int = 100
    ) -> AsyncIterator[Page[VaccinationDose]]:
        return self.mapped_pages(
            "/changes/vaccinations", map_vaccination, since=since, page_size=page_size
        )


def _student(id_number: str, what: str) -> str:
    return f"/students/{quote(id_number, safe='')}/{what}"


def map_check(item: Any) -> HealthCheck:
    """One health check or tombstone; raises ``MappingFault``."""
    fields = FieldReader.open(item)
    if fields.is_tombstone():
        return HealthCheck(
            source=SOURCE, source_record_id=fields.record_id, deleted=True
        )
    return HealthCheck(
        source=SOURCE,
        source_record_id=fields.record_id,
        id_number=fields.id_number(),
        examined_on=fields.required_date("examined_on"),
        height_cm=fields.number("height_cm"),
        weight_kg=fields.number("weight_kg"),
        vision_left=fields.number("vision_left"),
        vision_right=fields.number("vision_right"),
        health_status=fields.choice("health_status", HEALTH_STATUSES),
        findings=fields.texts("findings"),
        institution=fields.optional_text("institution"),
    )


def map_fitness(item: Any) -> FitnessResult:
    """One fitness test or tombstone; raises ``MappingFault``."""
    fields = FieldReader.open(item)
    if fields.is_tombstone():
        return FitnessResult(
            source=SOURCE, source_record_id=fields.record_id, deleted=True
        )
    return FitnessResult(
        source=SOURCE,
        source_record_id=fields.record_id,
        id_number=fields.id_number(),
        school_year=fields.text("school_year"),
        tested_on=fields.required_date("tested_on"),
        grade=fields.integer("grade"),
        items=tuple(_fitness_item(fields, raw) for raw in fields.objects("items")),
        total_score=fields.number("total_score"),
        is_retest=fields.flag("is_retest"),
        exempt=fields.flag("exempt"),
    )


def _fitness_item(parent: FieldReader, raw: Any) -> FitnessItem:
    fields = FieldReader(raw, parent.record_id)
    value = fields.number("value")
    if value is None:
        raise parent.fault("MISSING_FIELD", "items.value")
    return FitnessItem(fields.text("item"), value, fields.text("unit"))


def map_vaccination(item: Any) -> VaccinationDose:
    """One JSON dose record or tombstone; raises ``MappingFault``.

    A vaccine key not in the schedule is kept for manual mapping, as in FHIR.
    """
    fields = FieldReader.open(item)
    if fields.is_tombstone():
        return VaccinationDose(
            source=SOURCE, source_record_id=fields.record_id, deleted=True
        )
    key = fields.text("vaccine")
    known = key in catalogue().products
    status = fields.choice("status", STATUSES)
    dose_number = fields.integer("dose_number")
    return VaccinationDose(
        source=SOURCE,
        source_record_id=fields.record_id,
        id_number=fields.id_number(),
        vaccine=key if known else None,
        status=status,
        is_subpotent=fields.flag("is_subpotent"),
        occurred_on=fields.required_date("date"),
        precision="day",
        occurrence_text=fields.text("date"),
        primary_source=True,
        protocol=(ProtocolDose(None, dose_number),) if dose_number else (),
        needs_manual_mapping=not known and status == COMPLETED,
        vaccine_text=None if known else key,
    )
