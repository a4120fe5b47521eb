"""Schools and classes."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from db.models import School, SchoolClass
from resolvers.context import RequestContext
from resolvers.records import schools_by_id
from rules.access import AccessClass
from schema.node import Node, to_global_id
from schema.permissions import classified


@strawberry.enum(description="School kinds of 第二条.")
class SchoolKind(Enum):
    PRIMARY = "PRIMARY"
    JUNIOR = "JUNIOR"
    NINE_YEAR = "NINE_YEAR"
    SPECIAL = "SPECIAL"
    WORK_STUDY = "WORK_STUDY"


@strawberry.enum
class Ownership(Enum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@strawberry.enum(description="城乡: city, county town or rural.")
class Locale(Enum):
    URBAN = "URBAN"
    TOWN = "TOWN"
    RURAL = "RURAL"


@strawberry.type(name="School", description="A school of the district.")
class SchoolType(Node):
    row: strawberry.Private[School]

    @classified(AccessClass.PUBLIC)
    def id(self) -> strawberry.ID:
        return to_global_id("School", self.row.id)

    @classified(AccessClass.PUBLIC, description="10-digit school code.")
    def code(self) -> str:
        return self.row.code

    @classified(AccessClass.PUBLIC)
    def name(self) -> str:
        return self.row.name

    @classified(AccessClass.PUBLIC)
    def kind(self) -> SchoolKind:
        return SchoolKind(self.row.kind)

    @classified(AccessClass.PUBLIC)
    def ownership(self) -> Ownership:
        return Ownership(self.row.ownership)

    @classified(AccessClass.PUBLIC)
    def locale(self) -> Locale:
        return Locale(self.row.locale)

    @classified(AccessClass.PUBLIC, description="Closed on this date (第十二条).")
    def closed_on(self) -> date | None:
        return self.row.closed_on


@strawberry.type(name="SchoolClass", description="A class of one school year.")
class SchoolClassType(Node):
    row: strawberry.Private[SchoolClass]

    @classified(AccessClass.PUBLIC)
    def id(self) -> strawberry.ID:
        return to_global_id("SchoolClass", self.row.id)

    @classified(AccessClass.PUBLIC, description="Numeric class id, as in tokens.")
    def class_id(self) -> int:
        return self.row.id

    @classified(AccessClass.PUBLIC)
    def name(self) -> str:
        return self.row.name

    @classified(AccessClass.PUBLIC)
    def grade(self) -> int:
        return self.row.grade

    @classified(AccessClass.PUBLIC, description="School year N: 1 Sep N to 31 Aug N+1.")
    def school_year(self) -> int:
        return self.row.school_year

    @classified(AccessClass.PUBLIC)
    async def school(self, info: Info) -> SchoolType:
        ctx: RequestContext = info.context
        row = await ctx.loader("schools_by_id", schools_by_id).load(self.row.school_id)
        return SchoolType(row=row)
