"""Who may read which class of field: the policy table of 第三十七条.

Every GraphQL field carries a confidentiality class; this table is the one place
that says which role reads which class. Row scope (which students a principal
sees at all) is decided before this, in the resolvers' scope queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rules.errors import RuleViolation, RuleViolations


class AccessClass(StrEnum):
    """Confidentiality classes of DESIGN.md, plus the two outside any student."""

    DIRECTORY = "directory"  # name, sex, grade, class, status, student number
    IDENTITY = "identity"  # ID number, birth place, household, guardians' contacts
    HEALTH = "health"  # health checks, fitness, vaccinations, disability
    WELFARE = "welfare"  # aid, left-behind, orphan, migrant-child flags
    CONDUCT = "conduct"  # sanctions
    RESULTS = "results"  # evaluations, grades, scores
    # Not personal data: organisation, calendars, the caller's own principal.
    PUBLIC = "public"
    # The audit log and sync bookkeeping.
    OPERATIONS = "operations"


class Role(StrEnum):
    REGISTRAR = "registrar"
    HEAD_TEACHER = "head_teacher"
    SCHOOL_LEADER = "school_leader"
    DISTRICT_OFFICER = "district_officer"
    CITY_OFFICER = "city_officer"
    EXTERNAL = "external"
    SYNC = "sync"
    AUDITOR = "auditor"


SCHOOL_ROLES = frozenset({Role.REGISTRAR, Role.HEAD_TEACHER, Role.SCHOOL_LEADER})


@dataclass(frozen=True)
class Principal:
    """Who is asking: the subject, the role and what the role is bound to."""

    subject: str
    role: Role
    district: str | None = None
    school: str | None = None
    class_id: int | None = None
    approval: str | None = None

    @property
    def is_school_staff(self) -> bool:
        return self.role in SCHOOL_ROLES


class Relation(StrEnum):
    """How the caller's school stands to the student."""

    CURRENT = "current"  # an active episode (or placement) in the caller's scope
    FORMER = "former"  # the episode ended: only the history the school still owes
    DISTRICT = "district"  # district-wide roles
    APPROVED = "approved"  # named by a valid written approval


class Reason(StrEnum):
    """Why a field was withheld; sent as ``extensions.reason``."""

    NOT_PERMITTED = "NOT_PERMITTED"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    NO_APPROVAL = "NO_APPROVAL"
    APPROVAL_EXPIRED = "APPROVAL_EXPIRED"
    APPROVAL_REVOKED = "APPROVAL_REVOKED"
    NOT_IN_APPROVAL = "NOT_IN_APPROVAL"


_PERSONAL = frozenset(
    {
        AccessClass.DIRECTORY,
        AccessClass.IDENTITY,
        AccessClass.HEALTH,
        AccessClass.WELFARE,
        AccessClass.CONDUCT,
        AccessClass.RESULTS,
    }
)

# The policy table (DESIGN.md, "Who may see what"). External principals are not
# here: what they read is exactly what their approval names (see below).
POLICY: dict[Role, frozenset[AccessClass]] = {
    Role.REGISTRAR: _PERSONAL,
    Role.HEAD_TEACHER: frozenset({AccessClass.DIRECTORY, AccessClass.RESULTS}),
    Role.SCHOOL_LEADER: frozenset({AccessClass.DIRECTORY, AccessClass.CONDUCT}),
    Role.DISTRICT_OFFICER: _PERSONAL,
    Role.CITY_OFFICER: frozenset(),
    Role.EXTERNAL: frozenset(),
    Role.SYNC: frozenset({AccessClass.DIRECTORY, AccessClass.IDENTITY}),
    Role.AUDITOR: frozenset(),
}

# After an episode ends the old school keeps only what it still owes: the
# history, certificates and the record card (DESIGN.md), all directory data.
FORMER_SCHOOL_CLASSES = frozenset({AccessClass.DIRECTORY})

# Classes an audited read touches (第三十七条; DOMAIN.md §7.2).
AUDITED = frozenset(
    {
        AccessClass.IDENTITY,
        AccessClass.HEALTH,
        AccessClass.WELFARE,
        AccessClass.CONDUCT,
        AccessClass.RESULTS,
    }
)


class DisclosureCategory(StrEnum):
    """What a written approval may cover: the seven archive categories of
    第十一条 (the same values as ``rules.archive.ArchiveCategory``), plus
    sanctions, which an approval must name on their own (第三十条)."""

    BASIC_INFO = "BASIC_INFO"  # (一) 学籍基础信息及信息变动情况
    PROOF_DOCUMENTS = "PROOF_DOCUMENTS"  # (二) 户籍证明、转学申请、休学申请
    QUALITY_EVALUATION = "QUALITY_EVALUATION"  # (三) 综合素质评价手册
    HEALTH = "HEALTH"  # (四) 体质健康测试、健康体检、预防接种
    AWARDS = "AWARDS"  # (五) 获奖信息
    FINANCIAL_AID = "FINANCIAL_AID"  # (六) 享受资助信息
    ACADEMIC_RESULTS = "ACADEMIC_RESULTS"  # (七) 学业成绩及综合素质评价结果
    SANCTIONS = "SANCTIONS"


@dataclass(frozen=True)
class FieldRule:
    """A field's classification: its class and, for outside readers, category."""

    access_class: AccessClass
    category: DisclosureCategory | None = None

    @property
    def is_audited(self) -> bool:
        return self.access_class in AUDITED


@dataclass(frozen=True)
class ApprovalGrant:
    """What a written approval grants, as the policy needs to see it."""

    number: str
    categories: frozenset[DisclosureCategory]
    valid_from: date
    valid_to: date
    revoked: bool


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason | None = None


ALLOW = Decision(True)


def decide(
    role: Role,
    rule: FieldRule,
    relation: Relation,
    *,
    grant: ApprovalGrant | None = None,
    today: date | None = None,
) -> Decision:
    """May ``role`` read a field classified ``rule`` of a student it relates to
    as ``relation``? Outside parties need a valid grant naming the category
    (第三十七条: nothing leaves without the authority's written approval)."""
    if rule.access_class is AccessClass.PUBLIC:
        return ALLOW
    if role is Role.EXTERNAL:
        return _decide_external(rule, grant, today)
    if rule.access_class is AccessClass.OPERATIONS:
        return _allowed(role in (Role.AUDITOR, Role.DISTRICT_OFFICER))
    if rule.access_class not in POLICY[role]:
        return Decision(False, Reason.NOT_PERMITTED)
    if relation is Relation.FORMER and rule.access_class not in FORMER_SCHOOL_CLASSES:
        return Decision(False, Reason.OUT_OF_SCOPE)
    return ALLOW


def grant_status(grant: ApprovalGrant | None, today: date | None) -> Reason | None:
    """Why a grant does not hold today, or None when it does."""
    if grant is None or today is None:
        return Reason.NO_APPROVAL
    if grant.revoked:
        return Reason.APPROVAL_REVOKED
    if not grant.valid_from <= today <= grant.valid_to:
        return Reason.APPROVAL_EXPIRED
    return None


def _decide_external(
    rule: FieldRule, grant: ApprovalGrant | None, today: date | None
) -> Decision:
    problem = grant_status(grant, today)
    if problem is not None:
        return Decision(False, problem)
    assert grant is not None  # grant_status returned None only for a grant
    if rule.access_class is AccessClass.OPERATIONS:
        return Decision(False, Reason.NOT_PERMITTED)
    # Name and student number identify whom the approval is about.
    if rule.access_class is AccessClass.DIRECTORY and rule.category is None:
        return ALLOW
    if rule.category is None or rule.category not in grant.categories:
        return Decision(False, Reason.NOT_IN_APPROVAL)
    return ALLOW


def _allowed(flag: bool) -> Decision:
    return ALLOW if flag else Decision(False, Reason.NOT_PERMITTED)


# Paperwork after an episode ends (certificates, handover) keeps the old school's
# full view this many days past the exit date; after that it sees only history.
# Limitation: the regulation names no period; 15 days is a district setting to be
# confirmed, kept here so the policy reads in one place.
FORMER_GRACE_DAYS = 15


# An approval is for a purpose and a period; an open-ended one is refused.
MAX_APPROVAL_DAYS = 366


def check_approval_terms(
    document_number: str,
    categories: Sequence[DisclosureCategory],
    student_numbers: Sequence[str],
    valid_from: date,
    valid_to: date,
) -> None:
    """A written approval must name its number, what it covers and for how long
    (第三十七条: 非经学籍主管部门书面批准，学籍信息一律不得向外提供)."""
    faults: list[RuleViolation] = []
    if not document_number.strip():
        faults.append(
            _approval_fault(
                "APPROVAL_NUMBER_REQUIRED", "批准文号不能为空。", "documentNumber"
            )
        )
    if not categories:
        faults.append(
            _approval_fault(
                "APPROVAL_SCOPE_REQUIRED", "批准须列明可提供的档案类别。", "categories"
            )
        )
    if not student_numbers:
        faults.append(
            _approval_fault(
                "APPROVAL_SCOPE_REQUIRED", "批准须列明涉及的学生。", "studentNumbers"
            )
        )
    if valid_to < valid_from:
        faults.append(
            _approval_fault(
                "APPROVAL_PERIOD_INVALID", "有效期结束日早于开始日。", "validTo"
            )
        )
    elif (valid_to - valid_from).days > MAX_APPROVAL_DAYS:
        faults.append(
            _approval_fault(
                "APPROVAL_PERIOD_INVALID", "批准有效期不得超过一年。", "validTo"
            )
        )
    if faults:
        raise RuleViolations(faults)


def _approval_fault(code: str, message: str, field: str) -> RuleViolation:
    return RuleViolation(code, message, article="第三十七条", field=[field])
