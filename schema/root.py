"""The root types, composed from each domain's queries and mutations."""

from __future__ import annotations

import strawberry

from schema.access import AccessMutation, AccessQuery
from schema.archive import ArchiveQuery
from schema.archive_mutations import ArchiveMutation
from schema.calendar import CalendarMutation, CalendarQuery
from schema.query import CoreQuery
from schema.records_input import RecordMutation, RecordQuery
from schema.reports import ReportQuery
from schema.status_mutations import StatusMutation
from schema.status_queries import StatusQuery
from schema.sync import SyncQuery


@strawberry.type
class Query(
    CoreQuery,
    AccessQuery,
    ArchiveQuery,
    SyncQuery,
    RecordQuery,
    StatusQuery,
    CalendarQuery,
    ReportQuery,
):
    pass


@strawberry.type
class Mutation(
    AccessMutation,
    ArchiveMutation,
    RecordMutation,
    StatusMutation,
    CalendarMutation,
):
    pass
