"""Row scope: which students a principal sees at all (DESIGN.md, roles).

A student outside the scope is indistinguishable from one that does not exist;
every query path (``node``, lists, nested fields) filters through here.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from db.models import ApprovalStudent, District, Enrolment, Placement, School, Student
from db.models.access import Approval
from rules.access import FORMER_GRACE_DAYS, Principal, Relation, Role


def school_id_of(code: str | None) -> ColumnElement[int]:
    school = aliased(School)
    return select(school.id).where(school.code == code).scalar_subquery()


def custody_of(code: str | None) -> Select[int]:
    """The school and every school merged into it: 第十二条 moves a merged
    school's archives to the school it joined, and with them the history."""
    school = aliased(School)
    return select(school.id).where(
        or_(school.code == code, school.merged_into_id == school_id_of(code))
    )


def district_id_of(code: str | None) -> ColumnElement[int]:
    district = aliased(District)
    return select(district.id).where(district.code == code).scalar_subquery()


def student_scope(
    principal: Principal, today: date, *, grant_holds: bool = True
) -> ColumnElement[bool]:
    """The SQL condition on ``Student`` for the students ``principal`` may see.

    An outside principal whose approval has expired or been revoked sees no one
    (第三十七条); the caller audits the refusal.
    """
    role = principal.role
    # Aliases: the outer query joins the same tables for the current placement.
    episode = aliased(Enrolment)
    placement = aliased(Placement)
    if role in (Role.REGISTRAR, Role.SCHOOL_LEADER):
        return exists().where(
            episode.student_id == Student.id,
            episode.school_id.in_(custody_of(principal.school)),
        )
    if role is Role.HEAD_TEACHER:
        return exists().where(
            placement.student_id == Student.id,
            placement.class_id == principal.class_id,
            placement.start_date <= today,
            or_(placement.end_date.is_(None), placement.end_date >= today),
        )
    if role in (Role.DISTRICT_OFFICER, Role.SYNC):
        return Student.district_id == district_id_of(principal.district)
    if role is Role.EXTERNAL:
        if not grant_holds:
            return false()
        return exists().where(
            ApprovalStudent.student_id == Student.id,
            ApprovalStudent.approval_id == Approval.id,
            Approval.document_number == principal.approval,
        )
    return false()


def current_at_school(principal: Principal, today: date) -> ColumnElement[bool]:
    """True where the caller's school still has the student (within the grace)."""
    if principal.role not in (Role.REGISTRAR, Role.SCHOOL_LEADER):
        return true()
    cutoff = today - timedelta(days=FORMER_GRACE_DAYS)
    episode = aliased(Enrolment)
    return exists().where(
        episode.student_id == Student.id,
        episode.school_id == school_id_of(principal.school),
        or_(episode.exit_date.is_(None), episode.exit_date >= cutoff),
    )


def relation_for(principal: Principal, is_current: bool) -> Relation:
    role = principal.role
    if role in (Role.REGISTRAR, Role.SCHOOL_LEADER):
        return Relation.CURRENT if is_current else Relation.FORMER
    if role is Role.HEAD_TEACHER:
        return Relation.CURRENT
    if role is Role.EXTERNAL:
        return Relation.APPROVED
    return Relation.DISTRICT


def school_scope(principal: Principal) -> ColumnElement[bool]:
    """Schools a principal may list: its own, or its district's."""
    if principal.school is not None:
        return School.code == principal.school
    if principal.district is not None:
        return School.district_id == district_id_of(principal.district)
    return false()


def active_episode() -> ColumnElement[bool]:
    return and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None))
