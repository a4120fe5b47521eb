"""The one HTTP client base every outside-system adapter builds on.

An ``AdapterClient`` owns one ``aiohttp.ClientSession`` for its lifetime (use it as
an async context manager), bounds how many requests run at once, and retries with
tenacity — exponential backoff with jitter — only on our own ``TemporaryError``:
connection failures, timeouts, 5xx and 429 (waiting at least the server's
``Retry-After``). Other 4xx are never retried, and a POST is never sent twice unless
it carries an ``Idempotency-Key`` header.

Every aiohttp, asyncio and json exception is translated here, at this one boundary,
into ``adapters.errors``. One log record is written per finished request.

Paged change feeds share one contract (see ``AdapterClient.pages``)::

    GET <path>?since=<watermark>&limit=<n>        first page
    GET <path>?cursor=<next>&limit=<n>            following pages
    200 {"items": [...], "next": "<cursor>" | null, "watermark": "<w>" | null}
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypedDict, TypeVar

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.stop import stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from adapters.errors import (
    AdapterError,
    BadRequest,
    MalformedResponse,
    MappingFault,
    NotFound,
    PermanentError,
    RateLimited,
    TemporaryError,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Mapper = Callable[[Any], T]
Clock = Callable[[], float]

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Methods that may be sent again without changing the outcome (RFC 9110 §9.2.2).
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# An ID number (GB 11643) must not reach the log through a URL path.
_ID_NUMBER_IN_PATH = re.compile(r"\d{14,17}[\dXx]")


@dataclass(frozen=True)
class ClientConfig:
    """Where an outside system lives and how patiently we talk to it."""

    base_url: str
    connect_timeout: float = 3.0
    read_timeout: float = 15.0
    max_concurrency: int = 8
    max_attempts: int = 4
    backoff_multiplier: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.5
    # A 429 asking for a longer wait than this is not retried; the run fails instead.
    max_retry_after: float = 120.0
    headers: Mapping[str, str] = field(default_factory=dict)


class _Where(TypedDict):
    system: str
    method: str
    path: str


@dataclass(frozen=True)
class RawPage:
    """One page of a change feed before mapping: raw items and the new watermark."""

    items: list[Any]
    watermark: str | None
    next_cursor: str | None


@dataclass(frozen=True)
class Page(Generic[T]):
    """Mapped records, the raw items that would not map, and the new watermark.

    ``watermark`` is ``None`` for a per-student fetch, which is not a feed.
    """

    records: tuple[T, ...]
    faults: tuple[MappingFault, ...]
    watermark: str | None = None


def map_items(items: list[Any], mapper: Mapper[T]) -> Page[T]:
    """Map each raw item; a ``MappingFault`` sets the item aside, the rest go on."""
    records: list[T] = []
    faults: list[MappingFault] = []
    for item in items:
        try:
            records.append(mapper(item))
        except MappingFault as fault:
            faults.append(fault)
    return Page(tuple(records), tuple(faults))


class _WaitHonouringRetryAfter(wait_base):
    """Backoff with jitter, but never shorter than a 429's ``Retry-After``."""

    def __init__(self, backoff: wait_base) -> None:
        self._backoff = backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        delay = self._backoff(retry_state)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return max(delay, error.retry_after)
        return delay


class AdapterClient:
    """Base of the outside-system adapters: one session, retries, translation.

    Subclasses set ``system`` (used in errors and logs) and add typed methods on top
    of ``get_json``, ``post_json`` and ``pages``. ``sleep`` and ``clock`` are
    injectable so tests run the retry waits on a fake clock.
    """

    system: ClassVar[str] = "outside"

    def __init__(
        self,
        config: ClientConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._clock = clock
        self._semaphore = asyncio.Semaphore(config.max_concurrency)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=self.config.connect_timeout,
            sock_read=self.config.read_timeout,
        )
        connector = aiohttp.TCPConnector(limit=self.config.max_concurrency)
        self._session = aiohttp.ClientSession(
            timeout=timeout, connector=connector, headers=dict(self.config.headers)
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use the adapter as 'async with' before calling it")
        return self._session

    async def get_json(
        self, path: str, *, params: Mapping[str, str] | None = None
    ) -> Any:
        """GET ``path`` and return the decoded JSON body (``None`` when empty)."""
        return await self.request_json("GET", path, params=params)

    async def post_json(
        self, path: str, body: Any, *, idempotency_key: str | None = None
    ) -> Any:
        """POST a JSON body; retried only when ``idempotency_key`` is given."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        return await self.request_json("POST", path, body=body, headers=headers)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one logical request, retrying temporary failures where safe."""
        method = method.upper()
        headers = dict(headers or {})
        attempts = self.config.max_attempts if _may_repeat(method, headers) else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=_WaitHonouringRetryAfter(
                wait_exponential_jitter(
                    multiplier=self.config.backoff_multiplier,
                    max=self.config.backoff_max,
                    jitter=self.config.backoff_jitter,
                )
            ),
            retry=retry_if_exception(self._is_retryable),
            sleep=self._sleep,
            reraise=True,
        )
        sent = 0

        async def attempt() -> Any:
            nonlocal sent
            sent += 1
            return await self._send_once(method, path, params, body, headers, sent)

        try:
            return await retrying(attempt)
        except AdapterError as error:
            error.attempts = sent
            raise

    async def pages(
        self,
        path: str,
        *,
        since: str | None,
        page_size: int,
        params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[RawPage]:
        """Yield the pages of a change feed after the ``since`` watermark.

        A page without a watermark (an empty page) carries the one we started from,
        so the caller can always store ``page.watermark`` after the page is saved.
        """
        base = {**(params or {}), "limit": str(page_size)}
        query = {**base, "since": since} if since is not None else dict(base)
        watermark = since
        seen: set[str] = set()
        while True:
            page = self._read_page(await self.get_json(path, params=query), path)
            watermark = page.watermark or watermark
            yield RawPage(page.items, watermark, page.next_cursor)
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise MalformedResponse(
                    "feed repeats a cursor", system=self.system, method="GET", path=path
                )
            seen.add(page.next_cursor)
            query = {**base, "cursor": page.next_cursor}

    async def mapped_pages(
        self, path: str, mapper: Mapper[T], *, since: str | None, page_size: int
    ) -> AsyncIterator[Page[T]]:
        """The pages of a change feed, each mapped item by item."""
        async for raw in self.pages(path, since=since, page_size=page_size):
            page = map_items(raw.items, mapper)
            yield Page(page.records, page.faults, raw.watermark)

    async def get_items(self, path: str, mapper: Mapper[T]) -> Page[T]:
        """GET ``{"items": [...]}`` and map each item."""
        body = await self.get_json(path)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise MalformedResponse(
                "answer has no 'items' list",
                system=self.system,
                method="GET",
                path=path,
            )
        return map_items(body["items"], mapper)

    def _read_page(self, body: Any, path: str) -> RawPage:
        where = _Where(system=self.system, method="GET", path=path)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise MalformedResponse("feed page has no 'items' list", **where)
        cursor = body.get("next")
        watermark = body.get("watermark")
        if cursor is not None and not isinstance(cursor, str):
            raise MalformedResponse("feed cursor is not a string", **where)
        if watermark is not None and not isinstance(watermark, str):
            raise MalformedResponse("feed watermark is not a string", **where)
        return RawPage(body["items"], watermark, cursor)

    def _is_retryable(self, error: BaseException) -> bool:
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after <= self.config.max_retry_after
        return isinstance(error, TemporaryError)

    async def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str],
        attempt: int,
    ) -> Any:
        async with self._semaphore:
            started = self._clock()
            outcome = "-"
            try:
                status, resp_headers, raw = await self._exchange(
                    method, path, params, body, headers
                )
                outcome = str(status)
                return self._decode(method, path, status, resp_headers, raw)
            except AdapterError as error:
                if error.status is None:
                    outcome = type(error).__name__
                raise
            finally:
                logger.info(
                    "%s %s %s -> %s attempt=%d elapsed=%.3fs",
                    self.system,
                    method,
                    _ID_NUMBER_IN_PATH.sub("***", path),
                    outcome,
                    attempt,
                    self._clock() - started,
                )

    async def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str],
    ) -> tuple[int, Mapping[str, str], bytes]:
        url = self.config.base_url.rstrip("/") + path
        where = _Where(system=self.system, method=method, path=path)
        try:
            async with self.session.request(
                method, url, params=params, json=body, headers=headers
            ) as response:
                return response.status, response.headers, await response.read()
        except TimeoutError as error:
            raise TemporaryError("request timed out", **where) from error
        except aiohttp.ClientPayloadError as error:
            raise MalformedResponse("response body cut short", **where) from error
        except aiohttp.ClientConnectionError as error:
            raise TemporaryError("connection failed", **where) from error
        except aiohttp.ClientError as error:
            raise PermanentError("request could not be sent", **where) from error

    def _decode(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str],
        raw: bytes,
    ) -> Any:
        where = _Where(system=self.system, method=method, path=path)
        if status == 429:
            raise RateLimited(
                "rate limited", retry_after=parse_retry_after(headers), **where
            )
        if status >= 500:
            raise TemporaryError(f"server error {status}", status=status, **where)
        if status == 404:
            raise NotFound("not found", status=status, **where)
        if status == 400:
            raise BadRequest(_excerpt(raw), status=status, **where)
        if not 200 <= status < 300:
            raise PermanentError(f"refused with {status}", status=status, **where)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise MalformedResponse(
                "body is not JSON", status=status, **where
            ) from error


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (RFC 9110 §10.2.3), if it says.

    An HTTP-date is measured against the response's own ``Date`` header, so no
    local clock is consulted; without one the header is ignored.
    """
    value = headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if not value or "Date" not in headers:
        return None
    try:
        wait = parsedate_to_datetime(value) - parsedate_to_datetime(headers["Date"])
    except (TypeError, ValueError):
        return None
    return max(wait.total_seconds(), 0.0)


def _may_repeat(method: str, headers: Mapping[str, str]) -> bool:
    return method in _IDEMPOTENT_METHODS or IDEMPOTENCY_HEADER in headers


def _excerpt(raw: bytes) -> str:
    return raw[:200].decode("utf-8", errors="replace") or "bad request"
