"""The root types, composed from each domain's queries and mutations."""

from __future__ import annotations

import strawberry

from schema.access import AccessMutation, AccessQuery
from schema.archive import ArchiveQuery
from schema.archive_mutations import ArchiveMutation
from schema.query import CoreQuery
from schema.records_input import RecordMutation, RecordQuery
from schema.sync import SyncQuery


@strawberry.type
class Query(CoreQuery, AccessQuery, ArchiveQuery, SyncQuery, RecordQuery):
    pass


@strawberry.type
class Mutation(AccessMutation, ArchiveMutation, RecordMutation):
    pass
