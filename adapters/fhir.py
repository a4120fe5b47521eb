"""FHIR R4 ``Immunization`` bundles from the health system, read into our records.

Each entry is validated on its own with fhir.resources (R4B models, which read R4
Immunization content unchanged), so one invalid entry becomes a ``MappingFault``
while the rest of the bundle still imports. Nothing in a bundle crashes the reader.

How entries map (see ``rules/data/vaccines.json`` for the vaccine keys):

- vaccine: a CVX coding, a coding of ``NIP_VACCINE_SYSTEM`` (our keys), or a coding
  whose display is the Chinese name of a schedule vaccine. Several codings of one
  event (CVX and NDC) are one dose. Free text alone is not trusted: the dose is kept
  with ``vaccine=None``, ``needs_manual_mapping=True`` and a suggestion.
- occurrence: ``occurrenceDateTime`` keeps its precision (year, month, day,
  datetime); a datetime keeps the date as written where the shot was given, never
  shifted to another zone. ``occurrenceString`` is read where it is a plain date
  ("2020年1月", "January 2012") and kept as text otherwise.
- protocolApplied: each entry names the series (through its target disease) and
  the dose number a shot counts for; a combined shot has one entry per component.
- invariant imm-1: a ``statusReason`` is allowed only on a ``not-done`` record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from adapters.errors import MappingFault
from adapters.records import ProtocolDose, VaccinationDose, checked_id_number
from rules.vaccination import COMPLETED, NOT_DONE, STATUSES, catalogue

CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
SNOMED_SYSTEM = "http://snomed.info/sct"
NIP_VACCINE_SYSTEM = "urn:xueji:nip-vaccine"

# Limitation: NDC and other national product codes are kept in ``codes`` but not
# mapped; such an event needs a CVX or a Chinese display name to count, or manual
# mapping. A product-code table in vaccines.json would lift it.
# fhir.resources validates occurrenceString only as a string; reading a date from
# the text is ours.
_CHINESE_DATE = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?$")
_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ENGLISH_MONTH = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


@dataclass(frozen=True)
class BundleImport:
    """What one bundle gave: the doses kept and the entries quarantined."""

    doses: tuple[VaccinationDose, ...]
    faults: tuple[MappingFault, ...]


def read_immunization_bundle(
    raw: Any, *, source: str = "health", id_number: str | None = None
) -> BundleImport:
    """Map every ``Immunization`` of a Bundle; other resources are skipped.

    ``id_number`` is the student the bundle was fetched for; an entry whose patient
    resolves to a different ID number is quarantined.
    """
    entries, fault = _bundle_entries(raw)
    if fault is not None:
        return BundleImport((), (fault,))
    patients = _patients(entries)
    doses: list[VaccinationDose] = []
    faults: list[MappingFault] = []
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") != "Immunization":
            continue
        try:
            doses.append(_read_entry(entry, resource, patients, source, id_number))
        except MappingFault as error:
            faults.append(error)
    return BundleImport(tuple(doses), tuple(faults))


def _bundle_entries(raw: Any) -> tuple[list[dict[str, Any]], MappingFault | None]:
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        return [], MappingFault(None, "NOT_A_BUNDLE")
    entries = raw.get("entry") or []
    if not isinstance(entries, list):
        return [], MappingFault(None, "NOT_A_BUNDLE", "entry is not a list")
    try:
        Bundle.model_validate({k: v for k, v in raw.items() if k != "entry"})
    except ValidationError as error:
        return [], MappingFault(None, "NOT_A_BUNDLE", _first_error(error))
    return [entry for entry in entries if isinstance(entry, dict)], None


def _patients(entries: list[dict[str, Any]]) -> dict[str, str]:
    """ID numbers of the bundle's Patient resources, by fullUrl and by reference."""
    found: dict[str, str] = {}
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
            continue
        try:
            patient = Patient.model_validate(resource)
        except ValidationError:
            continue
        number = _id_number_of(patient.identifier or [])
        if number is None:
            continue
        if isinstance(entry.get("fullUrl"), str):
            found[entry["fullUrl"]] = number
        if patient.id:
            found[f"Patient/{patient.id}"] = number
    return found


def _read_entry(
    entry: Mapping[str, Any],
    resource: dict[str, Any],
    patients: Mapping[str, str],
    source: str,
    expected_id_number: str | None,
) -> VaccinationDose:
    record_id = _record_id(entry, resource)
    try:
        immunization = Immunization.model_validate(resource)
    except ValidationError as error:
        raise MappingFault(
            record_id, "INVALID_RESOURCE", _first_error(error)
        ) from error

    # The models let an explicit null through where R4 requires a value.
    for required in ("vaccineCode", "patient"):
        if getattr(immunization, required) is None:
            raise MappingFault(record_id, "INVALID_RESOURCE", f"{required}: required")
    status = immunization.status
    if status not in STATUSES:
        raise MappingFault(record_id, "UNKNOWN_STATUS", str(status))
    if immunization.statusReason is not None and status != NOT_DONE:
        raise MappingFault(
            record_id, "IMM_1", "statusReason is allowed only when status is not-done"
        )
    patient = _patient_id_number(immunization, patients, expected_id_number, record_id)
    vaccine = _vaccine(immunization)
    occurred_on, precision = _occurrence(immunization)
    return VaccinationDose(
        source=source,
        source_record_id=record_id,
        id_number=patient,
        vaccine=vaccine.key,
        status=status,
        status_reason=_concept_code(immunization.statusReason),
        is_subpotent=bool(immunization.isSubpotent),
        occurred_on=occurred_on,
        precision=precision,
        occurrence_text=_occurrence_text(resource),
        primary_source=immunization.primarySource,
        protocol=_protocol(immunization, vaccine.key),
        needs_manual_mapping=vaccine.key is None and status == COMPLETED,
        vaccine_text=vaccine.text,
        suggested_vaccine=vaccine.suggestion,
        codes=vaccine.codes,
    )


def _record_id(entry: Mapping[str, Any], resource: Mapping[str, Any]) -> str:
    for candidate in (resource.get("id"), entry.get("fullUrl")):
        if isinstance(candidate, str) and candidate:
            return candidate
    raise MappingFault(None, "MISSING_ID", "Immunization has neither id nor fullUrl")


def _patient_id_number(
    immunization: Immunization,
    patients: Mapping[str, str],
    expected: str | None,
    record_id: str,
) -> str:
    reference = immunization.patient
    found = patients.get(reference.reference or "")
    if found is None and reference.identifier is not None:
        found = checked_id_number(reference.identifier.value or "")
    if found is None and expected is None:
        raise MappingFault(record_id, "UNKNOWN_PATIENT", "no ID number for patient")
    if found is not None and expected is not None and found != expected:
        raise MappingFault(record_id, "PATIENT_MISMATCH", "another student's record")
    return found or expected or ""


@dataclass(frozen=True)
class _Vaccine:
    key: str | None
    text: str | None
    suggestion: str | None
    codes: tuple[str, ...]


def _vaccine(immunization: Immunization) -> _Vaccine:
    concept = immunization.vaccineCode
    schedule = catalogue()
    keys: set[str] = set()
    codes: list[str] = []
    displays: list[str] = []
    for coding in concept.coding or []:
        codes.append(f"{coding.system or ''}|{coding.code or ''}")
        if coding.display:
            displays.append(coding.display)
        key = _coding_key(coding.system, coding.code, coding.display)
        if key is not None:
            keys.add(key)
    text = concept.text or (displays[0] if displays else None)
    # Two codings that name different vaccines cannot both be right.
    key = keys.pop() if len(keys) == 1 else None
    suggestion = schedule.product_for_name(text) if key is None and text else None
    return _Vaccine(key, text, suggestion, tuple(codes))


def _coding_key(
    system: str | None, code: str | None, display: str | None
) -> str | None:
    schedule = catalogue()
    if system == CVX_SYSTEM and code:
        return schedule.product_for_cvx(code)
    if system == NIP_VACCINE_SYSTEM and code in schedule.products:
        return code
    if display and system not in (CVX_SYSTEM, NIP_VACCINE_SYSTEM):
        return schedule.product_for_name(display)
    return None


def _occurrence(immunization: Immunization) -> tuple[date | None, str | None]:
    value = immunization.occurrenceDateTime
    if isinstance(value, datetime):
        # The wall-clock date where the shot was given, as written with its offset.
        return value.date(), "datetime"
    if isinstance(value, date):
        return value, "day"
    if isinstance(value, str):
        return _partial_date(value)
    if immunization.occurrenceString:
        return _partial_date(immunization.occurrenceString.strip())
    return None, None


def _partial_date(text: str) -> tuple[date | None, str | None]:
    match = _CHINESE_DATE.match(text) or _ISO_PARTIAL.match(text)
    if match is not None:
        year, month, day = match.groups()
        return _dated(int(year), month, day)
    english = _ENGLISH_MONTH.match(text)
    if english is None:
        return None, None
    word = english.group(1).lower()
    for number, name in enumerate(_MONTHS, start=1):
        if len(word) >= 3 and name.startswith(word):
            return _dated(int(english.group(2)), str(number))
    return None, None


def _dated(
    year: int, month: str | None, day: str | None = None
) -> tuple[date | None, str | None]:
    try:
        if month is None:
            return date(year, 1, 1), "year"
        if day is None:
            return date(year, int(month), 1), "month"
        return date(year, int(month), int(day)), "day"
    except ValueError:
        return None, None


def _occurrence_text(resource: Mapping[str, Any]) -> str | None:
    for key in ("occurrenceDateTime", "occurrenceString"):
        if isinstance(resource.get(key), str):
            return str(resource[key])
    return None


def _protocol(
    immunization: Immunization, product: str | None
) -> tuple[ProtocolDose, ...]:
    schedule = catalogue()
    components = set(schedule.components(product)) if product else set()
    doses = []
    for applied in immunization.protocolApplied or []:
        series: set[str] = set()
        for concept in applied.targetDisease or []:
            for coding in concept.coding or []:
                if coding.system in (SNOMED_SYSTEM, None) and coding.code:
                    series |= schedule.series_for_disease(coding.code)
        if components:
            series &= components
        doses.append(
            ProtocolDose(
                series.pop() if len(series) == 1 else None,
                _positive(applied.doseNumberPositiveInt, applied.doseNumberString),
                _positive(applied.seriesDosesPositiveInt, applied.seriesDosesString),
            )
        )
    return tuple(doses)


def _positive(number: int | None, text: str | None) -> int | None:
    if number is not None:
        return int(number)
    if text is not None and text.strip().isdigit():
        return int(text.strip())
    return None


def _concept_code(concept: Any) -> str | None:
    if concept is None:
        return None
    for coding in concept.coding or []:
        if coding.code:
            return str(coding.code)
    return str(concept.text) if concept.text else None


def _id_number_of(identifiers: list[Any]) -> str | None:
    for identifier in identifiers:
        number = checked_id_number(identifier.value or "")
        if number is not None:
            return number
    return None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}".strip(": ")
