"""Inputs of the status mutations (API.md: ``verbNoun(input: VerbNounInput!)``)."""

from __future__ import annotations

from datetime import date

import strawberry

from rules.status_suspension import DEFAULT_SUSPENSION_MONTHS
from schema.org import SchoolKind
from schema.records_forms import Decision
from schema.status import (
    ChangeReasonEnum,
    HospitalLevelEnum,
    OtherLeavingGroundEnum,
    TransferDocumentEnum,
    TransferReasonEnum,
)


@strawberry.input(description="A receiving school outside the district.")
class OutsideSchoolInput:
    name: str
    district_code: str
    kind: SchoolKind
    code: str | None = None


@strawberry.input
class ApplyTransferInput:
    student_number: str
    receiving_school_code: str | None = strawberry.field(
        default=None,
        description="A school of the district; leave out on the route of 第十五条, "
        "where the district assigns the school.",
    )
    outside_school: OutsideSchoolInput | None = None
    reason: TransferReasonEnum | None = None
    documents: list[TransferDocumentEnum] = strawberry.field(default_factory=list)
    to_arts_sports_school: bool = strawberry.field(
        default=False, description="Into an arts or sports school (第十七条)."
    )
    keep_record_at_original: bool = strawberry.field(
        default=False,
        description="Special education ↔ regular class: the record stays (第十八条).",
    )
    waived: list[str] = strawberry.field(
        default_factory=list,
        description="Refusal codes the district sets aside (一般, 原则上 of 第十三条).",
    )
    note: str | None = None
    client_request_id: str | None = None


@strawberry.input
class DecideTransferStepInput:
    workflow_id: strawberry.ID
    decision: Decision
    comment: str = ""
    assigned_school_code: str | None = strawberry.field(
        default=None, description="The district names the school (第十五条)."
    )
    class_id: strawberry.ID | None = strawberry.field(
        default=None, description="The receiving school's class for the student."
    )
    effective_date: date | None = strawberry.field(
        default=None, description="Last day at the old school (default: today)."
    )
    client_request_id: str | None = None


@strawberry.input
class CancelTransferInput:
    workflow_id: strawberry.ID
    comment: str = ""


@strawberry.input
class MedicalCertificateInput:
    hospital_level: HospitalLevelEnum
    issued_on: date
    hospital_name: str | None = None


@strawberry.input
class DateRangeInput:
    start: date
    end: date


@strawberry.input
class ApplySuspensionInput:
    student_number: str
    reason: ChangeReasonEnum
    start_date: date
    months: int = DEFAULT_SUSPENSION_MONTHS
    certificate: MedicalCertificateInput | None = None
    rest_periods: list[DateRangeInput] = strawberry.field(
        default_factory=list,
        description="Rest the certificate prescribes, where attendance lacks it.",
    )
    documents: list[str] = strawberry.field(default_factory=list)
    note: str | None = None
    client_request_id: str | None = None


@strawberry.input
class DecideSuspensionInput:
    workflow_id: strawberry.ID
    decision: Decision
    comment: str = ""


@strawberry.input
class ApplySuspensionExtensionInput:
    student_number: str
    new_end: date
    note: str | None = None


@strawberry.input
class ApplyResumptionInput:
    student_number: str
    class_id: strawberry.ID
    effective_date: date
    certificate: MedicalCertificateInput | None = None
    note: str | None = None


@strawberry.input
class DecideResumptionInput:
    workflow_id: strawberry.ID
    decision: Decision
    comment: str = ""


@strawberry.input
class RecordDeathInput:
    student_number: str
    date_of_death: date
    learned_on: date
    reason: ChangeReasonEnum | None = None
    documents: list[str] = strawberry.field(
        default_factory=list, description="Proof of death (第二十二条)."
    )
    note: str | None = None


@strawberry.input
class ReportDropoutInput:
    student_number: str
    note: str | None = None


@strawberry.input
class RecordOtherLeavingInput:
    student_number: str
    ground: OtherLeavingGroundEnum
    reported_to_district: bool
    left_on: date | None = None
    reason_given: bool = False
    reachable: bool = False
    note: str | None = None


@strawberry.input
class ApplyReentryInput:
    student_number: str
    school_code: str | None = None
    note: str | None = None


@strawberry.input
class DecideReentryInput:
    workflow_id: strawberry.ID
    decision: Decision
    comment: str = ""
    class_id: strawberry.ID | None = None


@strawberry.input
class ApplyGradeSkipInput:
    student_number: str
    to_class_id: strawberry.ID
    effective_date: date
    approval_number: str | None = None
    note: str | None = None
    client_request_id: str | None = None


@strawberry.input
class DecideGradeSkipInput:
    workflow_id: strawberry.ID
    decision: Decision
    comment: str = ""
