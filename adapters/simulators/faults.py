"""Fault injection shared by the simulators: one aiohttp middleware per app.

Each request first waits ``latency`` seconds, then takes the next fault from
``script`` (one per request, in order) and, once the script is spent, draws one
from the configured rates with a seeded random generator, so a run repeats:

- ``error``       answer ``status`` (503 unless set) with a JSON error body;
- ``rate_limit``  answer 429 with ``Retry-After: <seconds>``;
- ``truncate``    send the real answer's headers, half its body, then hang up;
- ``hang``        sleep ``hang_seconds`` (past the client's timeout) before answering.

Every request is recorded in ``FaultInjector.requests`` for the tests to count.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

FaultKind = Literal["none", "error", "rate_limit", "truncate", "hang"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Fault:
    """What to do to one request."""

    kind: FaultKind = "none"
    status: int = 503
    retry_after: int = 1

    @classmethod
    def error(cls, status: int = 503) -> Fault:
        return cls("error", status=status)

    @classmethod
    def rate_limit(cls, retry_after: int = 1) -> Fault:
        return cls("rate_limit", retry_after=retry_after)


PASS = Fault()
TRUNCATE = Fault("truncate")
HANG = Fault("hang")


@dataclass(frozen=True)
class FaultConfig:
    """How a simulator misbehaves; the default is a healthy system."""

    latency: float = 0.0
    script: Sequence[Fault] = ()
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    truncate_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    seed: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it."""

    method: str
    path: str
    query: dict[str, str]
    idempotency_key: str | None
    fault: FaultKind


@dataclass
class FaultInjector:
    """Applies a ``FaultConfig`` to every request of one simulator app."""

    config: FaultConfig = field(default_factory=FaultConfig)
    requests: list[RequestRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script = deque(self.config.script)
        self._random = random.Random(self.config.seed)
        self._released = asyncio.Event()

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self._middleware)
        app.on_shutdown.append(self._release)

    def next_fault(self) -> Fault:
        if self._script:
            return self._script.popleft()
        config = self.config
        draw = self._random.random()
        for rate, fault in (
            (config.error_rate, Fault.error(config.error_status)),
            (config.rate_limit_rate, Fault.rate_limit(config.retry_after)),
            (config.truncate_rate, TRUNCATE),
            (config.hang_rate, HANG),
        ):
            if draw < rate:
                return fault
            draw -= rate
        return PASS

    async def _release(self, app: web.Application) -> None:
        self._released.set()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if self.config.latency > 0:
            await asyncio.sleep(self.config.latency)
        fault = self.next_fault()
        self.requests.append(
            RequestRecord(
                request.method,
                request.path,
                dict(request.query),
                request.headers.get("Idempotency-Key"),
                fault.kind,
            )
        )
        if fault.kind == "error":
            return web.json_response(
                {"error": "simulated failure"}, status=fault.status
            )
        if fault.kind == "rate_limit":
            return web.json_response(
                {"error": "too many requests"},
                status=429,
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == "hang":
            await self._hang()
        response = await handler(request)
        if fault.kind == "truncate":
            return await _truncated(request, response)
        return response

    async def _hang(self) -> None:
        try:
            await asyncio.wait_for(self._released.wait(), self.config.hang_seconds)
        except TimeoutError:
            return


async def _truncated(
    request: web.Request, response: web.StreamResponse
) -> web.StreamResponse:
    body = response.body if isinstance(response, web.Response) else None
    if not isinstance(body, bytes):
        return response
    cut = web.StreamResponse(status=response.status)
    cut.content_type = response.content_type
    cut.content_length = len(body)
    await cut.prepare(request)
    await cut.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    return cut
