"""Every mapped table, imported here so that Alembic sees the whole metadata."""

from db.models.access import Approval, ApprovalStudent, AuditEvent, MutationReceipt
from db.models.org import (
    CalendarDay,
    CalendarYear,
    District,
    School,
    SchoolClass,
    SchoolHoliday,
    SchoolYear,
    Term,
)
from db.models.records import (
    Enrolment,
    Guardian,
    Placement,
    RecordChange,
    Student,
    StudentNumber,
)
from db.models.status import StatusChange, Workflow, WorkflowStep

__all__ = [
    "Approval",
    "ApprovalStudent",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "District",
    "Enrolment",
    "Guardian",
    "MutationReceipt",
    "Placement",
    "RecordChange",
    "School",
    "SchoolClass",
    "SchoolHoliday",
    "SchoolYear",
    "StatusChange",
    "Student",
    "StudentNumber",
    "Term",
    "Workflow",
    "WorkflowStep",
]
