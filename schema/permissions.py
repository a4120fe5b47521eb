"""Field classification and the guard that enforces it on every path.

Each GraphQL field is declared with ``classified(...)``; the classification is
kept in the field's metadata (a test fails on any field without one) and
anything beyond directory data gets a ``Guard`` that asks the policy of
``rules.access`` and notes the read for the audit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from resolvers.context import RequestContext
from resolvers.errors import FieldDenied
from rules.access import AccessClass, DisclosureCategory, FieldRule, Relation, decide

RULE_KEY = "xueji.rule"


class StudentLinked(Protocol):
    """A GraphQL object about one student, as the guard needs to see it."""

    @property
    def access_student_id(self) -> int: ...

    @property
    def access_relation(self) -> Relation: ...


class Guard(FieldExtension):
    """Denies a field the caller's role, relation or approval does not cover."""

    def __init__(self, rule: FieldRule) -> None:
        self.rule = rule

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        self._check(source, info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info,
        **kwargs: Any,
    ) -> Any:
        self._check(source, info)
        return await next_(source, info, **kwargs)

    def _check(self, source: StudentLinked | None, info: Info) -> None:
        ctx: RequestContext = info.context
        # Objects not about one student (payloads, audit rows) carry neither.
        student_id = getattr(source, "access_student_id", None)
        relation = getattr(source, "access_relation", Relation.DISTRICT)
        decision = decide(
            ctx.principal.role,
            self.rule,
            relation,
            grant=ctx.grant,
            today=ctx.today,
        )
        field_name = f"{info._raw_info.parent_type.name}.{info.field_name}"
        if not decision.allowed:
            reason = decision.reason.value if decision.reason else "NOT_PERMITTED"
            if self.rule.is_audited or student_id is not None:
                ctx.audit.denied(student_id, field_name, reason)
            raise FieldDenied(reason)
        if self.rule.is_audited and student_id is not None:
            ctx.audit.read(student_id, field_name)


def classified(
    access_class: AccessClass,
    category: DisclosureCategory | None = None,
    *,
    description: str | None = None,
    resolver: Any = None,
    name: str | None = None,
) -> Any:
    """A field with its confidentiality class (and archive category, which is
    what an outside approval names). Use as ``x: T = classified(...)`` or as a
    decorator on a resolver method."""
    rule = FieldRule(access_class, category)
    guarded = access_class not in (AccessClass.PUBLIC,) and not (
        access_class is AccessClass.DIRECTORY and category is None
    )
    extensions: list[FieldExtension] = [Guard(rule)] if guarded else []
    kwargs: dict[str, Any] = {
        "description": description,
        "metadata": {RULE_KEY: rule},
        "extensions": extensions,
        "name": name,
    }
    if resolver is not None:
        return strawberry.field(resolver=resolver, **kwargs)
    return strawberry.field(**kwargs)


def rule_of(field: Any) -> FieldRule | None:
    metadata = getattr(field, "metadata", None) or {}
    rule = metadata.get(RULE_KEY)
    return rule if isinstance(rule, FieldRule) else None
