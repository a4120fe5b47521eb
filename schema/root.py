"""The root types, composed from each domain's queries and mutations."""

from __future__ import annotations

import strawberry

from schema.access import AccessMutation, AccessQuery
from schema.query import CoreQuery


@strawberry.type
class Query(CoreQuery, AccessQuery):
    pass


@strawberry.type
class Mutation(AccessMutation):
    pass
