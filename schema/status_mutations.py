"""The status mutations of API.md (第十三至二十六、三十一条).

Each runs in one transaction through ``resolvers.mutations.perform``; refusals
come back as ``userErrors`` with code and article, nothing written.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from resolvers import status_leaving as leaving
from resolvers import status_reentry as reentry
from resolvers import status_resumption as resumption
from resolvers import status_skip as skip
from resolvers import status_suspension as suspension
from resolvers import status_transfer as transfer
from resolvers import status_transfer_decide as transfer_decide
from resolvers.context import RequestContext
from resolvers.mutations import Done, perform
from resolvers.status_flow import pending_elsewhere
from rules import status_suspension as rs
from rules import status_transfer as rt
from rules.access import AccessClass, Role
from rules.calendar import SchoolKind
from rules.status import ChangeReason
from rules.status_leaving import OtherLeavingGround
from rules.status_workflow import Decision
from schema import status_inputs as si
from schema.permissions import classified
from schema.status import payload_fields
from schema.status_payloads import (
    ApplyGradeSkipPayload,
    ApplyReentryPayload,
    ApplyResumptionPayload,
    ApplySuspensionExtensionPayload,
    ApplySuspensionPayload,
    ApplyTransferPayload,
    CancelTransferPayload,
    DecideGradeSkipPayload,
    DecideReentryPayload,
    DecideResumptionPayload,
    DecideSuspensionPayload,
    DecideTransferStepPayload,
    RecordDeathPayload,
    RecordOtherLeavingPayload,
    ReportDropoutPayload,
    pk_of,
    pk_or_none,
)

PUBLIC = AccessClass.PUBLIC
SCHOOL_DESK = {Role.REGISTRAR}
DECIDERS = {Role.SCHOOL_LEADER, Role.DISTRICT_OFFICER}


def _certificate(
    given: si.MedicalCertificateInput | None,
) -> rs.MedicalCertificate | None:
    if given is None:
        return None
    level = rs.HospitalLevel(given.hospital_level.value)
    return rs.MedicalCertificate(level, given.issued_on)


async def _run(
    info: Info,
    name: str,
    action: Any,
    roles: Collection[Role],
    client_request_id: str | None = None,
) -> dict[str, Any]:
    ctx: RequestContext = info.context
    outcome = await perform(
        ctx,
        name,
        action,
        roles=roles,
        client_request_id=client_request_id,
        on_integrity=pending_elsewhere,
    )
    return await payload_fields(ctx, outcome)


def _application(given: si.ApplyTransferInput) -> transfer.TransferApplication:
    outside = None
    if given.outside_school is not None:
        o = given.outside_school
        outside = transfer.OutsideSchool(
            code=(o.code or given.receiving_school_code or "EXTERNAL").strip(),
            name=o.name,
            district_code=o.district_code,
            kind=SchoolKind(o.kind.value.lower()),
        )
    return transfer.TransferApplication(
        student_number=given.student_number,
        receiving_school_code=given.receiving_school_code,
        outside_school=outside,
        reason=rt.TransferReason(given.reason.value) if given.reason else None,
        documents=tuple(rt.TransferDocument(d.value) for d in given.documents),
        to_arts_sports_school=given.to_arts_sports_school,
        keep_record_at_original=given.keep_record_at_original,
        waived=frozenset(given.waived),
        note=given.note,
        client_request_id=given.client_request_id,
    )


@strawberry.type
class TransferMutation:
    @classified(PUBLIC, description="转学申请 (第十三至十五条).")
    async def apply_transfer(
        self, info: Info, input: si.ApplyTransferInput
    ) -> ApplyTransferPayload:
        app = _application(input)

        async def action(session: AsyncSession) -> Done:
            return await transfer.apply_transfer(session, info.context, app)

        roles = {Role.REGISTRAR, Role.DISTRICT_OFFICER}
        fields = await _run(info, "applyTransfer", action, roles, app.client_request_id)
        return ApplyTransferPayload(**fields)

    @classified(PUBLIC, description="A party's decision on a transfer (第十六条).")
    async def decide_transfer_step(
        self, info: Info, input: si.DecideTransferStepInput
    ) -> DecideTransferStepPayload:
        choice = transfer_decide.TransferDecision(
            workflow_id=pk_of(input.workflow_id, "Workflow"),
            decision=Decision(input.decision.value),
            comment=input.comment,
            assigned_school_code=input.assigned_school_code,
            class_id=pk_or_none(input.class_id, "SchoolClass"),
            effective_date=input.effective_date,
        )

        async def action(session: AsyncSession) -> Done:
            return await transfer_decide.decide_transfer(session, info.context, choice)

        roles = DECIDERS | SCHOOL_DESK
        fields = await _run(
            info, "decideTransferStep", action, roles, input.client_request_id
        )
        return DecideTransferStepPayload(**fields)

    @classified(PUBLIC, description="Withdraw a pending transfer.")
    async def cancel_transfer(
        self, info: Info, input: si.CancelTransferInput
    ) -> CancelTransferPayload:
        workflow_id = pk_of(input.workflow_id, "Workflow")

        async def action(session: AsyncSession) -> Done:
            return await transfer_decide.cancel_transfer(
                session, info.context, workflow_id, input.comment
            )

        roles = DECIDERS | SCHOOL_DESK
        return CancelTransferPayload(
            **await _run(info, "cancelTransfer", action, roles)
        )


@strawberry.type
class SuspensionMutation:
    @classified(PUBLIC, description="休学申请 (第二十、二十一条).")
    async def apply_suspension(
        self, info: Info, input: si.ApplySuspensionInput
    ) -> ApplySuspensionPayload:
        app = suspension.SuspensionApplication(
            student_number=input.student_number,
            reason=ChangeReason(input.reason.value),
            start=input.start_date,
            months=input.months,
            certificate=_certificate(input.certificate),
            rest_periods=tuple(
                suspension.Period(p.start, p.end) for p in input.rest_periods
            ),
            documents=tuple(input.documents),
            note=input.note,
            client_request_id=input.client_request_id,
        )

        async def action(session: AsyncSession) -> Done:
            return await suspension.apply_suspension(session, info.context, app)

        fields = await _run(
            info, "applySuspension", action, SCHOOL_DESK, input.client_request_id
        )
        return ApplySuspensionPayload(**fields)

    @classified(PUBLIC, description="School review or district approval.")
    async def decide_suspension(
        self, info: Info, input: si.DecideSuspensionInput
    ) -> DecideSuspensionPayload:
        workflow_id = pk_of(input.workflow_id, "Workflow")

        async def action(session: AsyncSession) -> Done:
            return await suspension.decide_suspension(
                session,
                info.context,
                workflow_id,
                Decision(input.decision.value),
                input.comment,
            )

        fields = await _run(info, "decideSuspension", action, DECIDERS)
        return DecideSuspensionPayload(**fields)

    @classified(PUBLIC, description="延期休学 (第二十一条).")
    async def apply_suspension_extension(
        self, info: Info, input: si.ApplySuspensionExtensionInput
    ) -> ApplySuspensionExtensionPayload:
        async def action(session: AsyncSession) -> Done:
            return await suspension.apply_suspension_extension(
                session, info.context, input.student_number, input.new_end, input.note
            )

        fields = await _run(info, "applySuspensionExtension", action, SCHOOL_DESK)
        return ApplySuspensionExtensionPayload(**fields)

    @classified(PUBLIC, description="复学申请 (第二十三条).")
    async def apply_resumption(
        self, info: Info, input: si.ApplyResumptionInput
    ) -> ApplyResumptionPayload:
        app = resumption.ResumptionApplication(
            student_number=input.student_number,
            class_id=pk_of(input.class_id, "SchoolClass"),
            effective=input.effective_date,
            certificate=_certificate(input.certificate),
            note=input.note,
        )

        async def action(session: AsyncSession) -> Done:
            return await resumption.apply_resumption(session, info.context, app)

        fields = await _run(info, "applyResumption", action, SCHOOL_DESK)
        return ApplyResumptionPayload(**fields)

    @classified(PUBLIC, description="School and district agree (第二十三条).")
    async def decide_resumption(
        self, info: Info, input: si.DecideResumptionInput
    ) -> DecideResumptionPayload:
        workflow_id = pk_of(input.workflow_id, "Workflow")

        async def action(session: AsyncSession) -> Done:
            return await resumption.decide_resumption(
                session,
                info.context,
                workflow_id,
                Decision(input.decision.value),
                input.comment,
            )

        fields = await _run(info, "decideResumption", action, DECIDERS)
        return DecideResumptionPayload(**fields)


@strawberry.type
class LeavingMutation:
    @classified(PUBLIC, description="注销死亡学生学籍 (第二十二条).")
    async def record_death(
        self, info: Info, input: si.RecordDeathInput
    ) -> RecordDeathPayload:
        record = leaving.DeathRecord(
            student_number=input.student_number,
            date_of_death=input.date_of_death,
            learned_on=input.learned_on,
            reason=ChangeReason(input.reason.value) if input.reason else None,
            documents=tuple(input.documents),
            note=input.note,
        )

        async def action(session: AsyncSession) -> Done:
            return await leaving.record_death(session, info.context, record)

        roles = SCHOOL_DESK | {Role.DISTRICT_OFFICER}
        return RecordDeathPayload(**await _run(info, "recordDeath", action, roles))

    @classified(PUBLIC, description="辍学上报 (第二十四条).")
    async def report_dropout(
        self, info: Info, input: si.ReportDropoutInput
    ) -> ReportDropoutPayload:
        async def action(session: AsyncSession) -> Done:
            return await leaving.report_dropout(
                session, info.context, input.student_number, input.note
            )

        fields = await _run(info, "reportDropout", action, SCHOOL_DESK)
        return ReportDropoutPayload(**fields)

    @classified(PUBLIC, description="其他离校 (第二十五条).")
    async def record_other_leaving(
        self, info: Info, input: si.RecordOtherLeavingInput
    ) -> RecordOtherLeavingPayload:
        record = leaving.OtherLeaving(
            student_number=input.student_number,
            ground=OtherLeavingGround(input.ground.value),
            reported_to_district=input.reported_to_district,
            left_on=input.left_on,
            reason_given=input.reason_given,
            reachable=input.reachable,
            note=input.note,
        )

        async def action(session: AsyncSession) -> Done:
            return await leaving.record_other_leaving(session, info.context, record)

        fields = await _run(info, "recordOtherLeaving", action, SCHOOL_DESK)
        return RecordOtherLeavingPayload(**fields)

    @classified(PUBLIC, description="离校后重新入学 (第二十六条); district officers.")
    async def apply_reentry(
        self, info: Info, input: si.ApplyReentryInput
    ) -> ApplyReentryPayload:
        async def action(session: AsyncSession) -> Done:
            return await reentry.apply_reentry(
                session,
                info.context,
                input.student_number,
                input.school_code,
                input.note,
            )

        roles = {Role.DISTRICT_OFFICER}
        return ApplyReentryPayload(**await _run(info, "applyReentry", action, roles))

    @classified(PUBLIC, description="The original school takes the student back.")
    async def decide_reentry(
        self, info: Info, input: si.DecideReentryInput
    ) -> DecideReentryPayload:
        workflow_id = pk_of(input.workflow_id, "Workflow")
        class_id = pk_or_none(input.class_id, "SchoolClass")

        async def action(session: AsyncSession) -> Done:
            return await reentry.decide_reentry(
                session,
                info.context,
                workflow_id,
                Decision(input.decision.value),
                input.comment,
                class_id,
            )

        fields = await _run(info, "decideReentry", action, DECIDERS)
        return DecideReentryPayload(**fields)


@strawberry.type
class GradeSkipMutation:
    @classified(PUBLIC, description="跳级申请 (第三十一条).")
    async def apply_grade_skip(
        self, info: Info, input: si.ApplyGradeSkipInput
    ) -> ApplyGradeSkipPayload:
        app = skip.GradeSkipApplication(
            student_number=input.student_number,
            to_class_id=pk_of(input.to_class_id, "SchoolClass"),
            effective=input.effective_date,
            approval_number=input.approval_number,
            note=input.note,
            client_request_id=input.client_request_id,
        )

        async def action(session: AsyncSession) -> Done:
            return await skip.apply_grade_skip(session, info.context, app)

        fields = await _run(
            info, "applyGradeSkip", action, SCHOOL_DESK, input.client_request_id
        )
        return ApplyGradeSkipPayload(**fields)

    @classified(PUBLIC, description="School consent, then district approval.")
    async def decide_grade_skip(
        self, info: Info, input: si.DecideGradeSkipInput
    ) -> DecideGradeSkipPayload:
        workflow_id = pk_of(input.workflow_id, "Workflow")

        async def action(session: AsyncSession) -> Done:
            return await skip.decide_grade_skip(
                session,
                info.context,
                workflow_id,
                Decision(input.decision.value),
                input.comment,
            )

        fields = await _run(info, "decideGradeSkip", action, DECIDERS)
        return DecideGradeSkipPayload(**fields)


@strawberry.type
class StatusMutation(
    TransferMutation, SuspensionMutation, LeavingMutation, GradeSkipMutation
):
    pass
