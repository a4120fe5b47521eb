"""Inputs and payloads of the archive mutations (API.md: one input, one payload).

Payload fields that hold entries are public envelopes: each entry's own fields
carry the entry's class, so the guard still decides per field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from rules.access import AccessClass
from schema.archive_attendance import AttendanceEntry
from schema.archive_entries import (
    AidEntry,
    AwardEntry,
    CourseResultEntry,
    EvaluationEntry,
    SanctionEntry,
)
from schema.archive_health import FitnessTestEntry
from schema.archive_types import (
    AidKindEnum,
    AidPeriodEnum,
    AttendanceKindEnum,
    AwardFormEnum,
    AwardLevelEnum,
    ResultLevelEnum,
    SchoolStageEnum,
)
from schema.errors import UserError
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC


def _errors() -> list[UserError]:
    return classified(PUBLIC)  # type: ignore[no-any-return]


@strawberry.input(description="One dimension of a term's evaluation.")
class EvaluationDimensionInput:
    dimension: str = strawberry.field(description="e.g. MORAL_CHARACTER.")
    text: str = strawberry.field(description="写实性评价, required.")
    level: str | None = strawberry.field(default=None, description="e.g. GOOD.")


@strawberry.input
class RecordEvaluationInput:
    student_number: str
    school_year: int
    term: int
    entries: list[EvaluationDimensionInput]
    client_request_id: str | None = None


@strawberry.type
class RecordEvaluationPayload:
    evaluations: list[EvaluationEntry] | None = classified(PUBLIC)
    missing_dimensions: list[str] | None = classified(
        PUBLIC, description="Dimensions of the term not yet entered."
    )
    user_errors: list[UserError] = _errors()


@strawberry.input
class RecordAwardInput:
    student_number: str
    form: AwardFormEnum
    level: AwardLevelEnum
    awarded_on: date
    title: str | None = None
    body: str | None = strawberry.field(default=None, description="Awarding body.")
    democratic_review_on: date | None = None
    council_approved_on: date | None = None
    posted_on: date | None = None
    client_request_id: str | None = None


@strawberry.type
class RecordAwardPayload:
    award: AwardEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input
class RecordSanctionInput:
    student_number: str
    kind: str = strawberry.field(
        description="WARNING, SERIOUS_WARNING, DEMERIT or PROBATION; expulsion "
        "in any spelling is refused with EXPULSION_FORBIDDEN (第三十条)."
    )
    reason: str
    decided_on: date
    client_request_id: str | None = None


@strawberry.type
class RecordSanctionPayload:
    sanction: SanctionEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input
class RevokeSanctionInput:
    sanction_id: strawberry.ID
    revoked_on: date
    peer_review_on: date | None = strawberry.field(
        default=None, description="师生评议."
    )
    school_approved_on: date | None = strawberry.field(
        default=None, description="学校批准."
    )


@strawberry.type
class RevokeSanctionPayload:
    revoked_sanction_id: strawberry.ID | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input
class RecordAttendanceInput:
    student_number: str
    at: datetime = strawberry.field(
        description="When the mark is taken, with its offset; the school day is "
        "its date in Asia/Shanghai."
    )
    kind: AttendanceKindEnum
    note: str | None = None
    client_request_id: str | None = None


@strawberry.type
class RecordAttendancePayload:
    attendance: AttendanceEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input
class CourseResultInput:
    course: str
    school_year: int
    term: int
    score: Decimal | None = None
    level: ResultLevelEnum | None = None
    attempt: int = 1


@strawberry.input
class RecordCourseResultsInput:
    student_number: str
    results: list[CourseResultInput]
    client_request_id: str | None = None


@strawberry.type
class RecordCourseResultsPayload:
    results: list[CourseResultEntry] | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input(description="Score points of one item, read off the tables.")
class FitnessScoreInput:
    item: str = strawberry.field(description="e.g. RUN_50M.")
    points: int


@strawberry.input
class RecordFitnessTestInput:
    student_number: str
    school_year: int
    tested_on: date
    item_scores: list[FitnessScoreInput]
    bonus_points: list[FitnessScoreInput] = strawberry.field(default_factory=list)
    grade: int | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    exempt: bool = False
    is_retest: bool = False
    client_request_id: str | None = None


@strawberry.type
class RecordFitnessTestPayload:
    fitness_test: FitnessTestEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()


@strawberry.input
class RecordAidInput:
    student_number: str
    kind: AidKindEnum
    for_date: date = strawberry.field(
        description="Start of the term or school year the aid is for."
    )
    amount: Decimal | None = None
    period: AidPeriodEnum | None = strawberry.field(
        default=None, description="SCHOOL_YEAR when left out."
    )
    stage: SchoolStageEnum | None = None
    boarding: bool = False
    meal_days: int | None = None
    hardship_recognized: bool = False
    name: str | None = None
    granted_on: date | None = None
    client_request_id: str | None = None


@strawberry.type
class RecordAidPayload:
    aid: AidEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = _errors()
