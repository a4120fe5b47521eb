"""Transfers between schools (转学), 第十三条 to 第十九条."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from rules.calendar import SchoolKind, SchoolYear, add_months, check_grade
from rules.errors import RuleViolation
from rules.status import ChangeCategory, StudentStatus, transition
from rules.status_workflow import TEN_WORKING_DAYS, Role, Step, TimeLimit, TimeUnit

ART_13 = "第十三条"


class TransferReason(StrEnum):
    """The four grounds on which 第十三条 lets a student apply."""

    FAMILY_MOVE = "FAMILY_MOVE"
    HOUSEHOLD_MOVED_IN_CITY = "HOUSEHOLD_MOVED_IN_CITY"
    SETTLED_FROM_ABROAD = "SETTLED_FROM_ABROAD"
    NON_LOCAL_WITH_PARENTS = "NON_LOCAL_WITH_PARENTS"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    TransferReason.FAMILY_MOVE: (
        "家长异地工作调动、家庭住址迁移造成上学困难，或其他特殊原因不能在原校就读"
    ),
    TransferReason.HOUSEHOLD_MOVED_IN_CITY: "户籍随家长户口在本市内跨（县）区迁移",
    TransferReason.SETTLED_FROM_ABROAD: "从境外到本区落户",
    TransferReason.NON_LOCAL_WITH_PARENTS: "非本区户籍学生随家长到本区居住",
}


@dataclass(frozen=True)
class SchoolInfo:
    code: str
    kind: SchoolKind
    district_code: str
    is_public: bool
    is_urban: bool


@dataclass(frozen=True)
class TransferContext:
    """A transfer handled on ``on``. ``stage_entry_date`` is the day the student
    entered the first grade of the current stage (grade 1 or 7) as a new student;
    ``waived`` holds refusal codes the district set aside for this case where the
    text says 一般 or 原则上 (see ``WAIVABLE``)."""

    on: dt.date
    status: StudentStatus
    grade: int
    stage_entry_date: dt.date
    sending_school: SchoolInfo
    receiving_school: SchoolInfo
    school_year: SchoolYear
    reason: TransferReason | None
    has_active_sanction: bool
    to_arts_sports_school: bool = False
    waived: frozenset[str] = field(default_factory=frozenset)


# 第十三条 (二) says 一般, (四) and (五) say 原则上: the district may make exceptions.
WAIVABLE = frozenset(
    {
        "TRANSFER_DURING_SANCTION",
        "TRANSFER_FINAL_GRADE_SECOND_TERM",
        "TRANSFER_WITHIN_SIX_MONTHS",
    }
)


def _refusal(code: str, message: str, *path: str) -> RuleViolation:
    return RuleViolation(code, message, article=ART_13, field=list(path) or None)


def _status_refusals(ctx: TransferContext) -> list[RuleViolation]:
    if ctx.status is StudentStatus.SUSPENDED:
        message = "学生在休学期间不办理转学手续。"
        return [_refusal("TRANSFER_DURING_SUSPENSION", message, "status")]
    try:
        transition(ctx.status, ChangeCategory.TRANSFER_APPLY)
    except RuleViolation as refusal:
        return [refusal]
    return []


def _grade_refusals(ctx: TransferContext) -> list[RuleViolation]:
    refusals: list[RuleViolation] = []
    for path, school in [
        ("sendingSchool", ctx.sending_school),
        ("receivingSchool", ctx.receiving_school),
    ]:
        try:
            check_grade(ctx.grade, school.kind)
        except RuleViolation as refusal:
            refusals.append(refusal.at(path))
    return refusals


def _school_refusals(ctx: TransferContext) -> list[RuleViolation]:
    sending, receiving = ctx.sending_school, ctx.receiving_school
    if sending.code == receiving.code:
        message = "转入学校与转出学校相同。"
        return [_refusal("TRANSFER_SAME_SCHOOL", message, "receivingSchool")]
    grade_refusals = _grade_refusals(ctx)
    if grade_refusals:
        return grade_refusals

    both_urban_public = all(s.is_public and s.is_urban for s in (sending, receiving))
    has_reason = ctx.reason is not None or ctx.to_arts_sports_school
    if both_urban_public and not has_reason:
        message = "城区内公办学校之间无正当理由不得转学，请选择第十三条所列的转学条件。"
        return [_refusal("TRANSFER_NO_REASON_URBAN_PUBLIC", message, "reason")]
    return []


def _time_refusals(ctx: TransferContext) -> list[RuleViolation]:
    refusals: list[RuleViolation] = []
    year, day = ctx.school_year, ctx.on
    if year.is_school_holiday(day):
        message = "假期（寒暑假）期间不办理转学手续。"
        refusals.append(_refusal("TRANSFER_DURING_HOLIDAY", message, "on"))
    if year.is_final_grade_second_term(ctx.grade, ctx.sending_school.kind, day):
        message = "毕业年级第二学期原则上不办理转学手续。"
        refusals.append(_refusal("TRANSFER_FINAL_GRADE_SECOND_TERM", message, "on"))
    if day < add_months(ctx.stage_entry_date, 6):
        message = "新生入学后半年内原则上不办理转学手续。"
        refusals.append(_refusal("TRANSFER_WITHIN_SIX_MONTHS", message, "on"))
    return refusals


def transfer_refusals(ctx: TransferContext) -> list[RuleViolation]:
    """Every ground on which 第十三条 refuses this transfer, minus those waived."""
    not_waivable = sorted(ctx.waived - WAIVABLE)
    if not_waivable:
        message = "只有第十三条中“一般”“原则上”的情形可由区教育局特批。"
        return [_refusal("TRANSFER_WAIVER_NOT_ALLOWED", message, "waived")]

    refusals = [*_status_refusals(ctx), *_school_refusals(ctx)]
    if any(r.code == "GRADE_OUT_OF_RANGE" for r in refusals):
        # The remaining grounds depend on a grade the schools do not teach.
        return refusals
    if ctx.has_active_sanction:
        message = "学生受处分期间一般不办理转学手续。"
        refusals.append(_refusal("TRANSFER_DURING_SANCTION", message))
    refusals += _time_refusals(ctx)
    return [r for r in refusals if r.code not in ctx.waived]


def check_transfer(ctx: TransferContext) -> None:
    """Refuses a transfer 第十三条 forbids, with the first ground found."""
    refusals = transfer_refusals(ctx)
    if refusals:
        raise refusals[0]


class TransferRoute(StrEnum):
    HOUSEHOLD_DISTRICT = "HOUSEHOLD_DISTRICT"
    DISTRICT_ASSIGNED = "DISTRICT_ASSIGNED"


def transfer_route(household_district: str, receiving_district: str) -> TransferRoute:
    """第十四条: a move into the district of the student's 户籍 goes to the catchment
    school directly; 第十五条: any other goes through the district, which assigns a
    school near the residence."""
    if household_district == receiving_district:
        return TransferRoute.HOUSEHOLD_DISTRICT
    return TransferRoute.DISTRICT_ASSIGNED


class TransferDocument(StrEnum):
    CONTACT_FORM = "CONTACT_FORM"
    GUARDIAN_ID = "GUARDIAN_ID"
    HOUSEHOLD_REGISTER = "HOUSEHOLD_REGISTER"
    RESIDENCE_PROOF = "RESIDENCE_PROOF"
    EMPLOYMENT_PROOF = "EMPLOYMENT_PROOF"

    @property
    def label(self) -> str:
        return _DOCUMENT_LABELS[self]


_DOCUMENT_LABELS = {
    TransferDocument.CONTACT_FORM: "《转学联系表》",
    TransferDocument.GUARDIAN_ID: "身份证",
    TransferDocument.HOUSEHOLD_REGISTER: "户口本",
    TransferDocument.RESIDENCE_PROOF: "居住证明",
    TransferDocument.EMPLOYMENT_PROOF: "就业证明",
}

_D = TransferDocument
REQUIRED_DOCUMENTS = {
    TransferRoute.HOUSEHOLD_DISTRICT: (
        _D.CONTACT_FORM,
        _D.GUARDIAN_ID,
        _D.HOUSEHOLD_REGISTER,
    ),
    TransferRoute.DISTRICT_ASSIGNED: (
        _D.CONTACT_FORM,
        _D.GUARDIAN_ID,
        _D.RESIDENCE_PROOF,
        _D.EMPLOYMENT_PROOF,
    ),
}


def check_transfer_documents(
    route: TransferRoute, provided: Collection[TransferDocument]
) -> None:
    """The papers 第十四条 (户籍地) or 第十五条 (非户籍地) ask the guardian for."""
    missing = [d for d in REQUIRED_DOCUMENTS[route] if d not in provided]
    if not missing:
        return
    article = "第十四条" if route is TransferRoute.HOUSEHOLD_DISTRICT else "第十五条"
    names = "、".join(d.label for d in missing)
    raise RuleViolation(
        "TRANSFER_DOCUMENTS_MISSING",
        f"转学申请缺少以下材料：{names}。",
        article=article,
        field=["documents"],
    )


class TransferParty(StrEnum):
    RECEIVING_SCHOOL = "RECEIVING_SCHOOL"
    SENDING_SCHOOL = "SENDING_SCHOOL"
    DISTRICT = "DISTRICT"
    ARCHIVE_HANDOVER = "ARCHIVE_HANDOVER"


def transfer_steps(
    route: TransferRoute,
    *,
    district_code: str,
    sending_school_code: str | None,
    receiving_school_code: str | None,
) -> tuple[Step, ...]:
    """The parties of 第十六条, each with 10 working days. On the 户籍地 route the
    receiving school decides first and the district files it (第十四条); otherwise
    the district decides first and assigns the school (第十五条), so the receiving
    school may be unknown (``None``) until ``assign_receiving_school``. A sending
    school outside the district (``None``) has no step here."""

    def school_step(party: TransferParty, code: str | None) -> Step:
        role = Role.SCHOOL_LEADER
        return Step(party.value, role, code or "", time_limit=TEN_WORKING_DAYS)

    receiving = school_step(TransferParty.RECEIVING_SCHOOL, receiving_school_code)
    district = Step(
        TransferParty.DISTRICT.value,
        Role.DISTRICT_OFFICER,
        district_code,
        time_limit=TEN_WORKING_DAYS,
    )
    sending: tuple[Step, ...] = ()
    if sending_school_code is not None:
        sending = (school_step(TransferParty.SENDING_SCHOOL, sending_school_code),)
    if route is TransferRoute.HOUSEHOLD_DISTRICT:
        if receiving_school_code is None:
            raise RuleViolation(
                "TRANSFER_RECEIVING_SCHOOL_REQUIRED",
                "转入户籍所在地就读的，应直接向学区对应学校提出申请。",
                article="第十四条",
                field=["receivingSchool"],
            )
        return (receiving, *sending, district)
    return (district, receiving, *sending)


def assign_receiving_school(
    steps: tuple[Step, ...], school_code: str
) -> tuple[Step, ...]:
    """Name the school the district assigned (第十五条) on the receiving step."""
    name = TransferParty.RECEIVING_SCHOOL.value
    if any(s.name == name and s.owner_unit for s in steps):
        raise RuleViolation(
            "TRANSFER_SCHOOL_ALREADY_ASSIGNED",
            "转入学校已确定，不能重复指定。",
            article="第十五条",
            field=["receivingSchool"],
        )
    return tuple(
        dataclasses.replace(s, owner_unit=school_code) if s.name == name else s
        for s in steps
    )


# 第十六条: the sending school finishes handing over the archive within one month.
ARCHIVE_HANDOVER_LIMIT = TimeLimit(1, TimeUnit.MONTHS)


def archive_handover_step(sending_school_code: str) -> Step:
    """The sending school's archive handover, opened when the transfer completes."""
    return Step(
        TransferParty.ARCHIVE_HANDOVER.value,
        Role.REGISTRAR,
        sending_school_code,
        time_limit=ARCHIVE_HANDOVER_LIMIT,
    )


def archive_handover_due(transfer_completed_on: dt.date) -> dt.date:
    """第十六条: the archive is handed over within one month of the transfer."""
    return add_months(transfer_completed_on, 1)


def check_arts_sports_return(
    *, original_school_code: str, placed_school_code: str, original_can_place: bool
) -> None:
    """第十七条: a student leaving an arts or sports school goes back to the school
    attended before; only if that school cannot take the student does the district
    place the student at a nearby school."""
    if original_can_place and placed_school_code != original_school_code:
        raise RuleViolation(
            "TRANSFER_ARTS_SPORTS_NOT_ORIGINAL",
            "从文艺、体育专业学校退出的学生原则上转回原就读学校。",
            article="第十七条",
            field=["receivingSchool"],
        )


def record_school_after_move(
    from_school: SchoolInfo, to_school: SchoolInfo, *, keep_at_original: bool
) -> str:
    """The school that holds the record after a move. 第十八条 lets a move between
    a special-education school and a regular school keep it at the original school;
    any other record follows the student (第十七条, 籍随人走)."""
    if not keep_at_original:
        return to_school.code
    special = {s.kind is SchoolKind.SPECIAL for s in (from_school, to_school)}
    if special != {True, False}:
        raise RuleViolation(
            "TRANSFER_RECORD_MUST_FOLLOW",
            "学籍随人走；只有特教学校与普通学校随班就读之间转学可保留原校学籍。",
            article="第十八条",
            field=["keepRecordAtOriginal"],
        )
    return from_school.code


def check_return_from_abroad(
    *, has_original_record: bool, creates_new_record: bool
) -> None:
    """第十九条: a student back from a school abroad studies on the original record;
    a new one would duplicate it (第十一条)."""
    if has_original_record and creates_new_record:
        raise RuleViolation(
            "RETURN_FROM_ABROAD_NEW_RECORD",
            "境外回国就读的学生应使用原来的学籍档案，不得重新建立学籍。",
            article="第十九条",
            field=["studentNumber"],
        )


def check_departure_abroad(
    *, has_foreign_school_proof: bool, has_valid_id: bool
) -> None:
    """第十九条: leaving for a school abroad needs that school's proof and an ID."""
    if has_foreign_school_proof and has_valid_id:
        return
    raise RuleViolation(
        "TRANSFER_ABROAD_PROOF_MISSING",
        "到境外学校就读应凭境外学校证明及有效证件办理。",
        article="第十九条",
        field=["documents"],
    )
