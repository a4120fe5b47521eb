"""The ``UserError`` payload type, and the client errors resolvers raise."""

from __future__ import annotations

import strawberry

from resolvers.errors import (  # noqa: F401  (re-exported for the schema)
    ClientError,
    Conflict,
    FieldDenied,
    Forbidden,
    NotFound,
)
from rules.access import AccessClass
from rules.errors import RuleViolation
from schema.permissions import classified

PUBLIC = AccessClass.PUBLIC


@strawberry.type(description="A refusal under the regulation; nothing was written.")
class UserError:
    code: str = classified(PUBLIC, description="Stable code, e.g. DUPLICATE_PERSON.")
    message: str = classified(
        PUBLIC, description="Chinese, for the person at the desk."
    )
    field: list[str] | None = classified(
        PUBLIC, description="Input path at fault, where one field is."
    )
    article: str | None = classified(
        PUBLIC,
        description="The article or standard the refusal rests on, e.g. 第十三条.",
    )

    @classmethod
    def from_violation(cls, violation: RuleViolation) -> UserError:
        return cls(
            code=violation.code,
            message=violation.message,
            field=violation.field,
            article=violation.article,
        )
