"""Inputs and payloads of the record mutations (第六至十二条).

The record input's fields carry the national form's items under the camelCase
names that ``rules.records`` uses in its fault paths, so that a ``UserError``'s
``field`` names the input field at fault. The class is given by id (``classId``)
instead of item 23's class name.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.unset import UnsetType

from rules.records import BasicInfo
from rules.records import Guardian as GuardianInfo
from schema.node import from_global_id

UNSET: Any = strawberry.UNSET


@strawberry.input(description="家庭成员或监护人 (items 49–60 / 61–72).")
class GuardianInput:
    name: str | None = None
    relation: str | None = strawberry.field(
        default=None, description="关系: 学籍 family code (1 父亲, 2 母亲 ...)."
    )
    relation_note: str | None = None
    ethnicity: str | None = None
    employer: str | None = None
    current_address: str | None = None
    household_place: str | None = strawberry.field(
        default=None, description="户口所在地: GB/T 2260 code."
    )
    phone: str | None = None
    is_guardian: bool | None = None
    id_type: str | None = None
    id_number: str | None = None
    position: str | None = strawberry.field(default=None, description="职务.")

    def to_info(self) -> GuardianInfo:
        return GuardianInfo(**{name: getattr(self, name) for name in _GUARDIAN_FIELDS})


_GUARDIAN_FIELDS = tuple(GuardianInfo.__dataclass_fields__)


@strawberry.input(description="Items of the national basic-information form.")
class StudentRecordFields:
    name: str | None = UNSET
    sex: str | None = strawberry.field(
        default=UNSET, description="1 male, 2 female; read from the ID if left out."
    )
    birth_date: date | None = strawberry.field(
        default=UNSET, description="Read from a resident ID number if left out."
    )
    birth_place: str | None = strawberry.field(default=UNSET, description="GB/T 2260.")
    native_place: str | None = strawberry.field(default=UNSET, description="籍贯.")
    ethnicity: str | None = strawberry.field(default=UNSET, description="GB 3304.")
    nationality: str | None = strawberry.field(default=UNSET, description="GB/T 2659.")
    id_type: str | None = strawberry.field(
        default=UNSET, description="身份证件类型: 1, 6, 7, 8, 9, A or Z."
    )
    id_number: str | None = strawberry.field(
        default=UNSET, description="身份证件号; a final x is read as X."
    )
    hmt_overseas: str | None = strawberry.field(
        default=UNSET, description="港澳台侨外."
    )
    political_status: str | None = UNSET
    health_status: str | None = UNSET
    name_pinyin: str | None = UNSET
    former_name: str | None = UNSET
    id_expiry: date | None = UNSET
    household_place: str | None = UNSET
    household_type: str | None = UNSET
    special_talent: str | None = UNSET
    secondary_number: str | None = UNSET
    class_number: str | None = strawberry.field(default=UNSET, description="班内学号.")
    grade: int | None = UNSET
    class_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The class (item 23) by its ID."
    )
    entry_date: date | None = strawberry.field(default=UNSET, description="入学年月.")
    entry_route: str | None = UNSET
    attendance_mode: str | None = UNSET
    student_source: str | None = UNSET
    current_address: str | None = UNSET
    mailing_address: str | None = UNSET
    home_address: str | None = UNSET
    phone: str | None = UNSET
    postcode: str | None = UNSET
    email: str | None = UNSET
    homepage: str | None = UNSET
    only_child: bool | None = UNSET
    had_preschool: bool | None = UNSET
    left_behind: str | None = UNSET
    migrant_child: bool | None = UNSET
    orphan: bool | None = UNSET
    martyr_child: bool | None = UNSET
    inclusive_class: str | None = UNSET
    disability_type: str | None = UNSET
    government_place: bool | None = UNSET
    needs_aid: bool | None = UNSET
    receives_subsidy: bool | None = UNSET
    commute_distance_km: float | None = UNSET
    commute_mode: str | None = UNSET
    needs_school_bus: bool | None = UNSET
    guardians: list[GuardianInput] | None = strawberry.field(
        default=UNSET, description="At most two."
    )
    attendance_proof_filed: bool | None = strawberry.field(
        default=UNSET,
        description="Type Z without a number: the school keeps a signed 就读证明.",
    )

    def patch(self) -> dict[str, Any]:
        """The form attributes given (left-out ones are not), plus ``class_pk``."""
        given: dict[str, Any] = {}
        for name in _RECORD_FIELDS:
            value = getattr(self, name)
            if isinstance(value, UnsetType):
                continue
            if name == "class_id":
                given["class_pk"] = class_pk(value)
            elif name == "guardians":
                given[name] = tuple(g.to_info() for g in value or ())
            elif name == "attendance_proof_filed":
                given[name] = bool(value)
            else:
                given[name] = value
        return given

    def to_info(self) -> tuple[BasicInfo, int | None]:
        """A new record from the items given, and the class asked for."""
        values = self.patch()
        pk = values.pop("class_pk", None)
        return BasicInfo(**values), pk


# The form's items this input carries: no photo (not a JSON value) and the class
# by id instead of by name.
_RECORD_FIELDS = (
    *(
        name
        for name in BasicInfo.__dataclass_fields__
        if name not in ("photo", "class_name")
    ),
    "class_id",
)


def class_pk(value: str | None) -> int | None:
    """A class by global ID or numeric id; anything else finds no class."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    parsed = from_global_id(value)
    if parsed is None or parsed[0] != "SchoolClass":
        return -1
    return parsed[1]


@strawberry.input
class CreateStudentRecordInput(StudentRecordFields):
    client_request_id: str | None = None


@strawberry.input(description="Only the items given change; null clears one.")
class UpdateStudentRecordInput(StudentRecordFields):
    student_number: str
    population_check_passed: bool = strawberry.field(
        default=False,
        description="An L number becomes G with a new ID number only after the "
        "nationwide population check (第十条).",
    )


@strawberry.input
class SubmitStudentRecordInput:
    student_number: str
    client_request_id: str | None = None


@strawberry.input
class VerifyStudentRecordInput:
    student_number: str
    comment: str | None = None


@strawberry.input
class ReturnStudentRecordInput:
    student_number: str
    reasons: list[str] = strawberry.field(description="What the school must fix.")


@strawberry.input(description="A student who left comes back (C05).")
class ReenrolStudentInput:
    student_number: str
    entry_date: date
    grade: int
    class_id: strawberry.ID
    entry_route: str | None = None
    attendance_mode: str | None = None
    client_request_id: str | None = None


@strawberry.input(description="L or J number → G, once there is an ID number.")
class UpgradeStudentNumberInput:
    student_number: str
    id_number: str
    population_check_passed: bool = False


@strawberry.enum(description="A district decision (API.md).")
class Decision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.enum
class ImportFormat(Enum):
    XLSX = "XLSX"
    CSV = "CSV"


@strawberry.input(description="A guardian's application, forwarded by the school.")
class ApplyEnrolmentDeferralInput:
    child_name: str
    id_number: str
    school_year: int = strawberry.field(description="The year entry is deferred from.")
    health_related: bool = strawberry.field(
        description="第七条 defers entry only for the child's health."
    )
    reason: str
    guardian_name: str
    guardian_relation: str = strawberry.field(description="学籍 family code.")
    guardian_phone: str | None = None
    documents: list[str] = strawberry.field(
        default_factory=list, description="Names of the proofs kept on file."
    )
    client_request_id: str | None = None


@strawberry.input
class DecideEnrolmentDeferralInput:
    deferral_id: strawberry.ID
    decision: Decision
    comment: str | None = None


@strawberry.input(
    description="A cohort file as base64 in JSON (no multipart uploads). The file "
    "may hold at most 4 MB and 20,000 rows, and the request body is capped by "
    "XUEJI_MAX_QUERY_BYTES: send larger cohorts with `xueji import`."
)
class ImportStudentRecordsInput:
    file: str = strawberry.field(description="The .xlsx or .csv file, base64.")
    format: ImportFormat
    dry_run: bool = strawberry.field(
        default=True, description="Check only; nothing is written."
    )
    school_year: int | None = strawberry.field(
        default=None, description="School year of the classes named; default now."
    )
    client_request_id: str | None = None


@strawberry.input(description="第十二条: the merged school's archives move.")
class MergeSchoolsInput:
    school_code: str = strawberry.field(description="The school merged away.")
    into_school_code: str
    effective_date: date
    client_request_id: str | None = None


@strawberry.input(
    description="第十二条: a closed school's archives go to the district."
)
class CloseSchoolInput:
    school_code: str
    effective_date: date
