"""Written approvals and the audit log (第三十七条) in GraphQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import Approval, AuditEvent
from resolvers import access as access_writes
from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.mutations import Done, perform
from rules.access import AccessClass, DisclosureCategory, Role
from schema.connections import page_size
from schema.errors import UserError
from schema.node import decode_cursor
from schema.permissions import classified

OPS = AccessClass.OPERATIONS

strawberry.enum(
    DisclosureCategory,
    description="What an approval covers: archive categories of 第十一条, "
    "plus sanctions (第三十条).",
)


@strawberry.type(name="Approval", description="A written approval (书面批准).")
class ApprovalType:
    row: strawberry.Private[Approval]

    @classified(OPS)
    def document_number(self) -> str | None:
        return self.row.document_number

    @classified(OPS)
    def authority(self) -> str | None:
        return self.row.authority

    @classified(OPS)
    def approver(self) -> str | None:
        return self.row.approver

    @classified(OPS)
    def requesting_party(self) -> str | None:
        return self.row.requesting_party

    @classified(OPS)
    def purpose(self) -> str | None:
        return self.row.purpose

    @classified(OPS)
    def categories(self) -> list[str] | None:
        return list(self.row.categories)

    @classified(OPS)
    def valid_from(self) -> date | None:
        return self.row.valid_from

    @classified(OPS)
    def valid_to(self) -> date | None:
        return self.row.valid_to

    @classified(OPS)
    def revoked_at(self) -> datetime | None:
        return self.row.revoked_at


@strawberry.type(name="AuditEvent", description="One append-only audit record.")
class AuditEventType:
    row: strawberry.Private[AuditEvent]

    @classified(OPS)
    def at(self) -> datetime | None:
        return self.row.at

    @classified(OPS)
    def principal(self) -> str | None:
        return self.row.principal

    @classified(OPS)
    def role(self) -> str | None:
        return self.row.role

    @classified(OPS)
    def action(self) -> str | None:
        return self.row.action

    @classified(OPS, description="Internal id of the student concerned.")
    def student_id(self) -> int | None:
        return self.row.student_id

    @classified(OPS)
    def fields(self) -> list[str] | None:
        return list(self.row.fields)

    @classified(OPS)
    def approval_number(self) -> str | None:
        return self.row.approval_number

    @classified(OPS, description="OK, READ, DENIED, REFUSED or FAILED.")
    def outcome(self) -> str | None:
        return self.row.outcome

    @classified(OPS)
    def detail(self) -> JSON | None:
        return cast(JSON, self.row.detail)

    @classified(OPS)
    def request_id(self) -> str | None:
        return self.row.request_id


@strawberry.input
class RegisterApprovalInput:
    document_number: str
    authority: str
    approver: str
    requesting_party: str
    purpose: str
    categories: list[DisclosureCategory]
    student_numbers: list[str]
    valid_from: date
    valid_to: date
    client_request_id: str | None = None


@strawberry.input
class RevokeApprovalInput:
    document_number: str


@strawberry.type
class ApprovalPayload:
    approval: ApprovalType | None = classified(OPS)
    user_errors: list[UserError] = classified(AccessClass.PUBLIC)


async def _approval_payload(
    ctx: RequestContext, result: dict[str, Any] | None, errors: list[Any]
) -> ApprovalPayload:
    approval = None
    if result is not None:
        rows = await ctx.scalars(select(Approval).where(Approval.id == result["id"]))
        approval = ApprovalType(row=rows[0])
    return ApprovalPayload(
        approval=approval, user_errors=[UserError.from_violation(e) for e in errors]
    )


@strawberry.type
class AccessMutation:
    @classified(AccessClass.PUBLIC, description="District officers record approvals.")
    async def register_approval(
        self, info: Info, input: RegisterApprovalInput
    ) -> ApprovalPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            approval = await access_writes.register_approval(
                session,
                ctx,
                document_number=input.document_number.strip(),
                authority=input.authority,
                approver=input.approver,
                requesting_party=input.requesting_party,
                purpose=input.purpose,
                categories=input.categories,
                student_numbers=input.student_numbers,
                valid_from=input.valid_from,
                valid_to=input.valid_to,
            )
            return Done({"id": approval.id})

        outcome = await perform(
            ctx,
            "registerApproval",
            action,
            roles={Role.DISTRICT_OFFICER},
            client_request_id=input.client_request_id,
        )
        return await _approval_payload(ctx, outcome.result, outcome.errors)

    @classified(AccessClass.PUBLIC)
    async def revoke_approval(
        self, info: Info, input: RevokeApprovalInput
    ) -> ApprovalPayload:
        ctx: RequestContext = info.context

        async def action(session: AsyncSession) -> Done:
            approval = await access_writes.revoke_approval(
                session, ctx, input.document_number.strip()
            )
            return Done({"id": approval.id})

        outcome = await perform(
            ctx, "revokeApproval", action, roles={Role.DISTRICT_OFFICER}
        )
        return await _approval_payload(ctx, outcome.result, outcome.errors)


@strawberry.type
class AccessQuery:
    @classified(OPS, description="The audit log, newest first; auditors only.")
    async def audit_events(
        self,
        info: Info,
        student_id: int | None = None,
        first: int | None = 50,
        before: str | None = None,
    ) -> list[AuditEventType] | None:
        ctx: RequestContext = info.context
        if ctx.principal.role is not Role.AUDITOR:
            raise Forbidden("只有审计员可以查看审计日志。")
        stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(page_size(first))
        if student_id is not None:
            stmt = stmt.where(AuditEvent.student_id == student_id)
        before_id = decode_cursor(before)
        if before_id is not None:
            stmt = stmt.where(AuditEvent.id < before_id)
        return [AuditEventType(row=r) for r in await ctx.scalars(stmt)]

    @classified(OPS, description="Written approvals; district officers.")
    async def approvals(self, info: Info) -> list[ApprovalType] | None:
        ctx: RequestContext = info.context
        if ctx.principal.role not in (Role.DISTRICT_OFFICER, Role.AUDITOR):
            raise Forbidden()
        stmt = select(Approval).order_by(Approval.id.desc()).limit(100)
        return [ApprovalType(row=r) for r in await ctx.scalars(stmt)]
