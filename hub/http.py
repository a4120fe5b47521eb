"""GraphQL over HTTP, per the GraphQL-over-HTTP specification and API.md.

Strawberry's own ASGI view answers ``application/json`` only, with its own
status codes; the hub needs ``application/graphql-response+json`` status
semantics, no form or multipart bodies, no batching, no mutations over GET and
its own authentication and audit around each request, so the transport is
written here over ``schema.execute``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.auth import AuthError, bearer, read_token
from hub.limits import RateLimited
from hub.state import HubState
from resolvers.access import load_grant, note_invalid_grant, write_audit
from resolvers.context import RequestContext
from rules.access import Principal
from schema.build import INTERNAL_MESSAGE, is_expected, masked

logger = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# Student data is never stored by browsers or proxies, nor sniffed as HTML.
SAFE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
GET_OPERATIONS = frozenset({OperationType.QUERY})
POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class HTTPProblem(Exception):
    """A request refused before GraphQL runs: status, message and code."""

    def __init__(self, status: int, message: str, code: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers


def _bad_request(message: str) -> HTTPProblem:
    return HTTPProblem(400, message, "BAD_REQUEST")


async def graphql_endpoint(request: Request) -> Response:
    state: HubState = request.app.state.hub
    if _serves_ide(request, state):
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    media = _negotiate(request.headers.get("accept"))
    request_id = uuid.uuid4().hex[:16]
    try:
        if media is None:
            raise HTTPProblem(406, "不支持的 Accept 类型。", "NOT_ACCEPTABLE")
        principal = _authenticate(request, state)
        _rate_limit(state, "principal:" + principal.subject)
        gql = await _read_request(request, state)
        return await _execute(request, state, gql, principal, media, request_id)
    except HTTPProblem as problem:
        return _problem(problem, media or JSON)


def _serves_ide(request: Request, state: HubState) -> bool:
    """GraphiQL, in dev only, for a browser's plain GET of the endpoint."""
    accept = request.headers.get("accept", "")
    return (
        state.settings.is_dev
        and request.method == "GET"
        and "text/html" in accept
        and "query" not in request.query_params
    )


def _negotiate(accept: str | None) -> str | None:
    """The response media type, or None when the client accepts neither."""
    if not accept:
        return JSON
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in types:
        return GRAPHQL_RESPONSE
    if JSON in types or "*/*" in types or "application/*" in types:
        return JSON
    return None


def _authenticate(request: Request, state: HubState) -> Principal:
    """The bearer token's principal; cookies and other headers count for nothing."""
    token = bearer(request.headers.get("authorization"))
    if token is None:
        _charge_client(request, state)
        raise HTTPProblem(
            401, "需要登录凭证。", "UNAUTHENTICATED", **{"WWW-Authenticate": "Bearer"}
        )
    try:
        return read_token(token, state.settings.token_key)
    except AuthError as exc:
        logger.info("token refused: %s", exc)
        _charge_client(request, state)
        raise HTTPProblem(
            401,
            "登录凭证无效或已过期。",
            "UNAUTHENTICATED",
            **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None


def _charge_client(request: Request, state: HubState) -> None:
    """Requests without a valid token count against the client's address, so
    guessing tokens is as slow as any principal's requests."""
    host = request.client.host if request.client else "unknown"
    _rate_limit(state, "client:" + host)


def _rate_limit(state: HubState, key: str) -> None:
    try:
        state.rate_limiter.check(key)
    except RateLimited as exc:
        raise HTTPProblem(
            429,
            "请求过于频繁，请稍后再试。",
            "RATE_LIMITED",
            **{"Retry-After": str(exc.retry_after)},
        ) from None


async def _read_request(request: Request, state: HubState) -> GraphQLRequest:
    limit = state.settings.max_query_bytes
    if request.method == "GET":
        if len(request.url.query.encode()) > limit:
            raise HTTPProblem(414, "请求地址过长，请改用 POST。", "URI_TOO_LONG")
        return _from_params(dict(request.query_params))
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != JSON:
        # Form and multipart bodies skip CORS preflight (case C13): refused.
        raise HTTPProblem(415, "请求体必须是 application/json。", "UNSUPPORTED_MEDIA")
    body = await _bounded_body(request, state.settings.max_body_bytes)
    payload = _parse_json(body)
    if not isinstance(payload, dict):
        raise _bad_request("请求体必须是 JSON 对象（不支持批量请求）。")
    gql = _from_payload(payload)
    # The document itself has its own, smaller cap; variables may carry an
    # import file (importStudentRecords) up to the body limit.
    if len(gql.query.encode()) > limit:
        raise HTTPProblem(413, "查询文本过长。", "PAYLOAD_TOO_LARGE")
    return gql


async def _bounded_body(request: Request, limit: int) -> bytes:
    too_large = HTTPProblem(413, "请求体过大。", "PAYLOAD_TOO_LARGE")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: arrays nested thousands deep.
        raise _bad_request("请求体不是合法的 JSON。") from None


def _from_params(params: dict[str, str]) -> GraphQLRequest:
    payload: dict[str, Any] = {"query": params.get("query")}
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            payload[key] = _parse_json(raw)
    payload["operationName"] = params.get("operationName") or None
    return _from_payload(payload)


def _from_payload(payload: dict[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    variables = payload.get("variables")
    operation_name = payload.get("operationName")
    extensions = payload.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise _bad_request("缺少 query。")
    if variables is not None and not isinstance(variables, dict):
        raise _bad_request("variables 必须是 JSON 对象。")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _bad_request("operationName 必须是字符串。")
    if extensions is not None and not isinstance(extensions, dict):
        raise _bad_request("extensions 必须是 JSON 对象。")
    return GraphQLRequest(query, variables, operation_name, extensions)


async def _execute(
    request: Request,
    state: HubState,
    gql: GraphQLRequest,
    principal: Principal,
    media: str,
    request_id: str,
) -> Response:
    started = time.perf_counter()
    ctx = RequestContext(
        principal=principal,
        sessionmaker=state.sessionmaker,
        crypto=state.crypto,
        request_id=request_id,
        now=state.clock(),
        settings=state.settings,
    )
    allowed = GET_OPERATIONS if request.method == "GET" else POST_OPERATIONS
    try:
        result = await _run(state, ctx, gql, allowed)
    except SQLAlchemyError:
        # No audit, no data (第三十七条): the answer is withheld entirely.
        logger.exception("request failed request_id=%s", request_id)
        return internal_error_response(request_id, media)
    finally:
        await ctx.close()
    logger.info(
        "graphql request_id=%s principal=%s op=%s errors=%d ms=%.1f",
        request_id,
        principal.subject,
        gql.operation_name,
        len(result.errors or []),
        (time.perf_counter() - started) * 1000,
    )
    return _graphql_response(result, media, request_id)


async def _run(
    state: HubState,
    ctx: RequestContext,
    gql: GraphQLRequest,
    allowed: frozenset[OperationType],
) -> ExecutionResult:
    try:
        ctx.grant = await load_grant(ctx)
        note_invalid_grant(ctx)
        result = await state.schema.execute(
            gql.query,
            variable_values=gql.variables,
            context_value=ctx,
            operation_name=gql.operation_name,
            allowed_operation_types=allowed,
        )
    except InvalidOperationTypeError as exc:
        raise _wrong_operation(exc.operation_type) from None
    except CannotGetOperationTypeError:
        raise _bad_request("找不到要执行的操作。") from None
    if ctx.audit:
        await write_audit(ctx)
    return result


def _wrong_operation(operation: OperationType) -> HTTPProblem:
    if operation is OperationType.MUTATION:
        return HTTPProblem(
            405,
            "GET 只能用于查询；变更请用 POST。",
            "METHOD_NOT_ALLOWED",
            Allow="POST",
        )
    return _bad_request("不支持订阅。")


def _graphql_response(result: ExecutionResult, media: str, request_id: str) -> Response:
    errors = result.errors or []
    is_request_error = (
        result.data is None and bool(errors) and all(e.path is None for e in errors)
    )
    body: dict[str, Any] = {} if is_request_error else {"data": result.data}
    if errors:
        body["errors"] = [_format(e, request_id) for e in errors]
    status = 400 if is_request_error and media == GRAPHQL_RESPONSE else 200
    return _json(body, status, media)


def _format(error: GraphQLError, request_id: str) -> dict[str, Any]:
    # Errors raised past the masking extension (none are known) are masked here.
    shown = error if is_expected(error) else masked(error, request_id)
    formatted: dict[str, Any] = dict(shown.formatted)
    if "extensions" not in formatted and error.path is None:
        # A request error from graphql-core (its text is English, for the
        # frontend's developers): a stable code says which kind it is.
        code = (
            "GRAPHQL_PARSE_FAILED" if _is_syntax(error) else "GRAPHQL_VALIDATION_FAILED"
        )
        formatted["extensions"] = {"code": code}
    return formatted


def _is_syntax(error: GraphQLError) -> bool:
    return isinstance(error, GraphQLSyntaxError) or error.message.startswith(
        "Syntax Error"
    )


def _problem(problem: HTTPProblem, media: str) -> Response:
    error = {"message": problem.message, "extensions": {"code": problem.code}}
    return _json({"errors": [error]}, problem.status, media, problem.headers)


def internal_error_response(request_id: str, media: str = JSON) -> Response:
    error = {
        "message": INTERNAL_MESSAGE,
        "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id},
    }
    return _json({"errors": [error]}, 500, media)


def _json(
    body: dict[str, Any],
    status: int,
    media: str,
    headers: dict[str, str] | None = None,
) -> Response:
    return JSONResponse(
        body,
        status_code=status,
        media_type=media,
        headers={**SAFE_HEADERS, **(headers or {})},
    )
