"""Graduation certificates, proofs and the roster (第十二、三十二条) in GraphQL.

Certificates are directory data of category ACADEMIC_RESULTS: the school that
issued one still owes it after the student has left (DESIGN.md), while an
outside party needs an approval naming the category.
"""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from db.models import CertificateProof, GraduationCertificate
from resolvers import archive as archive_reads
from resolvers import archive_graduation as graduation_reads
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from rules.access import AccessClass, DisclosureCategory, Relation
from rules.graduation import is_proof_confirmed
from schema.archive_types import (
    ProvenanceType,
    SchoolStageEnum,
    field_of,
    provenance,
    to_enum,
)
from schema.node import to_global_id
from schema.permissions import classified
from schema.records import _Linked

_cert = field_of(AccessClass.DIRECTORY, DisclosureCategory.ACADEMIC_RESULTS)


@strawberry.type(
    name="CertificateProof",
    description="A sealed proof for a lost certificate (第三十二条: 不予补发).",
)
class CertificateProofEntry(_Linked):
    id: strawberry.ID | None = _cert()
    issued_on: date | None = _cert()
    reason: str | None = _cert()
    school_sealed: bool | None = _cert()
    district_confirmed_on: date | None = _cert()
    confirmed: bool | None = _cert(
        "Sealed by the school and confirmed by the district."
    )
    provenance: ProvenanceType | None = _cert()


def proof_entry(row: CertificateProof, relation: Relation) -> CertificateProofEntry:
    return CertificateProofEntry(
        student_id=row.student_id,
        relation=relation,
        id=to_global_id("CertificateProof", row.id),
        issued_on=row.issued_on,
        reason=row.reason,
        school_sealed=row.school_sealed,
        district_confirmed_on=row.district_confirmed_on,
        confirmed=is_proof_confirmed(
            school_sealed=row.school_sealed,
            district_confirmed_on=row.district_confirmed_on,
        ),
        provenance=provenance(row),
    )


@strawberry.type(name="GraduationCertificate", description="毕业证书 (第三十二条).")
class CertificateEntry(_Linked):
    row: strawberry.Private[GraduationCertificate]

    @_cert("学校标识码-年份-序号, unique within school and year.")
    def number(self) -> str | None:
        return self.row.number

    @_cert()
    def year(self) -> int | None:
        return self.row.year

    @_cert()
    def stage(self) -> SchoolStageEnum | None:
        return to_enum(SchoolStageEnum, self.row.stage)

    @_cert()
    def issued_on(self) -> date | None:
        return self.row.issued_on

    @_cert("验印 by the district.")
    def stamped_on(self) -> date | None:
        return self.row.stamped_on

    @_cert("A junior-high certificate is valid only once stamped.")
    def valid(self) -> bool | None:
        return graduation_reads.is_valid(self.row)

    @_cert()
    def provenance(self) -> ProvenanceType | None:
        return provenance(self.row)

    @_cert("Proofs written since the certificate was lost.")
    async def proofs(self, info: Info) -> list[CertificateProofEntry] | None:
        ctx: RequestContext = info.context
        rows = await archive_reads.load(
            ctx, "archive.certificate_proofs", self.student_id
        )
        return [
            proof_entry(r, self.relation)
            for r in rows
            if r.certificate_id == self.row.id
        ]


def certificate_entry(
    row: GraduationCertificate, relation: Relation
) -> CertificateEntry:
    return CertificateEntry(student_id=row.student_id, relation=relation, row=row)


@strawberry.type(name="RosterLine", description="One graduate on the roster.")
class RosterLine(_Linked):
    student_number: str = classified(AccessClass.DIRECTORY)
    name: str = classified(AccessClass.DIRECTORY)
    certificate: CertificateEntry | None = _cert()


@strawberry.type
class GraduationQuery:
    @classified(
        AccessClass.PUBLIC,
        description="毕业花名册 (第十二条): a school's graduates of a year, by "
        "certificate number; kept after they leave.",
    )
    async def graduation_roster(
        self, info: Info, school_code: str, year: int
    ) -> list[RosterLine]:
        ctx: RequestContext = info.context
        lines = await graduation_reads.graduation_roster(ctx, school_code, year)
        if lines is None:
            raise NotFound()
        return [
            RosterLine(
                student_id=line.student.id,
                relation=line.relation,
                student_number=line.student.student_number,
                name=line.student.name,
                certificate=certificate_entry(line.certificate, line.relation),
            )
            for line in lines
        ]
