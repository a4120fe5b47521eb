"""Transfers (第十三至十九条) in the database: apply, decide each step, cancel.

Until the last step approves, the student stays in the old episode with status
TRANSFER_PENDING; completion closes it on the effective date (the last day at
the old school) and opens the new one the day after, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Enrolment,
    Placement,
    Sanction,
    School,
)
from resolvers import status_common as common
from resolvers.calendar import school_calendar, working_day_calendar
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.mutations import Done
from resolvers.status_flow import (
    WorkflowKind,
    open_workflow,
)
from rules import conduct
from rules import status_transfer as rt
from rules.access import Role
from rules.calendar import SchoolKind, SchoolYear
from rules.errors import RuleViolation, RuleViolations
from rules.status import ChangeCategory, StudentStatus, transition
from rules.status_workflow import Step

RECEIVING = rt.TransferParty.RECEIVING_SCHOOL.value
DISTRICT = rt.TransferParty.DISTRICT.value


@dataclass(frozen=True)
class OutsideSchool:
    """A receiving school outside the district (the receiving district runs
    its side of the transfer, 第十五条)."""

    code: str
    name: str
    district_code: str
    kind: SchoolKind


@dataclass(frozen=True)
class TransferApplication:
    student_number: str
    receiving_school_code: str | None = None
    outside_school: OutsideSchool | None = None
    reason: rt.TransferReason | None = None
    documents: tuple[rt.TransferDocument, ...] = ()
    to_arts_sports_school: bool = False
    keep_record_at_original: bool = False
    waived: frozenset[str] = field(default_factory=frozenset)
    note: str | None = None
    client_request_id: str | None = None


@dataclass
class _Receiving:
    info: rt.SchoolInfo
    school: School | None  # None: outside the district, or not yet assigned


async def _active_sanction(session: AsyncSession, student_id: int, on: dt.date) -> bool:
    """第十三条（二）: any sanction in force on ``on`` (``rules.conduct``)."""
    rows = await session.scalars(
        select(Sanction).where(Sanction.student_id == student_id)
    )
    return any(
        conduct.is_active_sanction(
            conduct.Sanction(
                conduct.parse_sanction_kind(row.kind), row.decided_on, row.revoked_on
            ),
            on,
        )
        for row in rows
    )


async def _stage_entry(session: AsyncSession, student_id: int, grade: int) -> dt.date:
    """The day the student began grade 1 or 7 of the current stage as a new
    student: the first placement in that grade, else the first new entry."""
    first_grade = 1 if grade <= 6 else 7
    placed = await session.scalar(
        select(func.min(Placement.start_date)).where(
            Placement.student_id == student_id, Placement.grade == first_grade
        )
    )
    if placed is not None:
        return placed
    entered = await session.scalar(
        select(func.min(Enrolment.entry_date)).where(
            Enrolment.student_id == student_id, Enrolment.entry_reason == "NEW_ENTRY"
        )
    )
    return entered or dt.date.min


async def _receiving(
    session: AsyncSession, app: TransferApplication, sending: rt.SchoolInfo
) -> _Receiving:
    if app.receiving_school_code:
        school = await common.school_by_code(session, app.receiving_school_code)
        if school is not None:
            code = await common.district_code_of(session, school)
            return _Receiving(common.school_info(school, code), school)
    outside = app.outside_school
    if outside is not None:
        # Limitation: the hub does not know whether a school of another district
        # is public or urban, so 第十三条（一） is not applied to moves out.
        info = rt.SchoolInfo(
            outside.code, outside.kind, outside.district_code, False, False
        )
        return _Receiving(info, None)
    if app.receiving_school_code:
        raise RuleViolation(
            "SCHOOL_NOT_FOUND",
            "本区没有该学校；区外学校请填写学校名称、所在区代码和学校类别。",
            field=["receivingSchoolCode"],
        )
    # 第十五条: the district assigns the school later; until then the school
    # grounds are checked against no school (see decide_transfer).
    placeholder = rt.SchoolInfo("", sending.kind, sending.district_code, False, False)
    return _Receiving(placeholder, None)


def _check_applicant(
    ctx: RequestContext, state: common.StudentState, receiving: _Receiving
) -> None:
    """第十四条: the receiving school takes the application; 第十五条: the
    district; a move out of the district is registered by the sending school."""
    principal = ctx.principal
    if principal.role is Role.DISTRICT_OFFICER:
        common.require_scope(ctx, state)
        return
    in_district = receiving.info.district_code == state.district.code
    is_receiver = receiving.info.code == principal.school
    if receiving.school is not None and in_district and is_receiver:
        return
    outside = receiving.school is None and receiving.info.code != ""
    if outside and state.school is not None and state.school.code == principal.school:
        return
    raise NotFound()


@dataclass(frozen=True)
class _Facts:
    """What 第十三条 looks at besides the two schools."""

    on: dt.date
    status: StudentStatus
    grade: int
    stage_entry: dt.date
    sanction: bool
    school_year: SchoolYear


async def facts_for(
    session: AsyncSession,
    state: common.StudentState,
    on: dt.date,
    status: StudentStatus,
) -> _Facts:
    grade = await common.current_grade(session, state)
    schools = await school_calendar(session, state.district.id, state.district.code)
    return _Facts(
        on=on,
        status=status,
        grade=grade,
        stage_entry=await _stage_entry(session, state.student.id, grade),
        sanction=await _active_sanction(session, state.student.id, on),
        school_year=schools.year_of(on),
    )


def refusals_for(
    facts: _Facts,
    sending: rt.SchoolInfo,
    receiving: rt.SchoolInfo,
    payload: dict[str, Any],
) -> list[RuleViolation]:
    reason = payload.get("reason")
    return rt.transfer_refusals(
        rt.TransferContext(
            on=facts.on,
            status=facts.status,
            grade=facts.grade,
            stage_entry_date=facts.stage_entry,
            sending_school=sending,
            receiving_school=receiving,
            school_year=facts.school_year,
            reason=rt.TransferReason(reason) if reason else None,
            has_active_sanction=facts.sanction,
            to_arts_sports_school=bool(payload.get("artsSports")),
            waived=frozenset(payload.get("waived", [])),
        )
    )


def raise_all(refusals: list[RuleViolation]) -> None:
    if len(refusals) == 1:
        raise refusals[0]
    if refusals:
        raise RuleViolations(refusals)


def _transfer_steps(
    route: rt.TransferRoute,
    state: common.StudentState,
    sending: School,
    receiving: _Receiving,
) -> tuple[Step, ...]:
    outside = receiving.school is None and receiving.info.code != ""
    steps = rt.transfer_steps(
        route,
        district_code=state.district.code,
        sending_school_code=sending.code,
        receiving_school_code=receiving.info.code or None,
    )
    if outside:
        # The receiving district decides for its own school (第十五条).
        steps = tuple(s for s in steps if s.name != RECEIVING)
    return steps


def _waiver_check(ctx: RequestContext, waived: frozenset[str]) -> None:
    if waived and ctx.principal.role is not Role.DISTRICT_OFFICER:
        raise RuleViolation(
            "TRANSFER_WAIVER_DISTRICT_ONLY",
            "第十三条中“一般”“原则上”的情形只能由区教育局特批。",
            article=rt.ART_13,
            field=["waived"],
        )


async def apply_transfer(
    session: AsyncSession, ctx: RequestContext, app: TransferApplication
) -> Done:
    """Open a transfer: every 第十三条 ground checked, the papers of 第十四条 or
    第十五条, the parties of 第十六条 each with 10 working days."""
    state = await common.load_student(session, app.student_number)
    if state.school is None:
        transition(state.status, ChangeCategory.TRANSFER_APPLY)
        raise RuleViolation("NO_ACTIVE_ENROLMENT", "该学生当前没有在读的学籍记录。")
    sending_school = state.school
    sending = common.school_info(sending_school, state.district.code)
    receiving = await _receiving(session, app, sending)
    _check_applicant(ctx, state, receiving)
    _waiver_check(ctx, app.waived)

    payload: dict[str, Any] = {
        "reason": app.reason.value if app.reason else None,
        "artsSports": app.to_arts_sports_school,
        "waived": sorted(app.waived),
        "statusBefore": state.status.value,
        "sendingSchoolCode": sending.code,
        "receivingSchoolCode": receiving.info.code or None,
        "receivingDistrictCode": receiving.info.district_code,
        "receivingSchoolKind": receiving.info.kind.value,
        "receivingSchoolName": app.outside_school.name if app.outside_school else None,
        "keepRecordAtOriginal": app.keep_record_at_original,
    }
    facts = await facts_for(session, state, ctx.today, state.status)
    raise_all(refusals_for(facts, sending, receiving.info, payload))

    household = (state.student.household_place_code or state.district.code)[:6]
    route = rt.transfer_route(household, receiving.info.district_code)
    rt.check_transfer_documents(route, app.documents)
    if app.keep_record_at_original and receiving.school is not None:
        rt.record_school_after_move(sending, receiving.info, keep_at_original=True)
    payload["route"] = route.value

    calendar = await working_day_calendar(session)
    workflow, _ = await open_workflow(
        session,
        ctx,
        kind=WorkflowKind.TRANSFER,
        state=state,
        school_id=sending_school.id,
        steps=_transfer_steps(route, state, sending_school, receiving),
        payload=payload,
        calendar=calendar,
        client_request_id=app.client_request_id,
    )
    change = await common.apply_change(
        session,
        ctx,
        state,
        ChangeCategory.TRANSFER_APPLY,
        effective=ctx.today,
        decided=False,
        workflow_id=workflow.id,
        reason=payload["reason"],
        documents=[d.value for d in app.documents],
        note=app.note,
        details={"route": route.value, "toSchool": payload["receivingSchoolCode"]},
    )
    return Done(
        {"workflowId": workflow.id, "changeIds": [change.id]},
        student_id=state.student.id,
        fields=["status"],
    )
