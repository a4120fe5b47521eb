"""The records the adapters map outside data into, and a reader for raw fields.

Each record names where it came from (``source``, ``source_record_id``) so the sync
can upsert it and keep provenance. ``deleted`` marks a tombstone from a change feed:
only the two ids are then meaningful and every other field is ``None``/empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from adapters.errors import MappingFault


@dataclass(frozen=True, kw_only=True, slots=True)
class HouseholdProof:
    """户籍证明 from the household-registration system (archive category 2)."""

    source: str
    source_record_id: str
    deleted: bool = False
    id_number: str | None = None
    household_number: str | None = None
    head_name: str | None = None
    relation_to_head: str | None = None
    registered_address: str | None = None
    division_code: str | None = None
    # 户口性质: "1" agricultural, "2" non-agricultural (DOMAIN §2.2).
    household_type: str | None = None
    move_in_date: date | None = None
    # The person as registered: name, birth date and sex ("1" male, "2" female).
    name: str | None = None
    birth_date: date | None = None
    sex: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class HealthCheck:
    """One health examination (archive category 4)."""

    source: str
    source_record_id: str
    deleted: bool = False
    id_number: str | None = None
    examined_on: date | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    vision_left: float | None = None
    vision_right: float | None = None
    # 健康状况 code of the 学籍 form: 10 good ... 50 disabled (DOMAIN §2.2).
    health_status: str | None = None
    findings: tuple[str, ...] = ()
    institution: str | None = None


@dataclass(frozen=True, slots=True)
class FitnessItem:
    """One measured item of the national student fitness standard."""

    item: str
    value: float
    unit: str


@dataclass(frozen=True, kw_only=True, slots=True)
class FitnessResult:
    """One year's 国家学生体质健康标准 test (archive category 4)."""

    source: str
    source_record_id: str
    deleted: bool = False
    id_number: str | None = None
    school_year: str | None = None
    tested_on: date | None = None
    grade: int | None = None
    items: tuple[FitnessItem, ...] = ()
    total_score: float | None = None
    is_retest: bool = False
    exempt: bool = False


@dataclass(frozen=True, slots=True)
class ProtocolDose:
    """Which dose of which series a shot counts for, as the source states it."""

    series: str | None
    dose_number: int | None
    series_doses: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VaccinationDose:
    """One immunization event (archive category 4).

    ``vaccine`` is a product key of ``rules/data/vaccines.json`` or ``None`` when
    the source named a vaccine we could not map (then ``needs_manual_mapping``).
    ``occurred_on`` is the date as written at the place of administration, with
    ``precision`` one of ``year``, ``month``, ``day``, ``datetime``.
    """

    source: str
    source_record_id: str
    deleted: bool = False
    id_number: str | None = None
    vaccine: str | None = None
    status: str = "completed"
    status_reason: str | None = None
    is_subpotent: bool = False
    occurred_on: date | None = None
    precision: str | None = None
    occurrence_text: str | None = None
    primary_source: bool | None = None
    protocol: tuple[ProtocolDose, ...] = ()
    needs_manual_mapping: bool = False
    vaccine_text: str | None = None
    suggested_vaccine: str | None = None
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class AwardRecord:
    """An honour of district level or above (第二十九条, archive category 5)."""

    source: str
    source_record_id: str
    deleted: bool = False
    id_number: str | None = None
    title: str | None = None
    # district, city, province or national.
    level: str | None = None
    awarded_on: date | None = None
    issuer: str | None = None


class FieldReader:
    """Reads the fields of one raw JSON record, raising ``MappingFault`` on faults.

    A pydantic model per contract would also validate, but its errors would have to
    be translated back into one stable reason per field; reading field by field
    gives the quarantine that reason directly.
    """

    def __init__(self, item: Mapping[str, Any], record_id: str) -> None:
        self._item = item
        self.record_id = record_id

    @classmethod
    def open(cls, item: Any, id_key: str = "id") -> FieldReader:
        if not isinstance(item, Mapping):
            raise MappingFault(None, "NOT_AN_OBJECT", type(item).__name__)
        record_id = item.get(id_key)
        if isinstance(record_id, int) and not isinstance(record_id, bool):
            record_id = str(record_id)
        if not isinstance(record_id, str) or not record_id:
            raise MappingFault(None, "MISSING_ID", id_key)
        return cls(item, record_id)

    def fault(self, reason: str, key: str) -> MappingFault:
        return MappingFault(self.record_id, reason, key)

    def is_tombstone(self) -> bool:
        return self._item.get("deleted") is True

    def text(self, key: str) -> str:
        value = self.optional_text(key)
        if value is None:
            raise self.fault("MISSING_FIELD", key)
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._item.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fault("NOT_TEXT", key)
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fault("NOT_TEXT_LIST", key)
        return tuple(value)

    def objects(self, key: str) -> list[Mapping[str, Any]]:
        value = self._item.get(key) or []
        if not isinstance(value, list) or not all(
            isinstance(v, Mapping) for v in value
        ):
            raise self.fault("NOT_OBJECT_LIST", key)
        return value

    def required_date(self, key: str) -> date:
        value = self.optional_date(key)
        if value is None:
            raise self.fault("MISSING_FIELD", key)
        return value

    def optional_date(self, key: str) -> date | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise self.fault("BAD_DATE", key) from error

    def number(self, key: str) -> float | None:
        value = self._item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fault("NOT_A_NUMBER", key)
        return float(value)

    def integer(self, key: str) -> int | None:
        value = self._item.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fault("NOT_AN_INTEGER", key)
        return value

    def flag(self, key: str) -> bool:
        value = self._item.get(key, False)
        if not isinstance(value, bool):
            raise self.fault("NOT_A_FLAG", key)
        return value

    def id_number(self, key: str = "id_number") -> str:
        """An 18-character GB 11643-1999 number, checked with python-stdnum."""
        value = checked_id_number(self.text(key))
        if value is None:
            raise self.fault("BAD_ID_NUMBER", key)
        return value

    def matching(self, key: str, pattern: re.Pattern[str]) -> str:
        value = self.text(key)
        if pattern.fullmatch(value) is None:
            raise self.fault("BAD_FORMAT", key)
        return value

    def choice(self, key: str, allowed: Collection[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise self.fault("UNKNOWN_CODE", key)
        return value


# python-stdnum's area check takes most of a millisecond; a feed names the same
# student in many records.
@lru_cache(maxsize=8192)
def checked_id_number(value: str) -> str | None:
    """The number in canonical form if it is a valid GB 11643-1999 ID number."""
    try:
        return str(ric.validate(value))
    except ValidationError:
        return None
    except KeyError:
        # python-stdnum raises KeyError('county') for an unknown county code of a
        # known province (DOMAIN §1.3); it is an invalid number all the same.
        return None
