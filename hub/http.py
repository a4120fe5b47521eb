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
from resolvers.access import load_grant, write_audit
from resolvers.context import RequestContext
from schema.build import INTERNAL_MESSAGE

logger = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


class HTTPProblem(Exception):
    def __init__(self, status: int, message: str, code: str, **headers: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers


async def graphql_endpoint(request: Request) -> Response:
    state: HubState = request.app.state.hub
    request_id = uuid.uuid4().hex[:16]
    media = _negotiate(request.headers.get("accept"))
    if request.method == "GET" and _wants_ide(request) and state.settings.is_dev:
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    try:
        if media is None:
            raise HTTPProblem(406, "不支持的 Accept 类型。", "NOT_ACCEPTABLE")
        principal = _authenticate(request, state)
        _rate_limit(state, principal.subject)
        gql = await _read_request(request, state)
        return await _execute(request, state, gql, principal, media, request_id)
    except HTTPProblem as problem:
        return _problem(problem, media or JSON)


def _authenticate(request: Request, state: HubState) -> Any:
    token = bearer(request.headers.get("authorization"))
    if token is None:
        raise HTTPProblem(
            401, "需要登录凭证。", "UNAUTHENTICATED", **{"WWW-Authenticate": "Bearer"}
        )
    try:
        return read_token(token, state.settings.token_key)
    except AuthError as exc:
        logger.info("token refused: %s", exc)
        raise HTTPProblem(
            401, "登录凭证无效或已过期。", "UNAUTHENTICATED",
            **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None


def _rate_limit(state: HubState, subject: str) -> None:
    try:
        state.rate_limiter.check(subject)
    except RateLimited as exc:
        raise HTTPProblem(
            429, "请求过于频繁，请稍后再试。", "RATE_LIMITED",
            **{"Retry-After": str(exc.retry_after)},
        ) from None


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


def _wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


async def _read_request(request: Request, state: HubState) -> GraphQLRequest:
    if request.method == "GET":
        return _from_params(dict(request.query_params))
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != JSON:
        # Form and multipart bodies skip CORS preflight (case C13): refused.
        raise HTTPProblem(415, "请求体必须是 application/json。", "UNSUPPORTED_MEDIA")
    body = await _bounded_body(request, state.settings.max_query_bytes)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise HTTPProblem(400, "请求体不是合法的 JSON。", "BAD_REQUEST") from None
    if not isinstance(payload, dict):
        raise HTTPProblem(400, "请求体必须是 JSON 对象（不支持批量请求）。", "BAD_REQUEST")
    return _from_payload(payload)


async def _bounded_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, "请求体过大。", "PAYLOAD_TOO_LARGE")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, "请求体过大。", "PAYLOAD_TOO_LARGE")
        chunks.append(chunk)
    return b"".join(chunks)


def _from_params(params: dict[str, str]) -> GraphQLRequest:
    payload: dict[str, Any] = {"query": params.get("query")}
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            try:
                payload[key] = json.loads(raw)
            except ValueError:
                raise HTTPProblem(400, f"参数 {key} 不是合法的 JSON。", "BAD_REQUEST") from None
    payload["operationName"] = params.get("operationName") or None
    return _from_payload(payload)


def _from_payload(payload: dict[str, Any]) -> GraphQLRequest:
    query = payload.get("query")
    variables = payload.get("variables")
    operation_name = payload.get("operationName")
    extensions = payload.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise HTTPProblem(400, "缺少 query。", "BAD_REQUEST")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPProblem(400, "variables 必须是 JSON 对象。", "BAD_REQUEST")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPProblem(400, "operationName 必须是字符串。", "BAD_REQUEST")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPProblem(400, "extensions 必须是 JSON 对象。", "BAD_REQUEST")
    return GraphQLRequest(query, variables, operation_name, extensions)


async def _execute(
    request: Request,
    state: HubState,
    gql: GraphQLRequest,
    principal: Any,
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
    allowed = (
        {OperationType.QUERY}
        if request.method == "GET"
        else {OperationType.QUERY, OperationType.MUTATION}
    )
    try:
        ctx.grant = await load_grant(ctx)
        result = await state.schema.execute(
            gql.query,
            variable_values=gql.variables,
            context_value=ctx,
            operation_name=gql.operation_name,
            allowed_operation_types=allowed,
        )
        if ctx.audit:
            await write_audit(ctx)
    except SQLAlchemyError:
        # No audit, no data (第三十七条): the answer is withheld entirely.
        logger.exception("request failed request_id=%s", request_id)
        return internal_error_response(request_id)
    except InvalidOperationTypeError:
        raise HTTPProblem(
            405, "GET 只能用于查询；变更请用 POST。", "METHOD_NOT_ALLOWED",
            Allow="POST",
        ) from None
    except CannotGetOperationTypeError:
        raise HTTPProblem(400, "找不到要执行的操作。", "BAD_REQUEST") from None
    finally:
        await ctx.close()
    logger.info(
        "graphql request_id=%s principal=%s op=%s errors=%d ms=%.1f",
        request_id, principal.subject, gql.operation_name,
        len(result.errors or []), (time.perf_counter() - started) * 1000,
    )
    return _graphql_response(result, media)


def _graphql_response(result: ExecutionResult, media: str) -> Response:
    body: dict[str, Any] = {}
    errors = result.errors or []
    is_request_error = result.data is None and bool(errors) and all(
        e.path is None for e in errors
    )
    if not is_request_error:
        body["data"] = result.data
    if errors:
        body["errors"] = [_format(e) for e in errors]
    status = 400 if is_request_error and media == GRAPHQL_RESPONSE else 200
    return JSONResponse(body, status_code=status, media_type=media)


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = error.formatted  # type: ignore[assignment]
    return formatted


def _problem(problem: HTTPProblem, media: str) -> Response:
    body = {"errors": [{"message": problem.message, "extensions": {"code": problem.code}}]}
    return JSONResponse(body, status_code=problem.status, media_type=media, headers=problem.headers)


def internal_error_response(request_id: str) -> Response:
    body = {
        "errors": [
            {
                "message": INTERNAL_MESSAGE,
                "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id},
            }
        ]
    }
    return JSONResponse(body, status_code=500)
