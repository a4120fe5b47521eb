"""Graduation mutations (第三十二条): issue, stamp, and the proof that replaces
a lost certificate. Issuance is safe under concurrency and repeatable by
``clientRequestId`` (case C10, ``resolvers.archive_graduation``)."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from db.models import CertificateProof, GraduationCertificate
from resolvers import archive_graduation as graduation_writes
from resolvers.context import RequestContext
from resolvers.mutations import Outcome
from rules.access import AccessClass, Role
from schema.archive_graduation import (
    CertificateEntry,
    CertificateProofEntry,
    certificate_entry,
    proof_entry,
)
from schema.archive_writing import (
    pk_of,
    user_errors,
    write_one,
    writer_relation,
    written,
)
from schema.errors import UserError
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC


@strawberry.input
class IssueGraduationCertificateInput:
    student_number: str
    client_request_id: str | None = None


@strawberry.input
class StampGraduationCertificateInput:
    certificate_number: str


@strawberry.type
class GraduationCertificatePayload:
    certificate: CertificateEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.input
class IssueCertificateProofInput:
    student_number: str
    reason: str = "毕业证书遗失"
    client_request_id: str | None = None


@strawberry.input
class ConfirmCertificateProofInput:
    proof_id: strawberry.ID


@strawberry.type
class CertificateProofPayload:
    proof: CertificateProofEntry | None = classified(PUBLIC)
    user_errors: list[UserError] = classified(PUBLIC)


@strawberry.type
class GraduationMutation:
    @classified(PUBLIC, description="毕业证书 by the school (第三十二条).")
    async def issue_graduation_certificate(
        self, info: Info, input: IssueGraduationCertificateInput
    ) -> GraduationCertificatePayload:
        ctx: RequestContext = info.context
        name = "issueGraduationCertificate"

        async def write(session: AsyncSession) -> GraduationCertificate:
            return await graduation_writes.issue_certificate(
                session, ctx, student_number=input.student_number
            )

        async def attempt() -> Outcome:
            return await write_one(
                ctx,
                name,
                write,
                "graduationCertificate",
                roles={Role.REGISTRAR},
                client_request_id=input.client_request_id,
                on_integrity=graduation_writes.student_conflict,
            )

        outcome = await graduation_writes.issue_with_retry(
            ctx, name, attempt, input.client_request_id
        )
        return await _certificate_payload(ctx, outcome)

    @classified(PUBLIC, description="验印 by the district (第三十二条).")
    async def stamp_graduation_certificate(
        self, info: Info, input: StampGraduationCertificateInput
    ) -> GraduationCertificatePayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> GraduationCertificate:
            return await graduation_writes.stamp_certificate(
                session, ctx, certificate_number=input.certificate_number
            )

        outcome = await write_one(
            ctx,
            "stampGraduationCertificate",
            write,
            "graduationCertificate",
            roles={Role.DISTRICT_OFFICER},
        )
        return await _certificate_payload(ctx, outcome)

    @classified(PUBLIC, description="A proof for a lost certificate; no reissue.")
    async def issue_certificate_proof(
        self, info: Info, input: IssueCertificateProofInput
    ) -> CertificateProofPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> CertificateProof:
            return await graduation_writes.issue_certificate_proof(
                session, ctx, student_number=input.student_number, reason=input.reason
            )

        outcome = await write_one(
            ctx,
            "issueCertificateProof",
            write,
            "certificateProofs",
            roles={Role.REGISTRAR},
            client_request_id=input.client_request_id,
        )
        return await _proof_payload(ctx, outcome)

    @classified(PUBLIC, description="The district confirms a proof (第三十二条).")
    async def confirm_certificate_proof(
        self, info: Info, input: ConfirmCertificateProofInput
    ) -> CertificateProofPayload:
        ctx: RequestContext = info.context

        async def write(session: AsyncSession) -> CertificateProof:
            return await graduation_writes.confirm_certificate_proof(
                session,
                ctx,
                proof_id=pk_of(input.proof_id, "CertificateProof", "proofId"),
            )

        outcome = await write_one(
            ctx,
            "confirmCertificateProof",
            write,
            "certificateProofs",
            roles={Role.DISTRICT_OFFICER},
        )
        return await _proof_payload(ctx, outcome)


async def _certificate_payload(
    ctx: RequestContext, outcome: Outcome
) -> GraduationCertificatePayload:
    rows = await written(ctx, GraduationCertificate, outcome)
    return GraduationCertificatePayload(
        certificate=certificate_entry(rows[0], writer_relation(ctx)) if rows else None,
        user_errors=user_errors(outcome),
    )


async def _proof_payload(
    ctx: RequestContext, outcome: Outcome
) -> CertificateProofPayload:
    rows = await written(ctx, CertificateProof, outcome)
    return CertificateProofPayload(
        proof=proof_entry(rows[0], writer_relation(ctx)) if rows else None,
        user_errors=user_errors(outcome),
    )
