"""Assemble the Schema: types, limits, masking, introspection by environment."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.errors import ClientError
from schema.limits import LimitedValidation, Limits
from schema.root import Mutation, Query

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "服务器内部错误，请联系管理员并提供请求编号。"
TOKEN_LIMIT_MARK = "Document contains more than"
HIDDEN = "(hidden)"
# graphql-core quotes schema names in its messages: 'Query.student', 'String!'.
# A quoted name holds no blank, so an apostrophe in a value the client sent
# cannot pair with the quote before a schema name and leave it unquoted.
_QUOTED = re.compile(r"'([^'\s]+)'")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
# The built-in scalars are in every schema: naming them discloses nothing.
_BUILT_IN = frozenset({"String", "Int", "Float", "Boolean", "ID"})
# What a scalar's parser raises for input it cannot read.
_INPUT_FAULTS = (ValueError, TypeError)


def is_expected(error: GraphQLError) -> bool:
    """Errors the client may read as they are.

    Field errors (with a path) are expected only when a resolver raised a
    ``ClientError``; request errors (syntax, validation, variables: no path)
    when nothing or a scalar's parser refusing the input lies beneath.
    Anything else, such as a database error or a non-null field that came
    back null, is a fault of the server.
    """
    cause = _cause(error)
    if isinstance(cause, ClientError):
        return True
    if error.path is not None:
        return False
    return cause is None or isinstance(cause, _INPUT_FAULTS)


def _cause(error: GraphQLError) -> Exception | None:
    """The exception beneath ``error`` and any GraphQL errors wrapping it."""
    cause = error.original_error
    while isinstance(cause, GraphQLError):
        cause = cause.original_error
    return cause


def masked(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The generic stand-in for an unexpected error; the request id links it
    to the server log."""
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
    )


def _request_id(context: ExecutionContext | None) -> str | None:
    request_id = getattr(context.context, "request_id", None) if context else None
    return request_id if isinstance(request_id, str) else None


class MaskUnexpected(MaskErrors):
    """Replaces unexpected errors by a generic message with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_expected(e))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error, _request_id(self.execution_context))


class CodedParserCache(ParserCache):
    """The shared parser cache; it names the token limit in the syntax error
    the parser raises for it.

    The cache parses inside its own hook, before any later hook runs and
    without unwinding the earlier ones, so the code is set here.
    """

    def __init__(self, max_tokens: int, maxsize: int = 256) -> None:
        super().__init__(maxsize=maxsize)
        self.max_tokens = max_tokens

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLSyntaxError as error:
            if TOKEN_LIMIT_MARK in error.message:
                error.extensions = {"code": "TOKEN_LIMIT", "limit": self.max_tokens}
            raise


def hide_unknown_names(message: str, known: frozenset[str]) -> str:
    """``message`` without suggestions and without any quoted name the client
    did not send itself (case C14: the schema is not disclosed by probing)."""
    message = _SUGGESTION.sub("", message)

    def replace(match: re.Match[str]) -> str:
        names = set(_NAME.findall(match.group(1)))
        return match.group(0) if names <= known else HIDDEN

    return _QUOTED.sub(replace, message)


def _names_sent(context: ExecutionContext) -> frozenset[str]:
    names = set(_NAME.findall(context.query or ""))
    names.update(_NAME.findall(repr(context.variables or {})))
    return frozenset(names | _BUILT_IN)


class HideSchemaNames(SchemaExtension):
    """Outside dev: request errors name only what the request itself named.

    graphql-core words its messages with schema names ("on type 'Query'",
    "Did you mean ..."); strawberry's switch only drops field suggestions.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        known = _names_sent(self.execution_context)
        result.errors = [_renamed(e, known) for e in result.errors]


def _renamed(error: GraphQLError, known: frozenset[str]) -> GraphQLError:
    if error.path is not None or not is_expected(error):
        return error
    message = hide_unknown_names(error.message, known)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions=error.extensions,
    )


class HubSchema(strawberry.Schema):
    def process_errors(
        self,
        errors: Sequence[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        # Logged once, here: resolvers raise and do not log (STYLE.md).
        # Expected errors are the client's business and are not logged.
        request_id = _request_id(execution_context)
        for error in errors:
            if not is_expected(error):
                logger.error(
                    "unexpected error request_id=%s path=%s",
                    request_id,
                    error.path,
                    exc_info=error.original_error,
                )


def build_schema(
    *,
    dev: bool,
    limits: Limits,
    max_tokens: int,
    types: Sequence[type] = (),
) -> strawberry.Schema:
    # Factories: strawberry builds a fresh extension for each request; the
    # parser and validation caches live at module level and are shared.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: CodedParserCache(max_tokens, maxsize=256),
        lambda: LimitedValidation(limits, maxsize=256),
        MaskUnexpected,
    ]
    if not dev:
        extensions += [DisableIntrospection, HideSchemaNames]
    return HubSchema(
        query=Query,
        mutation=Mutation,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not dev),
    )
