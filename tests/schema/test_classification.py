"""Every field of every GraphQL type carries a confidentiality class (第三十七条)."""

from __future__ import annotations

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLSchema

from hub.app import create_schema
from hub.settings import load_settings
from rules.access import AccessClass
from schema.permissions import Guard, rule_of

SENSITIVE_NAMES = {"idNumber", "guardianPhone", "householdAddress"}


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    settings = load_settings(database_url="sqlite+aiosqlite:///unused.sqlite3")
    schema: GraphQLSchema = create_schema(settings)._schema
    return schema


def _object_fields(schema: GraphQLSchema):  # type: ignore[no-untyped-def]
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        for field_name, field in gtype.fields.items():
            yield name, field_name, field


def test_every_field_has_a_class(graphql_schema: GraphQLSchema) -> None:
    unclassified = [
        f"{type_name}.{field_name}"
        for type_name, field_name, field in _object_fields(graphql_schema)
        if rule_of(field.extensions.get("strawberry-definition")) is None
    ]
    assert unclassified == []


def test_guarded_fields_are_nullable(graphql_schema: GraphQLSchema) -> None:
    required = []
    for type_name, field_name, field in _object_fields(graphql_schema):
        definition = field.extensions["strawberry-definition"]
        guarded = any(isinstance(e, Guard) for e in definition.extensions)
        if guarded and isinstance(field.type, GraphQLNonNull):
            required.append(f"{type_name}.{field_name}")
    assert required == []


def test_c12_sensitive_fields_carry_the_guard(graphql_schema: GraphQLSchema) -> None:
    exposed = {}
    for type_name, field_name, field in _object_fields(graphql_schema):
        if field_name not in SENSITIVE_NAMES:
            continue
        definition = field.extensions["strawberry-definition"]
        guards = [e for e in definition.extensions if isinstance(e, Guard)]
        exposed[f"{type_name}.{field_name}"] = [g.rule.access_class for g in guards]
    assert len(exposed) >= 3
    assert all(classes == [AccessClass.IDENTITY] for classes in exposed.values())
    assert {"Student.idNumber", "Guardian.idNumber", "Student.guardianPhone"} <= set(
        exposed
    )


RANKING_WORDS = ("score", "rank", "order", "sort", "grade_point", "result")


def test_no_argument_sorts_or_filters_by_score(graphql_schema: GraphQLSchema) -> None:
    """第二十八条: nothing ranks students or lists them by score."""
    offending = [
        f"{type_name}.{field_name}({arg})"
        for type_name, field_name, field in _object_fields(graphql_schema)
        for arg in field.args
        if any(word in arg.lower() for word in RANKING_WORDS)
    ]
    assert offending == []
