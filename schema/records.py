"""Students, guardians and enrolment episodes as GraphQL types."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.types import Info

from db.models import Enrolment, Guardian, Placement, Student
from resolvers.context import RequestContext
from resolvers.records import (
    StudentView,
    classes_by_id,
    enrolments_by_student,
    guardians_by_student,
    numbers_by_student,
    placements_by_student,
    schools_by_id,
)
from rules.access import AccessClass, DisclosureCategory, Relation
from schema.node import Node, to_global_id
from schema.org import SchoolClassType, SchoolType
from schema.permissions import classified

if TYPE_CHECKING:
    from schema.archive import StudentArchive

IDENTITY = AccessClass.IDENTITY
BASIC = DisclosureCategory.BASIC_INFO
DIRECTORY = AccessClass.DIRECTORY
HEALTH = AccessClass.HEALTH
WELFARE = AccessClass.WELFARE


@strawberry.enum(description="学籍状态: the student's current status.")
class StudentStatus(Enum):
    STUDYING = "STUDYING"
    SUSPENDED = "SUSPENDED"
    TRANSFER_PENDING = "TRANSFER_PENDING"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    LEFT_OTHER = "LEFT_OTHER"
    DROPPED_OUT = "DROPPED_OUT"
    DECEASED = "DECEASED"
    GRADUATED = "GRADUATED"


# How an episode's exit reason reads to the school the student left.
EXIT_STATUS = {
    "TRANSFER_OUT": "TRANSFERRED_OUT",
    "OTHER_LEAVING": "LEFT_OTHER",
    "DROPOUT": "DROPPED_OUT",
    "DEATH": "DECEASED",
    "GRADUATION": "GRADUATED",
}


@strawberry.enum(description="Record workflow of 第十、十一条.")
class RecordState(Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    VERIFIED = "VERIFIED"
    RETURNED = "RETURNED"


@strawberry.type
class _Linked:
    """Carries the student and the caller's relation to it, for the guard."""

    student_id: strawberry.Private[int]
    relation: strawberry.Private[Relation]

    @property
    def access_student_id(self) -> int:
        return self.student_id

    @property
    def access_relation(self) -> Relation:
        return self.relation


@strawberry.type(name="Guardian", description="家庭成员或监护人.")
class GuardianType(_Linked):
    row: strawberry.Private[Guardian]

    @classified(IDENTITY, BASIC)
    def name(self) -> str | None:
        return self.row.name

    @classified(IDENTITY, BASIC, description="Relation code (学籍 family table).")
    def relation_code(self) -> str | None:
        return self.row.relation

    @classified(IDENTITY, BASIC)
    def is_guardian(self) -> bool | None:
        return self.row.is_guardian

    @classified(IDENTITY, BASIC)
    def phone(self) -> str | None:
        return self.row.phone

    @classified(IDENTITY, BASIC)
    def employer(self) -> str | None:
        return self.row.employer

    @classified(IDENTITY, BASIC)
    def id_number(self, info: Info) -> str | None:
        if self.row.id_number_cipher is None:
            return None
        ctx: RequestContext = info.context
        return ctx.crypto.decrypt(self.row.id_number_cipher)


@strawberry.type(name="Placement", description="Grade and class, dated.")
class PlacementType(_Linked):
    row: strawberry.Private[Placement]

    @classified(DIRECTORY)
    def grade(self) -> int:
        return self.row.grade

    @classified(DIRECTORY)
    def start_date(self) -> date:
        return self.row.start_date

    @classified(DIRECTORY)
    def end_date(self) -> date | None:
        return self.row.end_date

    @classified(DIRECTORY, name="class")
    async def school_class(self, info: Info) -> SchoolClassType:
        ctx: RequestContext = info.context
        row = await ctx.loader("classes_by_id", classes_by_id).load(self.row.class_id)
        return SchoolClassType(row=row)


@strawberry.type(name="Enrolment", description="An enrolment episode at one school.")
class EnrolmentType(_Linked):
    row: strawberry.Private[Enrolment]

    @classified(DIRECTORY)
    def entry_date(self) -> date:
        return self.row.entry_date

    @classified(DIRECTORY)
    def exit_date(self) -> date | None:
        return self.row.exit_date

    @classified(DIRECTORY)
    def entry_reason(self) -> str:
        return self.row.entry_reason

    @classified(DIRECTORY)
    def exit_reason(self) -> str | None:
        return self.row.exit_reason

    @classified(DIRECTORY)
    async def school(self, info: Info) -> SchoolType:
        ctx: RequestContext = info.context
        row = await ctx.loader("schools_by_id", schools_by_id).load(self.row.school_id)
        return SchoolType(row=row)

    @classified(DIRECTORY, description="Placements within this episode.")
    async def placements(self, info: Info) -> list[PlacementType]:
        ctx: RequestContext = info.context
        loader = ctx.loader("placements_by_student", placements_by_student)
        rows = await loader.load(self.student_id)
        return [
            PlacementType(row=p, student_id=self.student_id, relation=self.relation)
            for p in rows
            if p.enrolment_id == self.row.id
        ]


@strawberry.type(name="Student", description="A student's record (学籍).")
class StudentType(Node, _Linked):
    view: strawberry.Private[StudentView]

    @property
    def row(self) -> Student:
        return self.view.student

    @classified(DIRECTORY)
    def id(self) -> strawberry.ID:
        return to_global_id("Student", self.row.id)

    @classified(DIRECTORY, description="全国学籍号: G/L/J + 18 characters, lifelong.")
    def student_number(self) -> str:
        return self.row.student_number

    @classified(DIRECTORY)
    def name(self) -> str:
        return self.row.name

    @classified(DIRECTORY, description="1 male, 2 female (学籍 code table).")
    def sex(self) -> str:
        return self.row.sex

    @classified(
        DIRECTORY,
        description="The status; a former school reads how the student left it.",
    )
    def status(self, info: Info) -> StudentStatus:
        if self.relation is not Relation.FORMER:
            return StudentStatus(self.row.status)
        return cast(StudentStatus, self._status_at_former_school(info))

    async def _status_at_former_school(self, info: Info) -> StudentStatus:
        # Case C06: the old school keeps reading TRANSFERRED_OUT after the
        # student studies elsewhere. Batched loaders keep a page constant.
        ctx: RequestContext = info.context
        episodes = await ctx.loader(
            "enrolments_by_student", enrolments_by_student
        ).load(self.row.id)
        schools = ctx.loader("schools_by_id", schools_by_id)
        for episode in reversed(episodes):
            school = await schools.load(episode.school_id)
            if school.code == ctx.principal.school and episode.exit_reason:
                return StudentStatus(
                    EXIT_STATUS.get(episode.exit_reason, self.row.status)
                )
        return StudentStatus(self.row.status)

    @classified(DIRECTORY)
    def record_state(self) -> RecordState:
        return RecordState(self.row.record_state)

    @classified(DIRECTORY, description="Current grade, from the open placement.")
    def grade(self) -> int | None:
        return self.view.placement.grade if self.view.placement else None

    @classified(DIRECTORY, name="class")
    def school_class(self, info: Info) -> SchoolClassType | None:
        # Plain resolvers: the page query brought the rows; no await needed.
        klass = self.view.school_class
        return SchoolClassType(row=klass) if klass is not None else None

    @classified(DIRECTORY, description="School of the active episode.")
    def school(self, info: Info) -> SchoolType | None:
        school = self.view.school
        return SchoolType(row=school) if school is not None else None

    @classified(DIRECTORY, description="Every episode, oldest first (history).")
    async def enrolments(self, info: Info) -> list[EnrolmentType]:
        ctx: RequestContext = info.context
        loader = ctx.loader("enrolments_by_student", enrolments_by_student)
        return [
            EnrolmentType(row=e, student_id=self.row.id, relation=self.relation)
            for e in await loader.load(self.row.id)
        ]

    @classified(DIRECTORY, description="Earlier numbers (an upgraded L or J).")
    async def former_numbers(self, info: Info) -> list[str]:
        ctx: RequestContext = info.context
        loader = ctx.loader("numbers_by_student", numbers_by_student)
        rows = await loader.load(self.row.id)
        return [n.number for n in rows if n.replaced_at is not None]

    @classified(IDENTITY, BASIC, description="身份证件号, decrypted for readers.")
    def id_number(self, info: Info) -> str | None:
        if self.row.id_number_cipher is None:
            return None
        ctx: RequestContext = info.context
        return ctx.crypto.decrypt(self.row.id_number_cipher)

    @classified(IDENTITY, BASIC, description="身份证件类型 code.")
    def id_document_type(self) -> str | None:
        return self.row.id_doc_type

    @classified(IDENTITY, BASIC)
    def birth_date(self) -> date | None:
        return self.row.birth_date

    @classified(IDENTITY, BASIC, description="出生地: division code.")
    def birthplace_code(self) -> str | None:
        return self.row.birthplace_code

    @classified(IDENTITY, BASIC, description="民族: GB 3304 code.")
    def ethnicity(self) -> str | None:
        return self.row.ethnicity

    @classified(IDENTITY, BASIC, description="国籍/地区: GB/T 2659 alpha-3.")
    def nationality(self) -> str | None:
        return self.row.nationality

    @classified(IDENTITY, BASIC, description="户口所在地: division code.")
    def household_place_code(self) -> str | None:
        return self.row.household_place_code

    @classified(IDENTITY, BASIC, description="户口性质 code.")
    def household_type(self) -> str | None:
        return self.row.household_type

    @classified(IDENTITY, BASIC)
    def household_address(self) -> str | None:
        return self.row.household_address

    @classified(IDENTITY, BASIC)
    def current_address(self) -> str | None:
        return self.row.current_address

    @classified(IDENTITY, BASIC)
    def phone(self) -> str | None:
        return self.row.phone

    @classified(IDENTITY, BASIC, description="First listed guardian's phone.")
    async def guardian_phone(self, info: Info) -> str | None:
        guardians = await self._guardian_rows(info)
        return guardians[0].phone if guardians else None

    @classified(IDENTITY, BASIC, description="Up to two family members/guardians.")
    def guardians(self, info: Info) -> list[GuardianType] | None:
        rows = self.view.guardians
        if rows is None:
            # Not brought with the page: load through the batch loader. The
            # awaitable is completed by the executor like an async resolver's.
            return cast("list[GuardianType]", self._wrap_guardians(info))
        return self._guardian_types(rows)

    async def _wrap_guardians(self, info: Info) -> list[GuardianType]:
        return self._guardian_types(await self._guardian_rows(info))

    def _guardian_types(self, rows: list[Guardian]) -> list[GuardianType]:
        return [
            GuardianType(row=g, student_id=self.row.id, relation=self.relation)
            for g in rows
        ]

    @classified(HEALTH, DisclosureCategory.HEALTH, description="健康状况 code.")
    def health_status(self) -> str | None:
        return self.row.health_status

    @classified(HEALTH, DisclosureCategory.HEALTH, description="随班就读 code.")
    def inclusive_class(self) -> str | None:
        return self.row.inclusive_class

    @classified(HEALTH, DisclosureCategory.HEALTH, description="残疾类型 code.")
    def disability_type(self) -> str | None:
        return self.row.disability_type

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID, description="留守儿童 code.")
    def left_behind(self) -> str | None:
        return self.row.left_behind

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID)
    def migrant_child(self) -> bool | None:
        return self.row.migrant_child

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID)
    def orphan(self) -> bool | None:
        return self.row.orphan

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID)
    def martyr_child(self) -> bool | None:
        return self.row.martyr_child

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID)
    def needs_aid(self) -> bool | None:
        return self.row.needs_aid

    @classified(WELFARE, DisclosureCategory.FINANCIAL_AID, description="享受一补.")
    def receives_subsidy(self) -> bool | None:
        return self.row.receives_subsidy

    @classified(DIRECTORY, description="学籍档案: the seven categories of 第十一条.")
    def archive(self) -> Annotated[StudentArchive, strawberry.lazy("schema.archive")]:
        from schema.archive import student_archive  # schema.archive imports this

        return student_archive(self.row.id, self.relation)

    async def _guardian_rows(self, info: Info) -> list[Guardian]:
        if self.view.guardians is not None:
            return self.view.guardians
        ctx: RequestContext = info.context
        loader = ctx.loader("guardians_by_student", guardians_by_student)
        rows: list[Guardian] = await loader.load(self.row.id)
        return rows


def student_type(view: StudentView) -> StudentType:
    return StudentType(view=view, student_id=view.student.id, relation=view.relation)
