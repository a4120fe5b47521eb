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
from rules.errors import RuleViolation


@strawberry.type(description="A refusal under the regulation; nothing was written.")
class UserError:
    code: str = strawberry.field(description="Stable code, e.g. DUPLICATE_PERSON.")
    message: str = strawberry.field(description="Chinese, for the person at the desk.")
    field: list[str] | None = strawberry.field(
        description="Input path at fault, where one field is."
    )
    article: str | None = strawberry.field(
        description="The article or standard the refusal rests on, e.g. 第十三条."
    )

    @classmethod
    def from_violation(cls, violation: RuleViolation) -> UserError:
        return cls(
            code=violation.code,
            message=violation.message,
            field=violation.field,
            article=violation.article,
        )
