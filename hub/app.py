"""The ASGI app factory."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.crypto import FieldCrypto
from db.engine import make_engine, make_sessionmaker
from db.migrate import current_revision, head_revision
from hub.http import graphql_endpoint, internal_error_response
from hub.limits import RateLimiter
from hub.record_card import record_card_endpoint
from hub.settings import Settings
from hub.state import HubState
from schema.build import build_schema
from schema.limits import Limits

logger = logging.getLogger(__name__)


def create_schema(settings: Settings) -> Any:
    limits = Limits(settings.max_depth, settings.max_aliases, settings.max_cost)
    return build_schema(
        dev=settings.is_dev,
        limits=limits,
        max_tokens=settings.max_tokens,
    )


def create_app(settings: Settings) -> Starlette:
    """The hub as an ASGI app; the engine opens and closes with the lifespan."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url, field_key=settings.field_key_bytes()
        )
        app.state.hub = HubState(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            crypto=FieldCrypto(settings.field_key_bytes()),
            schema=create_schema(settings),
            rate_limiter=RateLimiter(settings.rate_limit_per_minute),
        )
        try:
            yield
        finally:
            await engine.dispose()

    routes = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route(
            "/students/{number}/record-card.pdf",
            record_card_endpoint,
            methods=["GET"],
        ),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            404: not_found,
            405: not_found,
            Exception: unexpected_error,
        },
    )


async def not_found(request: Request, exc: Exception) -> Response:
    """Routes the hub does not have answer in JSON, like everything else."""
    status = getattr(exc, "status_code", 404)
    message = "没有这个地址。" if status == 404 else "该地址不支持此请求方法。"
    code = "NOT_FOUND" if status == 404 else "METHOD_NOT_ALLOWED"
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = getattr(exc, "headers", None)
    return JSONResponse(body, status_code=status, headers=headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """The last resort outside GraphQL execution: masked, logged once."""
    request_id = uuid.uuid4().hex[:16]
    logger.error("unhandled error request_id=%s", request_id, exc_info=exc)
    return internal_error_response(request_id)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state: HubState = request.app.state.hub
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        current = await current_revision(state.engine)
    except SQLAlchemyError:
        logger.warning("readiness check: database unreachable", exc_info=True)
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    head = head_revision()
    if current != head:
        body = {"status": "migrations pending", "current": current, "head": head}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "revision": current})
