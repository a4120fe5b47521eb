"""Entry age and deferred entry (第六、七、九条).

Eligibility is computed for the school year asked, never from today's date (C04).
A deferral application is a workflow: the guardian applies at the school, the
school forwards it, the district office approves or rejects (第七条).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import School, Workflow, WorkflowStep
from resolvers.context import RequestContext
from resolvers.records_columns import caller_school, district_code, id_digest
from resolvers.records_identity import existing_person
from rules.access import Role
from rules.codes import check_code
from rules.enrolment import (
    DEFERRAL_ARTICLE,
    DeferralAction,
    DeferralState,
    EnrolmentEligibility,
    check_deferral_application,
    enrolment_eligibility,
    next_deferral_state,
)
from rules.errors import RuleViolation, RuleViolations
from rules.identity import RESIDENT_ID, ResidentId, parse_id_number

DEFERRAL = "ENROLMENT_DEFERRAL"
SPECIAL = "SPECIAL"
MAX_TEXT = 200
# Where a rule names a field this input does not have, the input's own field.
_FIELD_FOR = {"birthDate": "idNumber", "reason": "healthRelated"}


def entry_cutoff(ctx: RequestContext) -> tuple[int, int]:
    """The cutoff month and day (DOMAIN §10; the ``entry_cutoff`` setting)."""
    text = getattr(ctx.settings, "entry_cutoff", None) or "08-31"
    month, day = text.split("-")
    return int(month), int(day)


@dataclass(frozen=True)
class EligibilityAnswer:
    """The rule's answer, or the faults of the ID number asked about."""

    result: EnrolmentEligibility | None
    birth_date: date | None
    errors: list[RuleViolation] = field(default_factory=list)


async def enrolment_eligibility_of(
    ctx: RequestContext, id_number: str, school_year: int, special: bool | None
) -> EligibilityAnswer:
    """May this child start grade 1 in ``school_year``? An approved deferral for an
    earlier year counts (第七条); special education follows the caller's school
    unless asked (第九条)."""
    try:
        resident = parse_id_number(id_number, today=ctx.today)
    except RuleViolation as fault:
        return EligibilityAnswer(None, None, [fault])
    if special is None:
        special = await _caller_is_special(ctx)
    digest = id_digest(ctx.crypto, RESIDENT_ID, resident.number)
    approved = await ctx.scalars(
        select(Workflow.id).where(
            Workflow.kind == DEFERRAL,
            Workflow.state == DeferralState.APPROVED.value,
            Workflow.payload["idNumberHash"].as_string() == digest,
            Workflow.payload["schoolYear"].as_integer() < school_year,
        )
    )
    month, day = entry_cutoff(ctx)
    result = enrolment_eligibility(
        resident.birth_date,
        school_year,
        cutoff_month=month,
        cutoff_day=day,
        special_education=special,
        deferral_approved=bool(approved),
    )
    return EligibilityAnswer(result, resident.birth_date)


async def _caller_is_special(ctx: RequestContext) -> bool:
    if ctx.principal.school is None:
        return False
    kinds = await ctx.scalars(
        select(School.kind).where(School.code == ctx.principal.school)
    )
    return bool(kinds) and kinds[0] == SPECIAL


@dataclass(frozen=True)
class DeferralRequest:
    """A guardian's application, as the school forwards it (第七条)."""

    child_name: str
    id_number: str
    school_year: int
    health_related: bool
    reason: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str | None = None
    documents: tuple[str, ...] = ()


def _text_faults(request: DeferralRequest) -> list[RuleViolation]:
    faults = []
    for name, value in (
        ("childName", request.child_name),
        ("reason", request.reason),
        ("guardianName", request.guardian_name),
    ):
        if not value.strip():
            faults.append(
                RuleViolation(
                    "REQUIRED_FIELD_MISSING",
                    "该项为必填项。",
                    article=DEFERRAL_ARTICLE,
                    field=[name],
                )
            )
        elif len(value) > MAX_TEXT:
            message = f"该项不得超过{MAX_TEXT}个字符。"
            faults.append(
                RuleViolation(
                    "TEXT_TOO_LONG", message, article=DEFERRAL_ARTICLE, field=[name]
                )
            )
    try:
        check_code("family_relation", request.guardian_relation, ["guardianRelation"])
    except RuleViolation as fault:
        faults.append(fault)
    return faults


def _deferral_faults(
    ctx: RequestContext, request: DeferralRequest
) -> tuple[list[RuleViolation], ResidentId | None]:
    faults = _text_faults(request)
    try:
        resident = parse_id_number(request.id_number, today=ctx.today)
    except RuleViolation as fault:
        return [*faults, fault], None
    month, day = entry_cutoff(ctx)
    try:
        check_deferral_application(
            resident.birth_date,
            request.school_year,
            health_related=request.health_related,
            cutoff_month=month,
            cutoff_day=day,
        )
    except RuleViolation as fault:
        path = [_FIELD_FOR.get(p, p) for p in fault.field or []]
        faults.append(
            RuleViolation(fault.code, fault.message, article=fault.article, field=path)
        )
    return faults, resident


async def apply_deferral(
    session: AsyncSession, ctx: RequestContext, request: DeferralRequest
) -> Workflow:
    """The school takes the guardian's application and forwards it to the district
    office (第七条: 由学校报区教育局批准); one open application per child and year."""
    school = await caller_school(session, ctx.principal.school)
    faults, resident = _deferral_faults(ctx, request)
    if faults or resident is None:
        raise RuleViolations(faults)
    digest = id_digest(ctx.crypto, RESIDENT_ID, resident.number)
    if await existing_person(session, digest) is not None:
        raise RuleViolation(
            "ALREADY_HAS_RECORD",
            "该儿童已建立学籍，不能再申请延缓入学。",
            article=DEFERRAL_ARTICLE,
            field=["idNumber"],
        )
    await _check_no_open_application(session, digest, request.school_year)
    state = next_deferral_state(DeferralState.APPLIED, DeferralAction.FORWARD)
    payload = _payload(ctx, request, resident, digest, school)
    payload["districtCode"] = await district_code(session, school.district_id)
    workflow = Workflow(
        kind=DEFERRAL,
        state=state.value,
        payload=payload,
        created_by=ctx.principal.subject,
        created_at=ctx.now,
    )
    session.add(workflow)
    await session.flush()
    session.add_all(
        [
            WorkflowStep(
                workflow_id=workflow.id,
                position=1,
                owner_role=Role.REGISTRAR.value,
                owner_school_id=school.id,
                decision=DeferralAction.FORWARD.value,
                decided_by=ctx.principal.subject,
                decided_at=ctx.now,
            ),
            WorkflowStep(
                workflow_id=workflow.id,
                position=2,
                owner_role=Role.DISTRICT_OFFICER.value,
            ),
        ]
    )
    return workflow


def _payload(
    ctx: RequestContext,
    request: DeferralRequest,
    resident: ResidentId,
    digest: str | None,
    school: School,
) -> dict[str, Any]:
    return {
        "childName": request.child_name.strip(),
        "birthDate": resident.birth_date.isoformat(),
        "sex": resident.sex,
        "idNumberHash": digest,
        "idNumberCipher": ctx.crypto.encrypt(resident.number).hex(),
        "schoolYear": request.school_year,
        "schoolCode": school.code,
        "healthRelated": request.health_related,
        "reason": request.reason.strip(),
        "guardianName": request.guardian_name.strip(),
        "guardianRelation": request.guardian_relation,
        "guardianPhone": request.guardian_phone,
        "documents": list(request.documents),
    }


async def _check_no_open_application(
    session: AsyncSession, digest: str | None, school_year: int
) -> None:
    stmt = select(Workflow.id).where(
        Workflow.kind == DEFERRAL,
        Workflow.state.in_(
            [DeferralState.FORWARDED.value, DeferralState.APPROVED.value]
        ),
        Workflow.payload["idNumberHash"].as_string() == digest,
        Workflow.payload["schoolYear"].as_integer() == school_year,
    )
    if await session.scalar(stmt) is not None:
        raise RuleViolation(
            "DEFERRAL_EXISTS",
            "该儿童本学年已有待批或已批准的延缓入学申请。",
            article=DEFERRAL_ARTICLE,
            field=["idNumber"],
        )


async def decide_deferral(
    session: AsyncSession,
    ctx: RequestContext,
    workflow_pk: int,
    decision: DeferralAction,
    comment: str | None,
) -> Workflow:
    """The district office approves or rejects a forwarded application (第七条);
    a rejection says why."""
    workflow = await deferral_in_district(session, workflow_pk, ctx.principal.district)
    following = next_deferral_state(DeferralState(workflow.state), decision)
    text = (comment or "").strip() or None
    if decision is DeferralAction.REJECT and text is None:
        raise RuleViolation(
            "COMMENT_REQUIRED",
            "不予批准的须写明理由。",
            article=DEFERRAL_ARTICLE,
            field=["comment"],
        )
    step = await session.scalar(
        select(WorkflowStep).where(
            WorkflowStep.workflow_id == workflow.id, WorkflowStep.position == 2
        )
    )
    if step is not None:
        step.decision = decision.value
        step.decided_by = ctx.principal.subject
        step.decided_at = ctx.now
        step.comment = text[:500] if text else None
    workflow.state = following.value
    workflow.closed_at = ctx.now
    return workflow


async def deferral_in_district(
    session: AsyncSession, workflow_pk: int, district: str | None
) -> Workflow:
    workflow = await session.scalar(
        select(Workflow).where(Workflow.id == workflow_pk, Workflow.kind == DEFERRAL)
    )
    if workflow is None or workflow.payload.get("districtCode") != district:
        raise RuleViolation(
            "DEFERRAL_NOT_FOUND",
            "本区没有该延缓入学申请。",
            article=DEFERRAL_ARTICLE,
            field=["deferralId"],
        )
    return workflow
