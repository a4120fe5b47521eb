"""Assemble the Schema: types, limits, masking, introspection by environment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.errors import ClientError
from schema.limits import Limits, limits_rule
from schema.root import Mutation, Query

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "服务器内部错误，请联系管理员并提供请求编号。"
TOKEN_LIMIT_MARK = "Document contains more than"


def is_expected(error: GraphQLError) -> bool:
    """Errors the client may read as they are: ours, and request errors."""
    original = error.original_error
    return original is None or isinstance(original, ClientError)


class MaskUnexpected(MaskErrors):
    """Replaces unexpected errors by a generic message with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_expected(e))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
        )


class TokenLimitCode(SchemaExtension):
    """Names the token limit in the syntax error the parser raises for it."""

    def on_parse(self) -> Any:
        yield
        errors = self.execution_context.pre_execution_errors or []
        for error in errors:
            if isinstance(error, GraphQLSyntaxError) and TOKEN_LIMIT_MARK in (
                error.message
            ):
                error.extensions = {"code": "TOKEN_LIMIT"}


class HubSchema(strawberry.Schema):
    def process_errors(
        self,
        errors: Sequence[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        # Logged once, here: resolvers raise and do not log (STYLE.md).
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", None)
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
    rule = limits_rule(limits)
    # Factories: strawberry builds a fresh extension for each request; the
    # parser and validation caches live at module level and are shared.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        TokenLimitCode,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: AddValidationRules([rule]),
        MaskUnexpected,
    ]
    if not dev:
        extensions.append(DisableIntrospection)
    return HubSchema(
        query=Query,
        mutation=Mutation,
        types=list(types),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not dev),
    )
